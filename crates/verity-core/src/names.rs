//! Names of parties, treaties, kinds and keys.
//!
//! Party and key names follow the C2SP signed-note key-name rule (non-empty, no `+`, no
//! whitespace) and are further restricted to a portable ASCII set so that they can appear in
//! URLs, file names and CSV cells without escaping.

/// Why a name is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("{0:?} is longer than 64 characters")]
    TooLong(String),
    #[error("{name:?} has {ch:?} at position {pos}; allowed: {allowed}")]
    BadChar {
        name: String,
        ch: char,
        pos: usize,
        allowed: &'static str,
    },
    #[error("{0:?} is not `<key name>+<8 hex digits>`")]
    BadKeyRef(String),
}

const PARTY_CHARS: &str = "ASCII letters, digits, '.', '_', '-', '/'";
const IDENT_CHARS: &str = "lower-case ASCII letters, digits and '-'";

fn check_chars(s: &str, ok: impl Fn(char) -> bool, allowed: &'static str) -> Result<(), NameError> {
    if s.is_empty() {
        return Err(NameError::Empty);
    }
    if s.chars().count() > 64 {
        return Err(NameError::TooLong(s.to_owned()));
    }
    match s.chars().enumerate().find(|(_, c)| !ok(*c)) {
        Some((pos, ch)) => Err(NameError::BadChar {
            name: s.to_owned(),
            ch,
            pos,
            allowed,
        }),
        None => Ok(()),
    }
}

/// A party (state, organisation, data centre, log operator) or key name.
pub fn check_party(s: &str) -> Result<(), NameError> {
    check_chars(
        s,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'),
        PARTY_CHARS,
    )
}

/// A treaty ID or an entry kind: `new-start`, `data-exchange`.
pub fn check_identifier(s: &str) -> Result<(), NameError> {
    check_chars(
        s,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        IDENT_CHARS,
    )
}

/// `<key name>+<hex8>`: how an envelope names its signing key.
pub fn key_ref(name: &str, key_id: u32) -> String {
    format!("{name}+{key_id:08x}")
}

/// Checks the `<key name>+<hex8>` form.
pub fn check_key_ref(s: &str) -> Result<(), NameError> {
    let Some((name, id)) = s.rsplit_once('+') else {
        return Err(NameError::BadKeyRef(s.to_owned()));
    };
    check_party(name)?;
    if id.len() != 8 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(NameError::BadKeyRef(s.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        let table: &[(&str, bool, bool)] = &[
            // name, valid party, valid identifier
            ("US", true, false),
            ("new-start", true, true),
            ("IAEA/SG", true, false),
            ("", false, false),
            ("a b", false, false),
            ("a+b", false, false),
            ("é", false, false),
            ("data-exchange", true, true),
        ];
        for (name, party, ident) in table {
            assert_eq!(check_party(name).is_ok(), *party, "{name}");
            assert_eq!(check_identifier(name).is_ok(), *ident, "{name}");
        }
        assert!(check_party(&"x".repeat(65)).is_err());
    }

    #[test]
    fn key_refs() {
        assert_eq!(key_ref("US", 0x1a2b), "US+00001a2b");
        assert!(check_key_ref("US+00001a2b").is_ok());
        for bad in ["US", "US+1a2b", "US+00001A2B", "+00001a2b", "U S+00001a2b"] {
            assert!(check_key_ref(bad).is_err(), "{bad}");
        }
    }
}
