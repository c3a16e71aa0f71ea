//! Validation parity with Terraform (issue 15): every case in
//! `tests/data/parity/<case>/` is a small configuration that Terraform
//! 1.15.5 either accepts or rejects. `record.sh` ran the real Terraform on
//! it and wrote `expected.txt` (the command, the verdict and the summary of
//! every error); this test runs `stack` on the same files and checks the
//! same verdict and, for a rejection, that each of Terraform's summaries is
//! among `stack`'s. Terraform is never needed to run this test.

mod common;

use std::path::Path;

use common::{Run, Stack};

/// Where `stack` words a problem differently from Terraform on purpose, as
/// (Terraform's summary, `stack`'s summary). A `*` in Terraform's summary
/// stands for any text: Terraform puts the objects' names in some summaries,
/// which `stack`'s style keeps for the detail.
const ALIASES: &[(&str, &str)] = &[
    // Terraform names the members of a cycle in the summary.
    ("Cycle: *", "Cycle in dependencies"),
    // Terraform names the attribute in the summary.
    (
        "\"* attribute is read-only",
        "Value for unconfigurable attribute",
    ),
    // Terraform reports a providers map naming a missing configuration with
    // an internal error message; stack uses its usual summary for it.
    ("missing provider *", "Provider configuration not present"),
    // stack's parser (hcl-edit) gives every syntax error one summary.
    ("Invalid argument name", "Invalid syntax"),
    ("Attribute redefined", "Invalid syntax"),
    // JSON files: stack's JSON parser, and a string that must be a
    // reference but does not parse as one, give the same summary.
    ("Trailing comma in object", "Invalid syntax"),
    ("Invalid expression", "Invalid syntax"),
    // Terraform's JSON decoder reports an argument the schema lacks as an
    // extraneous property; stack checks the body as for a native file.
    ("Extraneous JSON object property", "Unsupported argument"),
];

/// Errors Terraform reports only as a consequence of another one it also
/// reports, as (follow-on, cause): `stack` reports the cause once, so the
/// follow-on is not required when the cause is among `stack`'s summaries.
const FOLLOW_ON: &[(&str, &str)] = &[
    // `self` in a precondition: Terraform then also fails to evaluate `self`.
    ("Unknown variable", "Invalid \"self\" reference"),
    // A reference or call where a constant is expected: Terraform then also
    // fails to convert the value it could not compute.
    ("Unsuitable value type", "Variables not allowed"),
    ("Unsuitable value type", "Function calls not allowed"),
    // A JSON syntax error: Terraform then also finds no object in the file.
    ("Incorrect JSON value type", "Invalid syntax"),
];

/// Where `stack` accepts more than Terraform on purpose, as documented in
/// the README. The test asserts that `stack` accepts these cases.
const EXTENSIONS: &[(&str, &str)] = &[(
    "lifecycle_prevent_destroy_variable",
    "prevent_destroy may use variables and locals (README, Templates)",
)];

/// Cases where `stack` knowingly disagrees with Terraform today. The test
/// asserts the wrong verdict, so that fixing one makes the test fail until
/// the entry is removed. Each entry says why it is still open.
const FIXME: &[(&str, &str)] = &[
    // FIXME: hcl-edit's parser refuses an object constructor with a key written twice,
    // which HCL accepts (the last value wins).
    (
        "expression_object_duplicate_key",
        "duplicate object keys are a syntax error",
    ),
];

/// What Terraform did with a case, read from its `expected.txt`.
#[derive(Debug, Default)]
struct Expected {
    command: String,
    accept: bool,
    errors: Vec<String>,
    /// Terraform crashed instead of reporting: only the verdict is compared.
    crashed: bool,
}

fn read_expected(case: &Path) -> Expected {
    let path = case.join("expected.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run record.sh)", path.display()));
    let mut expected = Expected::default();
    for line in text.lines() {
        if let Some(command) = line.strip_prefix("command: ") {
            expected.command = command.to_string();
        } else if let Some(verdict) = line.strip_prefix("verdict: ") {
            expected.accept = verdict == "accept";
        } else if let Some(error) = line.strip_prefix("error: ") {
            expected.errors.push(error.to_string());
        } else if line.starts_with("crashed:") {
            expected.crashed = true;
        }
    }
    assert!(
        matches!(expected.command.as_str(), "validate" | "plan"),
        "{}: no command line",
        path.display()
    );
    expected
}

/// The summaries of the errors `stack` printed (`  × Summary` lines).
fn error_summaries(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  × "))
        .map(|s| s.trim().to_string())
        .collect()
}

/// The summary of the first error printed without a `╭─[file:line:column]`
/// location: every error in a configuration must point at its source.
fn unlocated_error(run: &Run) -> Option<String> {
    run.stderr.split("  × ").skip(1).find_map(|block| {
        let located = block.lines().any(|l| l.trim_start().starts_with("╭─["));
        (!located).then(|| block.lines().next().unwrap_or_default().to_string())
    })
}

