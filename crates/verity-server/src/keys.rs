//! Key files: signer keys (mode 0600) and verifier keys, in the C2SP signed-note text formats
//! (`PRIVATE+KEY+<name>+<hex8>+<base64>` and `<name>+<hex8>+<base64>`), and the log key of a
//! data folder (`DIR/log.key`, `DIR/log.vkey`).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use verity_log::cosignature::{CosignatureSigner, CosignatureVerifier};
use verity_log::note::{Signer, Verifier};

/// The origin (and log key name) used when `--origin` is not given on first start.
pub const DEFAULT_ORIGIN: &str = "verity.localhost/log";

/// File name of the log's signer key inside a data folder.
pub const LOG_KEY_FILE: &str = "log.key";
/// File name of the log's verifier key inside a data folder.
pub const LOG_VKEY_FILE: &str = "log.vkey";

/// Writes a secret file readable only by its owner. Refuses to overwrite unless `overwrite`.
pub fn write_secret_file(path: &Path, contents: &str, overwrite: bool) -> anyhow::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true);
    if overwrite {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| {
        if path.exists() && !overwrite {
            format!(
                "{} already exists (refusing to overwrite a key)",
                path.display()
            )
        } else {
            format!("cannot create {}", path.display())
        }
    })?;
    #[cfg(unix)]
    {
        // An existing file keeps its mode on truncate: tighten it explicitly.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot set mode 0600 on {}", path.display()))?;
    }
    f.write_all(contents.as_bytes())
        .and_then(|_| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn read_key_text(path: &Path, what: &str) -> anyhow::Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{what} {} is not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let line = text.trim();
    if line.is_empty() {
        bail!("{what} {} is empty", path.display());
    }
    if line.lines().count() > 1 {
        bail!(
            "{what} {} has more than one line; expected a single key",
            path.display()
        );
    }
    Ok(line.to_owned())
}

/// Reads a signer key written by `verity keygen`.
pub fn read_signer_key(path: &Path) -> anyhow::Result<Signer> {
    let text = read_key_text(path, "signer key file")?;
    if !text.starts_with("PRIVATE+KEY+") {
        bail!(
            "{} is not a signer key: expected a line starting with PRIVATE+KEY+ (as written by `verity keygen`){}",
            path.display(),
            if Verifier::from_vkey(&text).is_ok() {
                "; this looks like a verifier (public) key"
            } else {
                ""
            }
        );
    }
    Signer::from_skey(&text)
        .with_context(|| format!("{} is not a valid signer key", path.display()))
}

/// Parses a verifier key given either as the key text itself or as the name of a file holding it.
pub fn verifier_from_arg(arg: &str) -> anyhow::Result<Verifier> {
    match Verifier::from_vkey(arg.trim()) {
        Ok(v) => Ok(v),
        Err(text_err) => {
            let path = Path::new(arg);
            if path.exists() {
                read_verifier_key(path)
            } else {
                Err(anyhow::anyhow!(
                    "{arg:?} is neither a verifier key (<name>+<hex8>+<base64>: {text_err}) nor an existing file"
                ))
            }
        }
    }
}

/// Reads a verifier key file (`<name>+<hex8>+<base64>`).
pub fn read_verifier_key(path: &Path) -> anyhow::Result<Verifier> {
    let text = read_key_text(path, "verifier key file")?;
    if text.starts_with("PRIVATE+KEY+") {
        bail!(
            "{} holds a PRIVATE signer key; give the verifier key (the line `verity keygen` printed)",
            path.display()
        );
    }
    Verifier::from_vkey(&text)
        .with_context(|| format!("{} is not a valid verifier key", path.display()))
}

/// Reads a witness cosignature verifier key given as text or as a file name.
pub fn cosignature_verifier_from_arg(arg: &str) -> anyhow::Result<CosignatureVerifier> {
    match CosignatureVerifier::from_vkey(arg.trim()) {
        Ok(v) => Ok(v),
        Err(text_err) => {
            let path = Path::new(arg);
            if path.exists() {
                let text = read_key_text(path, "witness verifier key file")?;
                CosignatureVerifier::from_vkey(&text).with_context(|| {
                    format!(
                        "{} is not a witness (cosignature) verifier key",
                        path.display()
                    )
                })
            } else {
                Err(anyhow::anyhow!(
                    "{arg:?} is neither a witness verifier key ({text_err}) nor an existing file"
                ))
            }
        }
    }
}

/// Paths of a data folder's log key files.
pub fn log_key_paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    (data_dir.join(LOG_KEY_FILE), data_dir.join(LOG_VKEY_FILE))
}

