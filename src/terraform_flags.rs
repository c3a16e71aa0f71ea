//! Terraform's single-dash long options (`-auto-approve`, `-var=x=1`,
//! `-out plan`), accepted as aliases of `stack`'s double-dash ones so that
//! CI scripts written for Terraform run unchanged.
//!
//! clap has no notion of single-dash long options, so the command line is
//! rewritten before clap sees it: a word that is `-NAME` or `-NAME=VALUE`
//! for one of Terraform's option names becomes `--NAME…`. Short options
//! (`-C dir`) and values are left alone, and nothing after `--` is touched.

use std::ffi::OsString;

/// Terraform's long options that `stack` has under the same name.
const TERRAFORM_OPTIONS: &[&str] = &[
    "auto-approve",
    "destroy",
    "detailed-exitcode",
    "exclude",
    "input",
    "json",
    "lock-timeout",
    "no-color",
    "out",
    "parallelism",
    "reconfigure",
    "migrate-state",
    "refresh",
    "replace",
    "target",
    "var",
    "var-file",
    "raw",
    "check",
    "diff",
    "recursive",
    "force",
];

/// Rewrites `-NAME[=VALUE]` words into `--NAME[=VALUE]` for Terraform's options.
pub fn normalise(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut rest_is_positional = false;
    for arg in args {
        if rest_is_positional {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            rest_is_positional = true;
            out.push(arg);
            continue;
        }
        out.push(match arg.to_str() {
            Some(text) if is_terraform_option(text) => OsString::from(format!("-{text}")),
            _ => arg,
        });
    }
    out
}

fn is_terraform_option(word: &str) -> bool {
    let Some(option) = word.strip_prefix('-') else {
        return false;
    };
    if option.starts_with('-') {
        return false;
    }
    let name = option.split_once('=').map_or(option, |(name, _)| name);
    TERRAFORM_OPTIONS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(words: &[&str]) -> Vec<String> {
        normalise(words.iter().map(OsString::from))
            .into_iter()
            .map(|w| w.into_string().unwrap())
            .collect()
    }

    #[test]
    fn terraform_single_dash_options_become_double_dash() {
        assert_eq!(
            rewrite(&[
                "stack",
                "apply",
                "-auto-approve",
                "-var=a=1",
                "-var",
                "b=-2",
                "-out",
                "p"
            ]),
            [
                "stack",
                "apply",
                "--auto-approve",
                "--var=a=1",
                "--var",
                "b=-2",
                "--out",
                "p"
            ]
        );
    }

    #[test]
    fn short_options_values_and_what_follows_double_dash_are_left_alone() {
        assert_eq!(
            rewrite(&["stack", "-C", "dir", "plan", "--target", "x", "-unknown", "--", "-var"]),
            ["stack", "-C", "dir", "plan", "--target", "x", "-unknown", "--", "-var"]
        );
    }
}
