//! Shared helpers for the end-to-end tests: a scratch stack directory, a
//! way to run the real `stack` binary in it, and the snapshot check used by
//! the data-driven tests (`UPDATE_EXPECT=1` rewrites the expected files).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `stack` binary Cargo built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stack")
}

/// What one run of `stack` produced.
#[derive(Debug)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub args: Vec<String>,
}

impl Run {
    pub fn from_output(args: Vec<String>, out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            args,
        }
    }

    /// stdout and stderr, for assertion messages.
    pub fn both(&self) -> String {
        format!("--- stdout:\n{}\n--- stderr:\n{}", self.stdout, self.stderr)
    }

    /// The `Plan: X to add, Y to change, Z to destroy.` line, if any.
    pub fn plan_line(&self) -> Option<&str> {
        self.stdout.lines().find(|l| l.starts_with("Plan: "))
    }

    /// The `# ADDR will be created` / `must be replaced` headers of the plan, as (address, what).
    pub fn plan_headers(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("# "))
            .filter_map(|l| {
                for what in [
                    " will be created",
                    " will be updated in-place",
                    " will be destroyed",
                    " must be replaced",
                    " will be read during apply",
                ] {
                    if let Some(addr) = l.strip_suffix(what) {
                        return Some((addr.to_string(), what.trim().to_string()));
                    }
                }
                None
            })
            .collect()
    }

    /// Addresses whose plan header is exactly `what` ("will be created", ...).
    pub fn planned(&self, what: &str) -> Vec<String> {
        self.plan_headers()
            .into_iter()
            .filter(|(_, w)| w == what)
            .map(|(a, _)| a)
            .collect()
    }

    /// Index of the first stdout line containing `needle`.
    pub fn line_index(&self, needle: &str) -> usize {
        self.stdout
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| {
                panic!(
                    "no line containing {needle:?} in the output of stack {:?}\n{}",
                    self.args,
                    self.both()
                )
            })
    }
}

/// A scratch stack directory, removed when dropped.
pub struct Stack {
    pub dir: tempfile::TempDir,
}

impl Stack {
    pub fn new() -> Stack {
        Stack {
            dir: tempfile::Builder::new()
                .prefix("stack-e2e-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    /// A stack whose main.tf is `main_tf`.
    pub fn with_main(main_tf: &str) -> Stack {
        let s = Stack::new();
        s.write("main.tf", main_tf);
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or overwrites) a file under the stack directory, creating parents.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    /// A `stack --no-color ARGS` command in the stack directory, with a clean
    /// environment (no STACK_* or NO_COLOR from the caller) and no stdin.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.current_dir(self.path())
            .arg("--no-color")
            .args(args)
            .stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("STACK_") || k == "NO_COLOR" {
                cmd.env_remove(&key);
            }
        }
        cmd
    }

    /// Runs `stack --no-color ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Like [`Stack::run`], with extra environment variables.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run stack");
        Run::from_output(args.iter().map(|s| s.to_string()).collect(), out)
    }

    /// Like [`Stack::run_with`], taking owned values (as
    /// `Emulator::stack_env` gives them).
    pub fn run_env(&self, args: &[&str], env: &[(&str, String)]) -> Run {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.run_with(args, &env)
    }

