//! The Terraform language version `stack` implements, and Terraform's
//! version constraint syntax (`terraform { required_version = "…" }`).
//!
//! The syntax is HashiCorp's go-version: comma-separated constraints, each
//! an optional operator (`=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`) and a version
//! of one to three numeric segments. The `semver` crate does not fit: it has
//! no `!=`, its `~` is not `~>`, and go-version's `~>` has its own rule (the
//! segments before the last one written must match, so `~> 1.2` means
//! `>= 1.2, < 2.0` and `~> 1.2.3` means `>= 1.2.3, < 1.3.0`).

use std::cmp::Ordering;
use std::fmt;

/// The Terraform language `stack` implements: Terraform 1.15, checked
/// against release 1.15.5 by the parity corpus (`tests/data/parity`).
/// `required_version` constraints are tested against this version.
pub const TERRAFORM_LANGUAGE_VERSION: &str = "1.15.5";

/// A version: numeric segments (missing ones are zero) and how many were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    segments: [u64; 3],
    written: usize,
}

impl Version {
    /// The version `stack` implements.
    pub fn implemented() -> Version {
        match parse_version(TERRAFORM_LANGUAGE_VERSION) {
            Ok(version) => version,
            // The constant is a plain release number, so this is unreachable;
            // a zero version would only make every `>=` constraint fail loudly.
            Err(_) => Version {
                segments: [0; 3],
                written: 3,
            },
        }
    }

    fn cmp_segments(&self, other: &Version) -> Ordering {
        self.segments.cmp(&other.segments)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [major, minor, patch] = self.segments;
        write!(f, "{major}.{minor}.{patch}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Pessimistic,
}

/// One constraint of a comma-separated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Constraint {
    pub operator: Operator,
    pub version: Version,
}

/// Why a constraint string is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintError {
    /// Not in the constraint syntax at all.
    Malformed(String),
    /// A prerelease (`1.2.0-beta1`), which Terraform does not support in required_version.
    Prerelease(String),
}

impl Constraint {
    pub fn allows(&self, v: &Version) -> bool {
        let ordering = v.cmp_segments(&self.version);
        match self.operator {
            Operator::Equal => ordering == Ordering::Equal,
            Operator::NotEqual => ordering != Ordering::Equal,
            Operator::Greater => ordering == Ordering::Greater,
            Operator::GreaterOrEqual => ordering != Ordering::Less,
            Operator::Less => ordering == Ordering::Less,
            Operator::LessOrEqual => ordering != Ordering::Greater,
            Operator::Pessimistic => self.allows_pessimistic(v, ordering),
        }
    }

    /// `~>`: at least the version, and every segment before the last one
    /// written equal (go-version's rule; `~> 1` therefore means `>= 1`).
    fn allows_pessimistic(&self, v: &Version, ordering: Ordering) -> bool {
        let fixed = self.version.written.saturating_sub(1);
        ordering != Ordering::Less && v.segments[..fixed] == self.version.segments[..fixed]
    }
}

/// Parses a constraint list such as `">= 1.2, < 2.0"`.
pub fn parse_constraints(text: &str) -> Result<Vec<Constraint>, ConstraintError> {
    text.split(',')
        .map(|part| parse_constraint(part.trim()))
        .collect()
}

/// Whether every constraint allows the version.
pub fn allows_all(constraints: &[Constraint], version: &Version) -> bool {
    constraints.iter().all(|c| c.allows(version))
}

fn parse_constraint(text: &str) -> Result<Constraint, ConstraintError> {
    // Two-character operators first, so that `>=` is not read as `>`.
    const OPERATORS: &[(&str, Operator)] = &[
        ("~>", Operator::Pessimistic),
        (">=", Operator::GreaterOrEqual),
        ("<=", Operator::LessOrEqual),
        ("!=", Operator::NotEqual),
        (">", Operator::Greater),
        ("<", Operator::Less),
        ("=", Operator::Equal),
    ];
    let (operator, rest) = OPERATORS
        .iter()
        .find_map(|(symbol, op)| text.strip_prefix(symbol).map(|rest| (*op, rest)))
        .unwrap_or((Operator::Equal, text));
    let version = parse_version(rest.trim_start())?;
    Ok(Constraint { operator, version })
}