/// Loads the log key of a data folder, creating it (name = origin) on first start.
/// Returns the signer and whether it was created now.
///
/// The log key's name is the log's origin (C2SP tlog-checkpoint: the origin line identifies
/// the log, and the checkpoint's signature line names the key), and it is also the operator's
/// party name in the registry.
pub fn load_or_create_log_key(
    data_dir: &Path,
    origin: Option<&str>,
    rng: &mut impl rand_core::CryptoRngCore,
) -> anyhow::Result<(Signer, bool)> {
    let (key_path, vkey_path) = log_key_paths(data_dir);
    if key_path.exists() {
        let signer = read_signer_key(&key_path)?;
        if let Some(origin) = origin
            && origin != signer.name()
        {
            bail!(
                "{} is the key of log {:?}, but --origin {origin:?} was given (the origin of a data folder cannot change)",
                key_path.display(),
                signer.name()
            );
        }
        if !vkey_path.exists() {
            fs::write(&vkey_path, format!("{}\n", signer.verifier().to_vkey()))
                .with_context(|| format!("cannot write {}", vkey_path.display()))?;
        }
        return Ok((signer, false));
    }
    fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
    let name = origin.unwrap_or(DEFAULT_ORIGIN);
    verity_core::names::check_party(name)
        .with_context(|| format!("origin {name:?} cannot name the log key"))?;
    let signer =
        Signer::generate(name, rng).with_context(|| format!("cannot make a key named {name:?}"))?;
    write_secret_file(&key_path, &format!("{}\n", signer.to_skey()), false)?;
    fs::write(&vkey_path, format!("{}\n", signer.verifier().to_vkey()))
        .with_context(|| format!("cannot write {}", vkey_path.display()))?;
    Ok((signer, true))
}

/// Loads the log key of an existing data folder (for `verity party add`).
pub fn load_log_key(data_dir: &Path) -> anyhow::Result<Signer> {
    let (key_path, _) = log_key_paths(data_dir);
    if !key_path.exists() {
        bail!(
            "{} has no log key ({}); start `verity serve --data {}` once to create the log",
            data_dir.display(),
            key_path.display(),
            data_dir.display()
        );
    }
    read_signer_key(&key_path)
}

/// Loads or creates a witness's cosignature key in its data folder (`witness.key`, `witness.vkey`).
pub fn load_or_create_witness_key(
    data_dir: &Path,
    name: &str,
    rng: &mut impl rand_core::CryptoRngCore,
) -> anyhow::Result<CosignatureSigner> {
    let key_path = data_dir.join("witness.key");
    let vkey_path = data_dir.join("witness.vkey");
    let signer = if key_path.exists() {
        let text = read_key_text(&key_path, "witness key file")?;
        CosignatureSigner::from_skey(&text)
            .with_context(|| format!("{} is not a witness key", key_path.display()))?
    } else {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data folder {}", data_dir.display()))?;
        let s = CosignatureSigner::generate(name, rng)
            .with_context(|| format!("cannot make a witness key named {name:?}"))?;
        write_secret_file(&key_path, &format!("{}\n", s.to_skey()), false)?;
        s
    };
    fs::write(&vkey_path, format!("{}\n", signer.verifier().to_vkey()))
        .with_context(|| format!("cannot write {}", vkey_path.display()))?;
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_key_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("us.key");
        let s = Signer::generate("US", &mut rand_core::OsRng).unwrap();
        write_secret_file(&path, &format!("{}\n", s.to_skey()), false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let back = read_signer_key(&path).unwrap();
        assert_eq!(back.to_skey(), s.to_skey());
        // Never overwrites a key by accident.
        assert!(write_secret_file(&path, "x", false).is_err());
    }

    #[test]
    fn bad_key_files_have_readable_errors() {
        let dir = tempfile::tempdir().unwrap();
        let s = Signer::generate("US", &mut rand_core::OsRng).unwrap();
        let cases: &[(&str, &str)] = &[
            ("", "is empty"),
            ("hello", "not a signer key"),
            (&s.verifier().to_vkey(), "verifier (public) key"),
            ("PRIVATE+KEY+US+00000000+AAAA", "not a valid signer key"),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let path = dir.path().join(format!("k{i}"));
            fs::write(&path, text).unwrap();
            let err = format!("{:#}", read_signer_key(&path).unwrap_err());
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(err.contains(&path.display().to_string()), "{err}");
        }
        let err = format!(
            "{:#}",
            read_signer_key(&dir.path().join("missing")).unwrap_err()
        );
        assert!(err.contains("cannot read signer key file"), "{err}");
    }

    #[test]
    fn log_key_is_created_once_and_origin_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, created) =
            load_or_create_log_key(dir.path(), Some("log.example/test"), &mut rand_core::OsRng)
                .unwrap();
        assert!(created);
        assert_eq!(a.name(), "log.example/test");
        let (b, created) = load_or_create_log_key(dir.path(), None, &mut rand_core::OsRng).unwrap();
        assert!(!created);
        assert_eq!(a.to_skey(), b.to_skey());
        let vkey = fs::read_to_string(dir.path().join(LOG_VKEY_FILE)).unwrap();
        assert_eq!(vkey.trim(), a.verifier().to_vkey());
        let err =
            load_or_create_log_key(dir.path(), Some("other"), &mut rand_core::OsRng).unwrap_err();
        assert!(err.to_string().contains("cannot change"), "{err}");
    }
}
