//! Data-driven diagnostics: every case in `tests/data/diagnostics/<case>/`
//! is a stack (main.tf, maybe modules) plus an optional `args` file (one
//! argument a line; default `validate`). The expected stderr of
//! `stack --no-color ARGS` is `expected.txt`; `UPDATE_EXPECT=1` rewrites it.

mod common;

use std::path::Path;

use common::Run;

/// Every error must exit 1 and point into the source: `[file:line:col]` and
/// the offending source line shown under it.
fn located(_case: &Path, run: &Run) -> Result<(), String> {
    if run.code != 1 {
        return Err(format!("exit code {} (expected 1)", run.code));
    }
    let blocks: Vec<&str> = run.stderr.split("  × ").skip(1).collect();
    if blocks.is_empty() {
        return Err("no error diagnostic in stderr".to_string());
    }
    let location = regex_like_location;
    for block in blocks {
        let summary = block.lines().next().unwrap_or_default();
        if !block.lines().any(location) {
            return Err(format!(
                "the diagnostic {summary:?} has no file:line:column location"
            ));
        }
        // A source line: "<n> │ <text>" after the location.
        if !block.lines().any(|l| {
            l.trim_start()
                .split_once(" │ ")
                .is_some_and(|(n, _)| n.trim().parse::<u32>().is_ok())
        }) {
            return Err(format!(
                "the diagnostic {summary:?} does not show the source line"
            ));
        }
    }
    if run.stdout.contains("Success!") {
        return Err("stdout claims success".to_string());
    }
    Ok(())
}

/// A line like `   ╭─[main.tf:12:3]`.
fn regex_like_location(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix("╭─[") else {
        return false;
    };
    let Some(inner) = rest.strip_suffix(']') else {
        return false;
    };
    let mut parts = inner.rsplitn(3, ':');
    let (col, row, file) = (parts.next(), parts.next(), parts.next());
    matches!((col, row, file), (Some(c), Some(r), Some(f)) if c.parse::<u32>().is_ok() && r.parse::<u32>().is_ok() && (f.ends_with(".tf") || f.ends_with(".hcl") || f.ends_with(".json")))
}

#[test]
fn diagnostics_match_expected_stderr() {
    let n = common::run_cases("diagnostics", &["validate"], |r| &r.stderr, located);
    assert!(n >= 15, "only {n} diagnostics cases");
}

/// The snapshot alone would accept a regression that is then re-recorded;
/// these pin the facts users rely on most.
#[test]
fn key_diagnostic_facts() {
    // Help text wraps at 100 columns: compare with whitespace collapsed.
    let read = |case: &str| {
        let text = std::fs::read_to_string(
            common::data_dir()
                .join("diagnostics")
                .join(case)
                .join("expected.txt"),
        )
        .unwrap();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    assert!(read("unsupported_argument_did_you_mean").contains("Did you mean `input`?"));
    let cycle = read("cycle");
    for member in ["terraform_data.a", "terraform_data.b", "terraform_data.c"] {
        assert!(
            cycle.contains(member),
            "cycle message misses {member}:\n{cycle}"
        );
    }
    for loc in ["main.tf:1:1", "main.tf:5:1", "main.tf:9:1"] {
        let line = loc.split(':').nth(1).unwrap();
        assert!(
            cycle.contains(loc) || cycle.contains(&format!("{line} │ resource")),
            "cycle message misses location {loc}:\n{cycle}"
        );
    }
    assert!(read("validation_failed").contains("The env must be \"dev\" or \"prod\"."));
    assert!(read("for_each_unknown").contains("random_id.suffix.hex"));
    assert!(read("for_each_list").contains("toset"));
    assert!(read("variable_type_mismatch").contains("\"abc\""));
}

/// `stack validate` reports every mistake of a file in one run.
#[test]
fn validate_reports_all_errors_in_one_run() {
    let stack = common::Stack::new();
    common::copy_case(
        &common::data_dir().join("diagnostics/many_errors"),
        stack.path(),
    );
    let run = stack.fail(&["validate"]);
    for summary in [
        "Unsupported argument",
        "Missing required argument",
        "Reference to undeclared input variable",
        "Reference to undeclared local value",
        "Reference to undeclared resource",
    ] {
        assert!(
            run.stderr.contains(&format!("× {summary}")),
            "validate did not report {summary:?}:\n{}",
            run.stderr
        );
    }
    for loc in [
        "main.tf:6:3",
        "main.tf:9:1",
        "main.tf:15:12",
        "main.tf:20:10",
        "main.tf:24:11",
    ] {
        assert!(
            run.stderr.contains(loc),
            "validate did not point at {loc}:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("5 error(s) found."), "{}", run.stderr);
    // The JSON form reports the same errors.
    let json = stack.fail(&["validate", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 5, "{}", json.stdout);
}

/// A resource that refers to itself.
// FIXME: this should be "Self-referential block: Configuration for
// terraform_data.c may not refer to itself" (as Terraform says). Today
// graph::build drops self-edges of resource bodies, so evaluation later
// reports the resource as undeclared, which is misleading; and `stack graph`
// accepts the stack (exit 0). The test pins today's behaviour: an error
// with the right location, exit 1 from validate and plan.
#[test]
fn self_reference_is_an_error() {
    let s = common::Stack::with_main(
        "resource \"terraform_data\" \"c\" {\n  input = terraform_data.c.output\n}\n",
    );
    for cmd in ["validate", "plan"] {
        let r = s.fail(&[cmd]);
        assert!(r.stderr.contains("main.tf:2:11"), "{}", r.stderr);
        assert!(
            r.stderr.contains("× Self-referential block"),
            "a self-reference is named as such:\n{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("terraform_data.c may not refer to itself"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(s.run(&["graph"]).code, 1, "graph refuses a self-reference");
}