/// Parses a version of one to three numeric segments, such as `1.2.0`.
pub fn parse_version(text: &str) -> Result<Version, ConstraintError> {
    let malformed = || ConstraintError::Malformed(text.to_string());
    let plain = text.strip_prefix('v').unwrap_or(text);
    // Build metadata never matters; a prerelease is refused, as Terraform does.
    let plain = plain.split_once('+').map_or(plain, |(core, _)| core);
    if let Some((core, pre)) = plain.split_once('-') {
        if pre.is_empty() || parse_version(core).is_err() {
            return Err(malformed());
        }
        return Err(ConstraintError::Prerelease(text.to_string()));
    }
    let parts: Vec<&str> = plain.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(malformed());
    }
    let mut segments = [0u64; 3];
    for (slot, part) in segments.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        *slot = part.parse().map_err(|_| malformed())?;
    }
    Ok(Version {
        segments,
        written: parts.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        parse_version(text).unwrap()
    }

    fn allows(constraints: &str, version: &str) -> bool {
        allows_all(&parse_constraints(constraints).unwrap(), &v(version))
    }

    #[test]
    fn operators() {
        assert!(allows("1.15.5", "1.15.5"));
        assert!(allows("= 1.15.5", "1.15.5"));
        assert!(!allows("=1.15.0", "1.15.5"));
        assert!(allows("!= 1.15.4", "1.15.5"));
        assert!(!allows("!= 1.15.5", "1.15.5"));
        assert!(allows("> 1.15", "1.15.5"));
        assert!(!allows("> 1.15.5", "1.15.5"));
        assert!(allows(">= 1.15.5", "1.15.5"));
        assert!(allows("< 2", "1.15.5"));
        assert!(!allows("< 1.15.5", "1.15.5"));
        assert!(allows("<= 1.15.5", "1.15.5"));
        assert!(!allows("<=1.10", "1.15.5"));
    }

    #[test]
    fn pessimistic_follows_go_version() {
        assert!(allows("~> 1.15", "1.15.5"));
        assert!(allows("~> 1.2", "1.15.5"));
        assert!(!allows("~> 1.2", "2.0.0"));
        assert!(allows("~> 1.15.0", "1.15.5"));
        assert!(!allows("~> 1.14.0", "1.15.5"));
        assert!(!allows("~> 1.15.6", "1.15.5"));
        // One segment written: nothing is fixed, so it is just a lower bound.
        assert!(allows("~> 1", "2.3.0"));
    }

    #[test]
    fn lists_need_every_constraint() {
        assert!(allows(">= 1.0, < 2.0", "1.15.5"));
        assert!(!allows(">= 1.0, != 1.15.5", "1.15.5"));
        assert!(allows(" >=1.0 ,<2 ", "1.15.5"));
    }

    #[test]
    fn malformed_and_prerelease_constraints_are_errors() {
        let malformed =
            |t: &str| matches!(parse_constraints(t), Err(ConstraintError::Malformed(_)));
        assert!(malformed("newest"));
        assert!(malformed(""));
        assert!(malformed(">= 1.x"));
        assert!(malformed("1.2.3.4"));
        assert!(malformed("=> 1.0"));
        assert!(malformed(">= 1.0,"));
        assert!(matches!(
            parse_constraints(">= 1.15.0-beta1"),
            Err(ConstraintError::Prerelease(_))
        ));
        assert!(allows("v1.15.5+local", "1.15.5"));
    }

    #[test]
    fn implemented_version_is_the_constant() {
        assert_eq!(
            Version::implemented().to_string(),
            TERRAFORM_LANGUAGE_VERSION
        );
    }
}
