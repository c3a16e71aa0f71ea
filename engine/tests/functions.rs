//! The function cases of `tests/data/functions/*.txt`: expressions with
//! Terraform 1.15.5's answers (recorded by `record.sh` there), evaluated by
//! the real evaluator. A case's `stack:` line, when present, is what `stack`
//! answers on purpose instead of Terraform's answer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine::eval::{Namespace, Scope};
use engine::value::{format_number, Value};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/functions")
}

/// One expression and the answer expected for it.
struct Case {
    file: String,
    line: usize,
    expr: String,
    want: String,
}

fn cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).expect("case file reads");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(expr) = line.strip_prefix("> ") else {
            continue;
        };
        let answer: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| !l.is_empty() && !l.starts_with("> ") && !l.starts_with('#'))
            .copied()
            .collect();
        let terraform: Vec<&str> = answer
            .iter()
            .take_while(|l| !l.starts_with("stack:"))
            .copied()
            .collect();
        let ours = answer.iter().find_map(|l| l.strip_prefix("stack: "));
        out.push(Case {
            file: path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            line: i + 1,
            expr: expr.to_string(),
            want: ours
                .map(str::to_string)
                .unwrap_or_else(|| terraform.join("\n")),
        });
    }
    out
}

/// The locals of `files/main.tf`, which cases refer to (as `terraform
/// console` sees them when run in that directory).
fn namespace(dir: &Path) -> Namespace {
    let mut ns = Namespace {
        path_module: dir.display().to_string(),
        path_root: dir.display().to_string(),
        ..Namespace::default()
    };
    let text = std::fs::read_to_string(dir.join("main.tf")).expect("main.tf reads");
    let body = hcl_edit::parser::parse_body(&text).expect("main.tf parses");
    for block in body.get_blocks("locals") {
        for attr in block.body.attributes() {
            let value = Scope::new(&ns, Arc::new(dir.join("main.tf")))
                .eval(&attr.value)
                .expect("local evaluates");
            ns.locals.insert(attr.key.to_string(), value);
        }
    }
    ns
}

/// Go's `strconv.Quote`, as `terraform console` prints a one-line string.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value as `terraform console` prints it. Collections print with their
/// types, which `Value` does not keep: cases wrap those in `jsonencode()`.
fn console(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(n),
        Value::String(s) if s.contains('\n') => {
            let end = if s.ends_with('\n') { "" } else { "\n" };
            format!("<<EOT\n{s}{end}EOT")
        }
        Value::String(s) => go_quote(s),
        Value::Sensitive(_) => "(sensitive value)".to_string(),
        Value::Unknown => "(known after apply)".to_string(),
        other => format!(
            "<a {}: wrap the expression in jsonencode()>",
            other.type_name()
        ),
    }
}

/// What `stack` answers, in the case files' form.
fn answer(ns: &Namespace, dir: &Path, expr: &str) -> String {
    let parsed = match hcl_edit::parser::parse_expr(expr) {
        Ok(e) => e,
        Err(e) => return format!("error: parse: {e}"),
    };
    match Scope::new(ns, Arc::new(dir.join("<console-input>"))).eval(&parsed) {
        Ok(v) => console(&v),
        Err(d) => format!("error: {}: {}", d.summary, d.detail),
    }
}

/// An error answer matches when the summary is Terraform's and `stack`'s
/// detail contains Terraform's (`stack` says which argument too).
fn matches(got: &str, want: &str) -> bool {
    match (got.strip_prefix("error: "), want.strip_prefix("error: ")) {
        (Some(got), Some(want)) => {
            let (g_summary, g_detail) = got.split_once(": ").unwrap_or((got, ""));
            let (w_summary, w_detail) = want.split_once(": ").unwrap_or((want, ""));
            let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            g_summary == w_summary && squash(g_detail).contains(&squash(w_detail))
        }
        _ => got == want,
    }
}

#[test]
fn functions_answer_as_terraform_does() {
    let dir = data_dir().join("files");
    let ns = namespace(&dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("data dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in files.iter().flat_map(|f| cases(f)) {
        count += 1;
        let got = answer(&ns, &dir, &case.expr);
        if !matches(&got, &case.want) {
            failures.push(format!(
                "{}:{}: {}\n    want: {}\n    got:  {}",
                case.file, case.line, case.expr, case.want, got
            ));
        }
    }
    assert!(count > 100, "only {count} cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
