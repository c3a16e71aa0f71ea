//! The AWS emulator for integration tests: moto's server, started through
//! `tests/emulator/launcher.py` at the repository root, once per test binary.
//!
//! This file uses only `std` so that any test crate can include it, by `mod`
//! from `providers/tests/common/` or by `#[path]` from elsewhere:
//!
//! ```ignore
//! #[path = "../providers/tests/common/emulator.rs"]
//! mod emulator;
//! let endpoint = emulator::Emulator::start().endpoint();
//! ```
//!
//! Tests never skip when the emulator is missing: they panic and say how to
//! install it (`bash scripts/test.sh`).

// Each test binary includes this file and uses a different part of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

/// The region every emulator test uses.
pub const REGION: &str = "us-east-1";
/// The access key id tests pass explicitly, so that no test reads the
/// developer's own AWS credentials or environment.
pub const ACCESS_KEY_ID: &str = "testing";
/// The secret access key that goes with [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "testing";

/// How long the launcher may take to import moto and start listening. A cold
/// start takes a few seconds; the margin is for a loaded CI machine.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How many of the launcher's last stderr lines a startup failure shows.
const STDERR_LINES_KEPT: usize = 40;

/// A running emulator shared by every test of one test binary (under
/// nextest, every test process). Cheap to copy: it only names the port.
#[derive(Clone, Copy, Debug)]
pub struct Emulator {
    port: u16,
}

/// What keeps the launcher alive. It lives in a static that is never dropped:
/// when the test process exits, the OS closes our end of the child's stdin,
/// and the launcher exits on that end of file. That holds however the
/// process ends (success, panic, signal), which a `Drop` would not.
struct Running {
    port: u16,
    _child: Child,
    _stdin: ChildStdin,
}

static RUNNING: OnceLock<Running> = OnceLock::new();

impl Emulator {
    /// Returns the emulator of this test binary, starting it on first use.
    ///
    /// # Panics
    ///
    /// When no Python with moto is found or the launcher does not report
    /// ready within a minute; the message says how to fix it.
    pub fn start() -> Emulator {
        let running = RUNNING.get_or_init(launch);
        Emulator { port: running.port }
    }

    /// The base URL to pass to an SDK client as its endpoint, e.g.
    /// `http://127.0.0.1:41234`. Every service is served from this one URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a `stack` run needs to reach this emulator: its
    /// endpoint, the test credentials moto accepts and a region.
    pub fn stack_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }

    /// The TCP port the emulator listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Makes the emulator answer the next `times` requests for `action`
    /// (e.g. "CreateVpc") only after `delay`, having processed them at once:
    /// a client with a shorter timeout gives up after the object exists.
    /// See the launcher's module docstring.
    ///
    /// # Panics
    ///
    /// When the emulator does not accept the fault.
    pub fn delay_answers(&self, action: &str, delay: Duration, times: u32) {
        let body = format!(
            "{{\"action\": \"{action}\", \"delay_seconds\": {}, \"times\": {times}}}",
            delay.as_secs_f64()
        );
        let reply = post(self.port, "/_stack/faults", &body)
            .unwrap_or_else(|e| panic!("setting an emulator fault failed: {e}"));
        assert!(
            reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"),
            "the emulator refused the fault {body}: {reply}"
        );
    }
}

/// A minimal HTTP/1.1 POST with `std` only; returns the whole reply.
fn post(port: u16, path: &str, body: &str) -> std::io::Result<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

fn launch() -> Running {
    let root = repository_root();
    let launcher = root.join("tests/emulator/launcher.py");
    let python = python(&root);
    // Port 0 lets the launcher bind a free port itself and report it, so no
    // other process can take the port between choosing and binding it.
    let mut child = Command::new(&python)
        .arg(&launcher)
        .arg("0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            fail(&format!(
                "could not run the AWS emulator with {}: {error}",
                python.display()
            ))
        });
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");

    // Both pipes are drained for the launcher's whole life so that it never
    // blocks on a full pipe; the stderr tail explains a failed start.
    let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
    spawn_stderr_reader(stderr, Arc::clone(&stderr_tail));
    let (ready_tx, ready_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let port = lines.by_ref().map_while(Result::ok).find_map(|line| {
            line.strip_prefix("READY ")
                .and_then(|port| port.trim().parse::<u16>().ok())
        });
        let _ = ready_tx.send(port);
        for _ in lines {}
    });

    match ready_rx.recv_timeout(STARTUP_TIMEOUT) {
        Ok(Some(port)) => Running {
            port,
            _child: child,
            _stdin: stdin,
        },
        outcome => {
            let reason = match outcome {
                Err(_) => format!(
                    "did not report ready within {} s",
                    STARTUP_TIMEOUT.as_secs()
                ),
                Ok(_) => match child.wait() {
                    Ok(status) => format!("exited before it was ready ({status})"),
                    Err(error) => format!("exited before it was ready ({error})"),
                },
            };
            let _ = child.kill();
            // Give the stderr reader a moment to collect the last words.
            thread::sleep(Duration::from_millis(200));
            let tail = stderr_tail
                .lock()
                .map(|lines| lines.iter().cloned().collect::<Vec<_>>().join("\n"))
                .unwrap_or_default();
            fail(&format!(
                "the AWS emulator ({} {}) {reason}. Its stderr ends with:\n{tail}",
                python.display(),
                launcher.display()
            ))
        }
    }
}

fn spawn_stderr_reader(stderr: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(mut tail) = tail.lock() {
                if tail.len() == STDERR_LINES_KEPT {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    });
}

/// Finds the repository root from this crate's manifest directory, so that
/// the harness works from the providers crate and from the root package.
pub fn repository_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join("tests/emulator/launcher.py").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| {
            fail(&format!(
                "no tests/emulator/launcher.py in {} or any parent directory",
                manifest.display()
            ))
        })
}

/// `STACK_EMULATOR_PYTHON` when set (scripts/test.sh sets it), else the
/// project's `.venv`.
pub fn python(root: &Path) -> PathBuf {
    if let Some(python) = std::env::var_os("STACK_EMULATOR_PYTHON").filter(|p| !p.is_empty()) {
        let python = PathBuf::from(python);
        if !python.is_file() {
            fail(&format!(
                "STACK_EMULATOR_PYTHON is {}, which does not exist",
                python.display()
            ));
        }
        return python;
    }
    let venv = root.join(".venv/bin/python");
    if !venv.is_file() {
        fail(&format!(
            "no Python with moto: STACK_EMULATOR_PYTHON is unset and {} does not exist",
            venv.display()
        ));
    }
    venv
}

fn fail(problem: &str) -> ! {
    panic!(
        "AWS emulator unavailable: {problem}.\n\
         Run `bash scripts/test.sh` once from the repository root: it installs moto into \
         .venv and runs the tests. AWS tests are never skipped."
    )
}
