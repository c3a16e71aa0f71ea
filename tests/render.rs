//! Plan rendering end to end, through the `stack` binary: the text layout
//! against Terraform 1.15.5's own output for the same steps, `--format`
//! on plan, show, apply and destroy, the markdown comment checked as
//! CommonMark, and the JSON plan validated against its published schema.

mod common;

use std::path::Path;

use common::{Run, Stack};

/// Ids differ between runs and tools; they are compared as placeholders.
fn normalise_ids(text: &str) -> String {
    let uuid = regex_lite(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    let number_id = regex_lite(r#""[0-9]{12,}""#);
    let text = uuid.replace_all(text, "<id>");
    number_id.replace_all(&text, "\"<id>\"").into_owned()
}

fn regex_lite(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("a valid pattern")
}

/// The part of a plan both tools print alike: from the actions (or the
/// outputs) to the summary, without the `# (why)` notes under a header,
/// which each tool words its own way.
fn comparable(text: &str, tool: &str) -> String {
    let text = text.replace(&format!("{tool} will perform"), "<tool> will perform");
    let start = text
        .find("<tool> will perform")
        .or_else(|| text.find("Changes to Outputs"))
        .unwrap_or(0);
    normalise_ids(&text[start..])
        .lines()
        .filter(|l| !(l.starts_with("  # (") && l.ends_with(')')))
        .take_while(|l| !l.starts_with("Saved the plan"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// Applies `v1.tf` of a case, then writes `v2.tf` in its place.
fn stack_at_v2(case: &Path) -> Stack {
    let stack = Stack::new();
    let read = |name: &str| std::fs::read_to_string(case.join(name)).expect("case file");
    stack.write("main.tf", &read("v1.tf"));
    stack.apply(&[]);
    stack.write("main.tf", &read("v2.tf"));
    stack
}

/// Each case of `tests/data/render/` is planned as Terraform planned it
/// (`record.sh` recorded Terraform's text); stack's plan must read the same.
#[test]
fn plans_read_as_terraform_prints_them() {
    let cases = common::cases("render");
    assert!(cases.len() >= 5, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let stack = stack_at_v2(&case);
        let run = stack.expect(0, &["plan"]);
        let terraform = std::fs::read_to_string(case.join("terraform.txt")).expect("terraform.txt");
        let (ours, theirs) = (
            comparable(&run.stdout, "stack"),
            comparable(&terraform, "Terraform"),
        );
        if ours != theirs {
            failures.push(format!(
                "[{}]\n--- Terraform\n{theirs}\n--- stack\n{ours}\n",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn nested_values_case() -> Stack {
    stack_at_v2(&common::data_dir().join("render").join("nested_values"))
}

#[test]
fn json_is_shorthand_for_format_json_and_show_prints_the_saved_plan_alike() {
    let stack = nested_values_case();
    let json = stack.ok(&["plan", "--json"]);
    let format = stack.ok(&["plan", "--format", "json"]);
    assert_eq!(strip_lineage(&json.stdout), strip_lineage(&format.stdout));
    stack.ok(&["plan", "--out", "plan.bin"]);
    for format in ["text", "json", "markdown"] {
        let planned = stack.ok(&["plan", "--format", format]);
        let shown = stack.ok(&["show", "--format", format, "plan.bin"]);
        let strip = |r: &Run| strip_lineage(&r.stdout).replace('\r', "");
        // A plan of an existing state has the same lineage each time; the text
        // plan's last line says where it was saved.
        let planned_text = strip(&planned);
        assert!(
            planned_text.starts_with(strip(&shown).trim_end()),
            "{format}: show differs from plan\n--- plan\n{planned_text}\n--- show\n{}",
            strip(&shown)
        );
    }
    let both = stack.run(&["plan", "--json", "--format", "text"]);
    assert_ne!(both.code, 0, "--json and --format together must be refused");
}

/// Two plans of the same stack differ only in these lines: the lineage,
/// the templates' digest (paths), and the time of planning, which crosses a
/// second boundary between two runs now and then.
fn strip_lineage(text: &str) -> String {
    text.lines()
        .filter(|l| {
            !l.contains("\"lineage\"")
                && !l.contains("\"templates_digest\"")
                && !l.trim_start().starts_with("\"timestamp\"")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn markdown_comment_parses_and_shows_the_structural_diff() {
    let stack = nested_values_case();
    let run = stack.ok(&["plan", "--format", "markdown"]);
    let markdown = &run.stdout;
    assert!(
        markdown.starts_with("### stack plan: Plan: 0 to add, 1 to change, 0 to destroy.\n"),
        "{markdown}"
    );
    assert_eq!(markdown_blocks(markdown), (1, 1, 1), "{markdown}");
    // The script's changed line, as a line diff, with its marker in the gutter.
    assert!(
        markdown.contains("\n-                echo two 1\n+                echo two 2\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("!            policy = jsonencode("),
        "{markdown}"
    );
    assert!(!markdown.contains('\u{1b}'), "escape codes in markdown");
}

/// (tables, `<details>`, fenced `diff` blocks) as a CommonMark parser with
/// GitHub's tables reads them.
fn markdown_blocks(markdown: &str) -> (usize, usize, usize) {
    use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};
    let (mut tables, mut details, mut diffs) = (0, 0, 0);
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Html(html) => details += html.matches("<details>").count(),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) if &*lang == "diff" => {
                diffs += 1
            }
            _ => {}
        }
    }
    (tables, details, diffs)
}

#[test]
fn apply_and_destroy_show_the_plan_in_the_format_asked_for() {
    let stack = Stack::with_main(
        "resource \"terraform_data\" \"app\" {\n  input = { name = \"web\", ports = [80] }\n}\n",
    );
    let apply = stack.ok(&["apply", "--auto-approve", "--format", "markdown"]);
    assert!(
        apply
            .stdout
            .starts_with("### stack plan: Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        apply.both()
    );
    assert!(
        apply.stdout.contains("Apply complete! Resources: 1 added"),
        "{}",
        apply.both()
    );
    // A saved plan is shown again only when a format is asked for.
    stack.write(
        "main.tf",
        "resource \"terraform_data\" \"app\" {\n  input = { name = \"api\", ports = [80] }\n}\n",
    );
    stack.ok(&["plan", "--out", "plan.bin"]);
    let saved = stack.ok(&["apply", "--format", "markdown", "plan.bin"]);
    assert!(
        saved
            .stdout
            .starts_with("### stack plan: Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        saved.both()
    );
    assert!(
        saved
            .stdout
            .contains("!            name  = \"web\" -> \"api\""),
        "{}",
        saved.both()
    );
    // With --format json, the plan is the first of the JSON lines
    // (docs/apply-json.md) and the result the last.
    let destroy = stack.ok(&["destroy", "--auto-approve", "--format", "json"]);
    let lines: Vec<serde_json::Value> = destroy
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let plan = &lines[0]["plan"];
    assert_eq!(plan["destroy"], true);
    assert_eq!(plan["resource_changes"][0]["action"], "delete");
    let result = lines.last().unwrap();
    assert_eq!(result["result"], "applied");
    assert_eq!(result["planned"]["destroy"], 1);
}

/// `docs/plan-schema.json` describes what `--format json` prints: real
/// plans of every plan case (and a saved plan, and a replacement) validate.
#[test]
fn json_plans_validate_against_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-schema.json"),
        )
        .expect("docs/plan-schema.json"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut checked = 0;
    let mut check = |what: &str, text: &str| {
        let plan: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{what}:\n{}\n{text}", errors.join("\n"));
        checked += 1;
    };
    for case in common::cases("plans") {
        let stack = Stack::new();
        common::copy_case(&case, stack.path());
        let mut args: Vec<String> = common::case_args(&case, &["plan"]);
        args.push("--format".into());
        args.push("json".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&case.display().to_string(), &stack.ok(&args).stdout);
    }
    let stack = stack_at_v2(
        &common::data_dir()
            .join("render")
            .join("map_forces_replacement"),
    );
    stack.ok(&["plan", "--out", "plan.bin", "--replace", "null_resource.n"]);
    check(
        "saved replacement",
        &stack.ok(&["show", "--format", "json", "plan.bin"]).stdout,
    );
    assert!(checked >= 9, "only {checked} plans checked");
}

/// The schema is strict enough to catch a wrong plan.
#[test]
fn the_plan_schema_rejects_what_the_plan_never_holds() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan-schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let stack = Stack::with_main("resource \"terraform_data\" \"a\" {}\n");
    let mut plan: serde_json::Value =
        serde_json::from_str(&stack.ok(&["plan", "--json"]).stdout).unwrap();
    assert!(validator.is_valid(&plan));
    plan["resource_changes"][0]["action"] = serde_json::json!("explode");
    assert!(!validator.is_valid(&plan));
}

/// `stack show --format terraform-json` of each case's plan equals
/// Terraform's `terraform show -json` of the same plan (recorded), in every
/// part the two share: resource changes with their masks, planned values,
/// the prior state's resources, and the non-sensitive output changes.
/// (Terraform writes sensitive output values in clear and adds output
/// types; stack writes null and no types.)
#[test]
fn terraform_json_plan_equals_terraforms_own() {
    let mut failures = Vec::new();
    for case in common::cases("render") {
        let stack = stack_at_v2(&case);
        stack.ok(&["plan", "--out", "plan.bin"]);
        let ours = json_without_ids(
            &stack
                .ok(&["show", "--format", "terraform-json", "plan.bin"])
                .stdout,
        );
        let theirs =
            json_without_ids(&std::fs::read_to_string(case.join("terraform.json")).unwrap());
        let parts = [
            "/format_version",
            "/resource_changes",
            "/planned_values/root_module",
            "/prior_state/values/root_module",
        ];
        for part in parts {
            if ours.pointer(part) != theirs.pointer(part) {
                failures.push(format!(
                    "[{}] {part}\n--- Terraform\n{:#}\n--- stack\n{:#}",
                    case.display(),
                    theirs.pointer(part).unwrap_or(&serde_json::Value::Null),
                    ours.pointer(part).unwrap_or(&serde_json::Value::Null)
                ));
            }
        }
        let outputs = |plan: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
            plan["output_changes"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(_, c)| c["before_sensitive"] != true)
                        .map(|(k, c)| (k.clone(), c.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        if outputs(&ours) != outputs(&theirs) {
            failures.push(format!(
                "[{}] output_changes differ:\n{:#?}\n{:#?}",
                case.display(),
                outputs(&theirs),
                outputs(&ours)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn json_without_ids(text: &str) -> serde_json::Value {
    serde_json::from_str(&normalise_ids(text)).expect("JSON")
}
