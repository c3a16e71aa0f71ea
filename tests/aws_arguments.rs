//! `stack schema TYPE` for the AWS types against Terraform's documentation:
//! every argument and attribute the documentation names
//! (`tests/data/aws_arguments/TYPE.txt`, `data.TYPE.txt` for a data source,
//! whose file name is what `stack schema` takes) is listed at its place, nested
//! blocks' arguments beneath their block; and one type's whole schema text
//! as a snapshot. A data source's list is `data.TYPE.txt` and a provider
//! block's `provider.NAME.txt`: the names `stack schema` takes for them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::Stack;

/// The paths `stack schema` lists: `name` at the top, `block.name` for an
/// argument indented beneath a block (two spaces a level).
fn listed_paths(text: &str) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    let mut parents: Vec<String> = Vec::new();
    // The first lines are the header and the description.
    for line in text.lines().skip(3) {
        let depth = (line.len() - line.trim_start().len()) / 2;
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        parents.truncate(depth.saturating_sub(1));
        let path = parents
            .iter()
            .map(String::as_str)
            .chain([name])
            .collect::<Vec<_>>()
            .join(".");
        if line.contains(" { … } (") {
            parents.push(name.to_string());
        }
        paths.insert(path);
    }
    paths
}

/// The documented names of one type, comments and blank lines left out.
fn documented(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_documented_argument_is_in_the_schema() {
    let s = Stack::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/aws_arguments");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no argument lists in {}", dir.display());
    for file in files {
        // `data.aws_region.txt` is `stack schema data.aws_region`,
        // `provider.aws.txt` is `stack schema provider.aws`.
        let type_name = file.file_stem().unwrap().to_string_lossy().to_string();
        let schema = s.ok(&["schema", &type_name]);
        let listed = listed_paths(&schema.stdout);
        let missing: Vec<String> = documented(&file)
            .into_iter()
            .filter(|name| !listed.contains(name))
            .collect();
        assert!(
            missing.is_empty(),
            "stack schema {type_name} does not list {missing:?}:\n{}",
            schema.stdout
        );
    }
}

#[test]
fn nested_blocks_are_shown_with_their_arguments() {
    let s = Stack::new();
    let schema = s.ok(&["schema", "aws_elastic_beanstalk_environment"]);
    insta::assert_snapshot!(schema.stdout);
}

#[test]
fn the_provider_block_is_shown_with_its_nested_blocks() {
    let s = Stack::new();
    let schema = s.ok(&["schema", "provider.aws"]);
    let listed = listed_paths(&schema.stdout);
    for path in [
        "region",
        "assume_role.role_arn",
        "default_tags.tags",
        "endpoints.sts",
    ] {
        assert!(listed.contains(path), "{path} missing:\n{}", schema.stdout);
    }
    assert!(
        schema.stdout.starts_with("provider \"aws\" { … }\n"),
        "{}",
        schema.stdout
    );
    let unknown = s.run(&["schema", "provider.nope"]);
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("No provider is called \"nope\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn the_listing_parser_follows_indentation() {
    let text = "t (provider p)\n  A type.\n\n  a (string, required)\n  b { … } (block)\n    c (bool, optional)\n    d { … } (block)\n      e (number, optional)\n  f (string, computed)\n";
    let paths: Vec<String> = listed_paths(text).into_iter().collect();
    assert_eq!(paths, ["a", "b", "b.c", "b.d", "b.d.e", "f"]);
}