/// Whether `stack`'s summaries hold Terraform's, directly, through an alias,
/// or because it is a follow-on of a cause `stack` reported.
fn has_summary(stack: &[String], terraform: &str) -> bool {
    let excused = FOLLOW_ON
        .iter()
        .any(|(follow_on, cause)| *follow_on == terraform && stack.iter().any(|s| s == cause));
    excused || has_own_summary(stack, terraform)
}

fn has_own_summary(stack: &[String], terraform: &str) -> bool {
    let aliased = ALIASES.iter().filter_map(|(tf, ours)| {
        let matches = match tf.split_once('*') {
            Some((head, tail)) => terraform.starts_with(head) && terraform.ends_with(tail),
            None => *tf == terraform,
        };
        matches.then_some(*ours)
    });
    std::iter::once(terraform)
        .chain(aliased)
        .any(|want| stack.iter().any(|s| s == want))
}

/// Runs `stack` as Terraform ran: `validate`, then `plan` for plan cases.
fn run_stack(case: &Path, command: &str) -> Vec<Run> {
    let stack = Stack::new();
    common::copy_case(case, stack.path());
    let first = stack.run(&["validate"]);
    if command == "plan" && first.code == 0 {
        vec![first, stack.run(&["plan", "--refresh=false"])]
    } else {
        vec![first]
    }
}

/// Compares one case; `Err` describes the disagreement.
fn check_case(case: &Path, expected: &Expected) -> Result<(), String> {
    let runs = run_stack(case, &expected.command);
    let last = runs.last().expect("at least one run");
    let name = case.file_name().unwrap_or_default().to_string_lossy();
    if let Some((_, why)) = EXTENSIONS.iter().find(|(n, _)| *n == name) {
        return match last.code {
            0 => Ok(()),
            code => Err(format!(
                "stack exited {code}, but accepts this on purpose: {why}"
            )),
        };
    }
    let output = || runs.iter().map(Run::both).collect::<Vec<_>>().join("\n");
    if last.code != 0 && last.code != 1 {
        return Err(format!("stack exited {}\n{}", last.code, output()));
    }
    let accepted = last.code == 0;
    if accepted != expected.accept {
        let verdict = |a: bool| if a { "accepts" } else { "rejects" };
        return Err(format!(
            "Terraform {} it ({:?}) but stack {}\n{}",
            verdict(expected.accept),
            expected.errors,
            verdict(accepted),
            output()
        ));
    }
    let summaries: Vec<String> = runs.iter().flat_map(error_summaries).collect();
    if !expected.accept && summaries.is_empty() {
        return Err(format!("stack printed no error summary\n{}", output()));
    }
    if let Some(summary) = runs.iter().find_map(unlocated_error) {
        return Err(format!(
            "the error {summary:?} does not say where (file:line:column)\n{}",
            output()
        ));
    }
    let missing: Vec<&String> = (expected.errors.iter())
        .filter(|e| !expected.crashed && !has_summary(&summaries, e))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "Terraform's summaries {missing:?} are not among stack's {summaries:?}"
        ));
    }
    Ok(())
}

#[test]
fn stack_agrees_with_terraform() {
    let cases = common::cases("parity");
    assert!(cases.len() >= 60, "only {} parity cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let expected = read_expected(case);
        let result = check_case(case, &expected);
        let known = FIXME.iter().find(|(n, _)| *n == name);
        match (result, known) {
            (Err(e), None) => failures.push(format!("[{name}] {e}")),
            (Ok(()), Some((_, why))) => failures.push(format!(
                "[{name}] now agrees with Terraform ({why} was a FIXME): remove it from FIXME"
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} parity cases disagree with Terraform:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The known disagreements must name real cases, or the list rots.
#[test]
fn fixme_cases_exist() {
    for (name, _) in FIXME.iter().chain(EXTENSIONS) {
        let dir = common::data_dir().join("parity").join(name);
        assert!(dir.join("main.tf").is_file(), "FIXME names no case {name}");
    }
}

#[test]
fn summaries_match_through_aliases() {
    let ours = vec!["Cycle in dependencies".to_string()];
    assert!(has_summary(&ours, "Cycle: local.a, local.b"));
    assert!(!has_summary(&ours, "Cyclic thing"));
    let ours = vec!["Value for unconfigurable attribute".to_string()];
    assert!(has_summary(&ours, "\"output\" attribute is read-only"));
    assert!(!has_summary(&ours, "Unsupported attribute"));
    let ours = vec!["Invalid \"self\" reference".to_string()];
    assert!(has_summary(&ours, "Unknown variable"));
    assert!(!has_summary(&[], "Unknown variable"));
}
