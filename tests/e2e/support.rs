use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_barometer");

/// `barometer` with a database URL, run in `dir`.
pub fn barometer(dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(dir).env("BAROMETER_DATABASE_URL", database_url).env("BAROMETER_LOG", "warn").env_remove("BAROMETER_BIND");
    command
}

/// A running `barometer serve`, stopped with SIGTERM when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub lines: Vec<String>,
}

impl Server {
    /// Starts the server and waits for the line that says where it listens and, with `--demo`,
    /// for the one-time links printed after it; then collects what follows for a moment.
    pub fn start(command: Command) -> Server {
        Server::start_with(command, Duration::from_millis(500))
    }

    /// Starts the server and returns as soon as it says where it listens.
    pub fn start_quietly(command: Command) -> Server {
        Server::start_with(command, Duration::ZERO)
    }

    fn start_with(mut command: Command, linger: Duration) -> Server {
        let demo = command.get_args().any(|a| a == "--demo");
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("barometer starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let url = loop {
            let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("no listening line; got {lines:?}"));
            lines.push(line.clone());
            if let Some(url) = line.strip_prefix("barometer is listening on ") {
                break url.trim().to_owned();
            }
        };
        // With --demo, the one-time links follow, ending with an empty line: wait for all of
        // them, however long a loaded machine takes to write them.
        if demo && !linger.is_zero() {
            let mut in_links = false;
            loop {
                let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("no demo links; got {lines:?}"));
                lines.push(line.clone());
                if line.starts_with("Try it") {
                    in_links = true;
                } else if in_links && line.trim().is_empty() {
                    break;
                }
            }
        }
        // Collect whatever else follows for a moment.
        while !linger.is_zero()
            && let Ok(line) = rx.recv_timeout(linger)
        {
            lines.push(line);
        }
        Server { child, url, lines }
    }

    /// Sends SIGTERM and returns whether the process exited successfully.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(sent.success());
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs a command to completion and returns (success, stdout, stderr).
pub fn run(mut command: Command) -> (bool, String, String) {
    let out = command.stdin(Stdio::null()).output().expect("barometer runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A SQLite URL in a fresh folder, and (when configured) a fresh, empty PostgreSQL database:
/// nothing migrated, as a new installation finds it.
pub fn databases() -> Vec<(String, tempfile::TempDir, Option<barometer_test_support::TestDb>)> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    out.push(("sqlite://barometer.db".to_owned(), dir, None));
    if let Some(pg) = barometer_test_support::TestDb::postgres_empty() {
        out.push((pg.url().to_owned(), tempfile::tempdir().unwrap(), Some(pg)));
    }
    out
}
