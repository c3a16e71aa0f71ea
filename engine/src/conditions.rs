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

/// The error message of a failed condition, as the user wrote it.
fn message(condition: &Validation, scope: &Scope<'_>) -> String {
    match scope
        .eval(&condition.error_message.expr)
        .map(|v| v.unmark().0)
    {
        Ok(Value::String(text)) => text,
        _ => "The condition is false (its error_message could not be evaluated).".to_string(),
    }
}
