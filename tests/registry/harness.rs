//! The registry under test: a data directory, users alice and bob (group
//! `platform`) and carol (group `mobile`) with tokens, and `stack registry
//! serve` on a loopback port, over SQLite, PostgreSQL or S3 archives.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::{bin, Run, Stack};

/// Where the registry keeps its metadata and archives.
pub enum Backend {
    Sqlite,
    /// A fresh database on the server `STACK_TEST_POSTGRES_URL` names.
    Postgres(String),
    /// SQLite metadata, archives in a bucket of the AWS emulator.
    S3 {
        env: Vec<(String, String)>,
        bucket: String,
    },
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite
    }

    /// PostgreSQL is started by scripts/test.sh (scripts/postgres.sh). A
    /// missing server is a failure, never a skip.
    pub fn postgres() -> Backend {
        let server = std::env::var("STACK_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!("STACK_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
        });
        let name = format!("registry_{}", std::process::id());
        let created = Command::new("psql")
            .args([server.as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {name}; "))
            .output()
            .expect("psql runs");
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
        let created = Command::new("psql")
            .args([server.as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .expect("psql runs");
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        Backend::Postgres(format!("{base}/{name}"))
    }

    fn data_args(&self, data: &Path) -> Vec<String> {
        let mut args = vec!["--data".to_string(), data.display().to_string()];
        if let Backend::Postgres(url) = self {
            args.extend(["--database".to_string(), url.clone()]);
        }
        args
    }

    fn env(&self) -> Vec<(String, String)> {
        match self {
            Backend::S3 { env, .. } => env.clone(),
            _ => Vec::new(),
        }
    }
}

pub struct User {
    pub name: &'static str,
    pub token: String,
    /// The user's own directory: their config (saved login) and their stacks.
    pub home: Stack,
}

impl User {
    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    /// Runs `stack ARGS` as this user, in `dir` (default: their home).
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let mut cmd = self.home.command(args);
        cmd.current_dir(dir)
            .env("STACK_CONFIG_DIR", self.config_dir());
        let out = cmd.output().expect("run stack");
        Run::from_output(args.iter().map(|s| s.to_string()).collect(), out)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.home.path(), args)
    }

    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code,
            0,
            "{} ran stack {args:?}:\n{}",
            self.name,
            run.both()
        );
        run
    }

    pub fn ok_in(&self, dir: &Path, args: &[&str]) -> Run {
        let run = self.run_in(dir, args);
        assert_eq!(
            run.code,
            0,
            "{} ran stack {args:?} in {}:\n{}",
            self.name,
            dir.display(),
            run.both()
        );
        run
    }
}

pub struct Registry {
    pub backend: Backend,
    pub data: tempfile::TempDir,
    pub addr: String,
    child: Child,
    _stdout: BufReader<std::process::ChildStdout>,
    pub alice: User,
    pub bob: User,
    pub carol: User,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    pub fn start(backend: Backend, serve_args: &[&str]) -> Registry {
        let data = tempfile::Builder::new()
            .prefix("registry-")
            .tempdir()
            .unwrap();
        let admin = |args: &[&str]| admin(&backend, data.path(), args);
        admin(&["user", "add", "alice", "--group", "platform"]);
        admin(&["user", "add", "bob", "--group", "platform"]);
        admin(&["user", "add", "carol", "--group", "mobile"]);
        let mut cmd = Command::new(bin());
        cmd.args(["--no-color", "registry", "serve", "--listen", "127.0.0.1:0"])
            .args(backend.data_args(data.path()))
            .args(serve_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Backend::S3 { bucket, .. } = &backend {
            cmd.args(["--archives", &format!("s3://{bucket}/templates")]);
        }
        for (k, v) in backend.env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the registry");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("stack registry listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line from the registry: {line:?}"))
            .to_string();
        let url = format!("http://{addr}");
        let user = |name: &'static str| {
            let token = admin(&["token", "create", name]).stdout.trim().to_string();
            assert!(token.starts_with("stk_"), "{token}");
            let home = Stack::new();
            let u = User { name, token, home };
            let login = {
                let mut cmd = u.home.command(&["login", &url]);
                cmd.env("STACK_CONFIG_DIR", u.config_dir())
                    .env("STACK_REGISTRY_TOKEN", &u.token);
                Run::from_output(vec![], cmd.output().unwrap())
            };
            assert_eq!(login.code, 0, "{}", login.both());
            assert!(
                login.stdout.contains(&format!("as {name}")),
                "{}",
                login.stdout
            );
            u
        };
        let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
        Registry {
            backend,
            data,
            addr,
            child,
            _stdout: stdout,
            alice,
            bob,
            carol,
        }
    }

    pub fn users(&self) -> [&User; 3] {
        [&self.alice, &self.bob, &self.carol]
    }

    pub fn admin(&self, args: &[&str]) -> Run {
        admin(&self.backend, self.data.path(), args)
    }

    /// One plain HTTP/1.1 request; returns the status and the body.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = std::net::TcpStream::connect(&self.addr).unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        let _ = stream.write_all(body);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        (status, body)
    }

    /// The archives kept: files under the data directory's archives, or objects in the bucket.
    pub fn archive_count(&self, s3: Option<&dyn Fn() -> usize>) -> usize {
        if let Some(count) = s3 {
            return count();
        }
        fn walk(dir: &Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
        }
        walk(&self.data.path().join("archives"))
    }
}

fn admin(backend: &Backend, data: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.arg("--no-color")
        .arg("registry")
        .args(args)
        .args(backend.data_args(data));
    for (k, v) in backend.env() {
        cmd.env(k, v);
    }
    let run = Run::from_output(
        args.iter().map(|s| s.to_string()).collect(),
        cmd.output().unwrap(),
    );
    assert_eq!(run.code, 0, "stack registry {args:?}:\n{}", run.both());
    run
}

/// A small template: a variable with a description, a resource built-in
/// providers plan offline, an output and a README.
pub fn template_dir(greeting: &str) -> Stack {
    let t = Stack::new();
    t.write(
        "main.tf",
        &format!(
            r#"variable "name" {{
  type        = string
  description = "Who to greet."
}}

variable "punctuation" {{
  type    = string
  default = "!"
}}

resource "terraform_data" "greeting" {{
  input = "{greeting} ${{var.name}}${{var.punctuation}}"
}}

output "greeting" {{
  value       = terraform_data.greeting.input
  description = "The greeting."
}}
"#
        ),
    );
    t.write("README.md", &format!("# {greeting}\n\nSays {greeting}.\n"));
    t
}

/// A stack calling `source` as a module.
pub fn module_stack(source: &str, constraint: &str) -> Stack {
    Stack::with_main(&format!(
        r#"module "app" {{
  source  = "{source}"
  version = "{constraint}"
  name    = "world"
}}

output "greeting" {{
  value = module.app.greeting
}}
"#
    ))
}
