//! Test harness: a throw-away PostgreSQL server (feature `testing`).
//!
//! ```no_run
//! # fn main() -> Result<(), String> {
//! let Some(pg) = verity_store::testing::PgServer::start_or_skip("my_test")? else { return Ok(()) };
//! let conn = pg.create_database("t1")?;   // "host=/tmp/... port=5432 user=postgres dbname=t1"
//! # Ok(()) }
//! ```
//!
//! The server runs in a temporary directory — as user `postgres` when the tests run as root
//! (initdb refuses root), else as the current user — listens only on a unix socket in that
//! directory, trusts local connections, and is stopped (`pg_ctl stop -m immediate`) and
//! deleted when the guard drops.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Port number used for the socket file name (`.s.PGSQL.<port>`); no TCP port is opened.
const PORT: u16 = 5432;

/// A running temporary PostgreSQL server. Stopped on drop.
pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_root: bool,
}

/// Whether this process runs as root (then the server runs as user `postgres`).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A command for a PostgreSQL binary, run as `postgres` when we are root.
fn pg_command(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Whether CI demands the external tools (`VERITY_REQUIRE_ORACLES=1`).
pub fn oracles_required() -> bool {
    std::env::var("VERITY_REQUIRE_ORACLES").is_ok_and(|v| v == "1")
}

/// The newest installed PostgreSQL binary directory (`/usr/lib/postgresql/<v>/bin`).
pub fn find_postgres_bin() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.split('.').next()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, b)| b)
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

impl PgServer {
    /// Starts a server, or returns `Ok(None)` after printing a note if PostgreSQL is not
    /// installed — unless `VERITY_REQUIRE_ORACLES=1`, in which case that is an error.
    pub fn start_or_skip(test: &str) -> Result<Option<PgServer>, String> {
        match find_postgres_bin() {
            Some(bin) => PgServer::start(&bin).map(Some),
            None if oracles_required() => Err(format!(
                "{test}: PostgreSQL is required (VERITY_REQUIRE_ORACLES=1) but /usr/lib/postgresql/*/bin/initdb \
                 was not found; install it with `apt-get install -y postgresql`"
            )),
            None => {
                eprintln!(
                    "note: {test} skipped: PostgreSQL not installed (apt-get install -y postgresql)"
                );
                Ok(None)
            }
        }
    }

    /// initdb + start in a fresh temporary directory owned by user `postgres`.
    pub fn start(bin: &Path) -> Result<PgServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("verity-pg-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let root = dir.path();
        let as_root = running_as_root();
        if as_root {
            run(
                Command::new("chown").arg("postgres:postgres").arg(root),
                "chown the PostgreSQL temp dir to postgres",
            )?;
        }
        let data = root.join("data");
        run(
            pg_command(as_root, &bin.join("initdb"))
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
                .arg(&data),
            "initdb",
        )?;
        let opts = format!(
            "-k {} -c listen_addresses='' -p {PORT} -c fsync=on",
            root.display()
        );
        run(
            pg_command(as_root, &bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .args(["-o", &opts, "-l"])
                .arg(root.join("log"))
                .args(["-w", "start"]),
            "pg_ctl start",
        )?;
        Ok(PgServer {
            dir,
            bin: bin.to_owned(),
            as_root,
        })
    }

    /// Connection string for database `dbname`.
    pub fn conn_str(&self, dbname: &str) -> String {
        format!(
            "host={} port={PORT} user=postgres dbname={dbname}",
            self.dir.path().display()
        )
    }

    /// Creates a new empty database and returns its connection string.
    pub fn create_database(&self, dbname: &str) -> Result<String, String> {
        let mut c = postgres::Client::connect(&self.conn_str("postgres"), postgres::NoTls)
            .map_err(|e| format!("connect to test PostgreSQL: {e}"))?;
        c.batch_execute(&format!("CREATE DATABASE \"{dbname}\""))
            .map_err(|e| format!("create database {dbname}: {e}"))?;
        Ok(self.conn_str(dbname))
    }

    /// The socket directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = pg_command(self.as_root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}
