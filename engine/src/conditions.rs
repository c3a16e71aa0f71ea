//! Custom conditions: `precondition` and `postcondition` blocks of
//! resources and `precondition` blocks of outputs, checked when Terraform
//! checks them. A condition that is not known yet is checked later (a
//! postcondition after apply); one that is false stops the run with its
//! `error_message`.

use crate::config::Validation;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::eval::Scope;
use crate::value::Value;

pub const RESOURCE_PRECONDITION: &str = "Resource precondition failed";
pub const RESOURCE_POSTCONDITION: &str = "Resource postcondition failed";
pub const OUTPUT_PRECONDITION: &str = "Module output value precondition failed";
pub const CHECK_ASSERTION: &str = "Check block assertion failed";

/// Checks every condition that `scope` can decide; returns false when one
/// failed (its diagnostic is in `diags`).
pub fn check(
    conditions: &[Validation],
    scope: &Scope<'_>,
    summary: &str,
    diags: &mut Diagnostics,
) -> bool {
    let mut held = true;
    for condition in conditions {
        match scope.eval(&condition.condition.expr).map(|v| v.unmark().0) {
            Ok(Value::Bool(true)) | Ok(Value::Unknown) => {}
            Ok(Value::Bool(false)) => {
                held = false;
                let message = message(condition, scope);
                diags.push(
                    Diagnostic::error(summary, message).with_span(condition.condition.span.clone()),
                );
            }
            Ok(other) => {
                held = false;
                diags.push(
                    Diagnostic::error(
                        "Invalid condition result",
                        format!("A condition must be a bool, not {}.", other.type_name()),
                    )
                    .with_span(condition.condition.span.clone()),
                );
            }
            Err(d) => {
                held = false;
                diags.push(d);
            }
        }
    }
    held
}

/// The error message of a failed condition, as the user wrote it, unless it
/// holds a sensitive value: then, as Terraform does, it is withheld.
fn message(condition: &Validation, scope: &Scope<'_>) -> String {
    match scope.eval(&condition.error_message.expr) {
        Ok(value) if value.contains_sensitive() => {
            "The error message included a sensitive value, so it will not be displayed.".to_string()
        }
        Ok(Value::String(text)) => text,
        _ => "The condition is false (its error_message could not be evaluated).".to_string(),
    }
}

/// Evaluates every `check` block of the configuration, as Terraform does at
/// the end of a plan and of an apply: a failed assertion is a warning, never
/// an error, and one not known yet is left for the apply.
pub fn check_blocks(walker: &crate::context::Walker<'_>) -> Diagnostics {
    let mut warnings = Diagnostics::new();
    for (path, module) in &walker.ctx.config.modules {
        for block in &module.checks {
            let scope = walker.scope(path, block.file.clone());
            let mut found = Diagnostics::new();
            check(&block.asserts, &scope, CHECK_ASSERTION, &mut found);
            for d in found.iter() {
                let detail = format!("check \"{}\": {}", block.name, d.detail);
                warnings
                    .push(Diagnostic::warning(d.summary.clone(), detail).with_span(d.span.clone()));
            }
        }
    }
    warnings
}