    /// Runs and asserts exit code `code`.
    pub fn expect(&self, code: i32, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code,
            code,
            "stack {args:?} exited {} (expected {code})\n{}",
            r.code,
            r.both()
        );
        r
    }

    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.expect(0, args)
    }

    /// Runs and asserts failure (exit 1).
    pub fn fail(&self, args: &[&str]) -> Run {
        self.expect(1, args)
    }

    /// Starts `stack --no-color ARGS` in the background, stdout and stderr to files.
    pub fn spawn(&self, args: &[&str], log: &str) -> Child {
        let out = std::fs::File::create(self.path().join(format!("{log}.out"))).unwrap();
        let err = std::fs::File::create(self.path().join(format!("{log}.err"))).unwrap();
        self.command(args)
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn stack")
    }

    /// `stack state list`.
    pub fn state_list(&self) -> Vec<String> {
        self.ok(&["state", "list"])
            .stdout
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `stack output --json`, parsed.
    pub fn outputs(&self) -> serde_json::Value {
        let r = self.ok(&["output", "--json"]);
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("output --json is not JSON: {e}\n{}", r.stdout))
    }

    /// One output's value from `stack output --json`.
    pub fn output(&self, name: &str) -> serde_json::Value {
        let all = self.outputs();
        all.get(name)
            .unwrap_or_else(|| panic!("no output {name} in {all}"))["value"]
            .clone()
    }

    /// `stack apply --auto-approve ARGS`, asserted to succeed.
    pub fn apply(&self, extra: &[&str]) -> Run {
        let mut args = vec!["apply", "--auto-approve"];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// `stack plan ARGS`, asserted to succeed.
    pub fn plan(&self, extra: &[&str]) -> Run {
        let mut args = vec!["plan"];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    pub fn state_file(&self) -> PathBuf {
        self.path().join(".stack/default.state.json")
    }

    /// Replaces this stack's temp dir path by `$DIR` (both spellings).
    pub fn normalise(&self, text: &str) -> String {
        normalise_dir(text, self.path())
    }
}

/// Replaces `dir` (as given and canonicalised) by `$DIR`.
pub fn normalise_dir(text: &str, dir: &Path) -> String {
    let mut out = text.to_string();
    let mut spellings = vec![dir.display().to_string()];
    if let Ok(c) = dir.canonicalize() {
        spellings.push(c.display().to_string());
    }
    spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in spellings {
        out = out.replace(&s, "$DIR");
    }
    out
}

/// `text` with every run of whitespace (including the line breaks and
/// indentation of wrapped diagnostic help) collapsed to one space.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Plan: X to add, Y to change, Z to destroy.`
pub fn plan_summary(add: usize, change: usize, destroy: usize) -> String {
    format!("Plan: {add} to add, {change} to change, {destroy} to destroy.")
}

/// Polls `cond` every 50 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The root of the test data (`tests/data`).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
}

/// The case directories under `tests/data/<group>`, sorted.
pub fn cases(group: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(data_dir().join(group))
        .unwrap_or_else(|e| panic!("tests/data/{group}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Copies a case directory into `to`, leaving out `expected.txt` and `args`.
pub fn copy_case(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_case(&src, &dst);
        } else if name != "expected.txt" && name != "args" {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The arguments of a case: its `args` file (one argument a line), or `default`.
pub fn case_args(case: &Path, default: &[&str]) -> Vec<String> {
    match std::fs::read_to_string(case.join("args")) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        Err(_) => default.iter().map(|s| s.to_string()).collect(),
    }
}

/// Compares `actual` with the file `expected`; with `UPDATE_EXPECT=1` rewrites
/// the file instead. Returns a description of the mismatch, if any.
pub fn check_expect(expected: &Path, actual: &str) -> Result<(), String> {
    if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
        std::fs::write(expected, actual).unwrap();
        return Ok(());
    }
    let want = std::fs::read_to_string(expected).unwrap_or_default();
    if want == actual {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(&want, actual);
    Err(format!(
        "{} does not match (run with UPDATE_EXPECT=1 to accept the new output):\n{}",
        expected.display(),
        diff.unified_diff().header("expected", "actual")
    ))
}

/// Runs `stack --no-color ARGS` in a fresh copy of every case of `group`
/// and checks the chosen stream against the case's `expected.txt`. `check`
/// can add assertions of its own. All mismatches are reported together.
pub fn run_cases(
    group: &str,
    default_args: &[&str],
    stream: fn(&Run) -> &str,
    check: fn(&Path, &Run) -> Result<(), String>,
) -> usize {
    let mut failures = Vec::new();
    let cases = cases(group);
    assert!(!cases.is_empty(), "no cases in tests/data/{group}");
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let stack = Stack::new();
        copy_case(case, stack.path());
        let args = case_args(case, default_args);
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = stack.run(&arg_refs);
        let actual = stack.normalise(stream(&run));
        if let Err(e) = check(case, &run) {
            failures.push(format!("[{group}/{name}] {e}\n{}", run.both()));
        }
        if let Err(e) = check_expect(&case.join("expected.txt"), &actual) {
            failures.push(format!("[{group}/{name}] {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    cases.len()
}
