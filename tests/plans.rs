//! Snapshot tests of plan output: every case in `tests/data/plans/<case>/`
//! is a stack planned on an empty state (`stack --no-color plan`, or the
//! case's `args` file). Its stdout must equal `expected.txt`;
//! `UPDATE_EXPECT=1` rewrites it.

mod common;

use std::path::Path;

use common::Run;

fn plan_ok(_case: &Path, run: &Run) -> Result<(), String> {
    if run.code != 0 {
        return Err(format!("exit code {} (expected 0)", run.code));
    }
    if !run.stderr.trim().is_empty() && !run.stderr.contains("Warning") {
        return Err(format!("unexpected stderr: {}", run.stderr));
    }
    if run.stdout.contains('\u{1b}') {
        return Err("escape codes in --no-color output".to_string());
    }
    match run.plan_line() {
        Some(line) if line.starts_with("Plan: ") && line.ends_with(" to destroy.") => Ok(()),
        _ if run.stdout.contains("No changes.") => Ok(()),
        // A plan that only changes outputs says so, as Terraform does, instead of a zero Plan line.
        _ if run
            .stdout
            .contains("You can apply this plan to save these new output values") =>
        {
            Ok(())
        }
        _ => Err("no `Plan: ...` summary line".to_string()),
    }
}

#[test]
fn plans_match_expected_stdout() {
    let n = common::run_cases("plans", &["plan"], |r| &r.stdout, plan_ok);
    assert!(n >= 6, "only {n} plan cases");
}

/// Planning the same stack twice gives byte-identical output.
#[test]
fn plan_output_is_deterministic() {
    for case in ["count_and_for_each", "modules_nested", "builtins"] {
        let stack = common::Stack::new();
        common::copy_case(&common::data_dir().join("plans").join(case), stack.path());
        let a = stack.plan(&[]);
        let b = stack.plan(&[]);
        assert_eq!(a.stdout, b.stdout, "{case}: two plans differ");
        assert!(stack.state_list().is_empty(), "plan wrote state");
    }
}
