//! The ready-made CI files (`examples/ci/`) cannot rot: both are parsed as
//! YAML, their shape is checked (plan on pull requests with the comment
//! marker and the plan artifact, apply of that artifact on merge), and every
//! `stack` command they run is parsed by the binary's own options (the
//! command is run with `--help` appended: an unknown subcommand or option
//! fails there).

mod common;

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

const MARKER: &str = "<!-- stack-plan -->";

fn load(name: &str) -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{name} holds one document");
    docs.remove(0)
}

/// Every string in the document (scripts, `run` steps, `with` values).
fn strings(yaml: &Yaml, out: &mut Vec<String>) {
    match yaml {
        Yaml::String(s) => out.push(s.clone()),
        Yaml::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Yaml::Hash(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The `stack …` command lines of the scripts, continuation lines joined.
fn stack_commands(yaml: &Yaml) -> Vec<String> {
    let mut all = Vec::new();
    strings(yaml, &mut all);
    let mut commands = Vec::new();
    for script in all {
        let joined = script.replace("\\\n", " ");
        for line in joined.lines() {
            let line = line.trim();
            if line.starts_with("stack ") {
                commands.push(line.to_string());
            }
        }
    }
    commands
}

/// A command line's words as the shell passes them: quotes removed,
/// `$STACK_DIR` expanded, up to the first redirection or separator.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.replace("$STACK_DIR", "infra").chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
        .into_iter()
        .take_while(|w| !matches!(w.as_str(), ">" | "|" | "&&" | ";" | "2>" | ">>"))
        .collect()
}

/// Runs `stack ARGS --help`: clap parses every option before it shows the
/// help, so an option or subcommand stack does not have fails.
fn parses(words: &[String]) -> Result<(), String> {
    let out = std::process::Command::new(common::bin())
        .args(&words[1..])
        .arg("--help")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && stdout.contains("Usage: stack") {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid stack command:\n{}",
            words.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn check_commands(name: &str, yaml: &Yaml) -> Vec<Vec<String>> {
    let commands: Vec<Vec<String>> = stack_commands(yaml).iter().map(|c| words(c)).collect();
    let failures: Vec<String> = commands.iter().filter_map(|w| parses(w).err()).collect();
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
    let has = |needles: &[&str]| {
        commands
            .iter()
            .any(|w| needles.iter().all(|n| w.iter().any(|word| word == n)))
    };
    assert!(
        has(&["plan", "--out", "plan.stack"]),
        "{name}: {commands:?}"
    );
    assert!(
        has(&["show", "plan.stack", "markdown"]),
        "{name}: {commands:?}"
    );
    assert!(has(&["apply", "plan.stack"]), "{name}: {commands:?}");
    commands
}

#[test]
fn the_check_itself_fails_on_an_option_stack_does_not_have() {
    let bad = words("stack -C \"$STACK_DIR\" plan --no-such-option > plan.md");
    assert_eq!(bad, ["stack", "-C", "infra", "plan", "--no-such-option"]);
    assert!(parses(&bad).is_err());
    assert!(parses(&words("stack -C infra apply -auto-approve plan.stack")).is_ok());
}

#[test]
fn github_actions_plans_pull_requests_comments_once_and_applies_the_artifact_on_merge() {
    let workflow = load("github-actions.yml");
    let triggers = &workflow["on"];
    assert!(!triggers["pull_request"].is_badvalue(), "on: pull_request");
    assert!(!triggers["push"].is_badvalue(), "on: push");
    assert_eq!(
        workflow["permissions"]["id-token"].as_str(),
        Some("write"),
        "OIDC"
    );
    let plan_steps = workflow["jobs"]["plan"]["steps"].as_vec().unwrap();
    let uses = |steps: &[Yaml], action: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
            .cloned()
    };
    let upload = uses(plan_steps, "actions/upload-artifact").expect("plan uploaded");
    assert!(upload["with"]["path"]
        .as_str()
        .unwrap()
        .ends_with("plan.stack"));
    let script = uses(plan_steps, "actions/github-script").expect("the comment step");
    let script = script["with"]["script"].as_str().unwrap();
    assert!(script.contains(MARKER) && script.contains("updateComment"));
    let apply_steps = workflow["jobs"]["apply"]["steps"].as_vec().unwrap();
    let mut apply_text = Vec::new();
    strings(&Yaml::Array(apply_steps.clone()), &mut apply_text);
    assert!(apply_text
        .iter()
        .any(|s| s.contains("gh run download") && s.contains("stack-plan")));
    check_commands("github-actions.yml", &workflow);
}

#[test]
fn gitlab_ci_plans_merge_requests_notes_once_and_applies_the_artifact_on_merge() {
    let pipeline = load("gitlab-ci.yml");
    let plan = &pipeline["stack-plan"];
    let paths = plan["artifacts"]["paths"].as_vec().unwrap();
    assert!(paths
        .iter()
        .any(|p| p.as_str().unwrap().ends_with("plan.stack")));
    let mut plan_text = Vec::new();
    strings(plan, &mut plan_text);
    assert!(plan_text
        .iter()
        .any(|s| s.contains(MARKER) && s.contains("--request PUT")));
    assert_eq!(pipeline["stack-apply"]["stage"].as_str(), Some("apply"));
    assert!(!pipeline[".aws"]["id_tokens"].is_badvalue(), "OIDC");
    check_commands("gitlab-ci.yml", &pipeline);
}
