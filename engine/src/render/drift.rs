//! Drift reports for people and tools: text (toned lines), stack's JSON
//! drift document (`docs/drift-schema.json`), a markdown comment, the
//! one-line summary a scheduled run prints, and the chat message a
//! notification carries. Sensitive values are never shown: text and
//! markdown say `(sensitive value)`, JSON has null with `"sensitive": true`.

use crate::drift::{AttributeDrift, DriftKind, DriftReport, Outcome, ResourceDrift};
use crate::value::Value;

use super::{Lines, Tone};

/// The version of the JSON drift document; bumped when a field changes
/// meaning or goes away.
pub const DRIFT_FORMAT_VERSION: u32 = 1;

/// Longest value shown in a markdown table cell or a chat message.
const MAX_VALUE_CHARS: usize = 200;

/// One drift check of one stack, as rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<'a> {
    /// The stack's directory, as the user gave it.
    pub stack: &'a str,
    pub workspace: &'a str,
    /// When the check started (RFC 3339, UTC).
    pub checked_at: &'a str,
    pub outcome: &'a Outcome,
}

/// The report for people, in the order `stack plan` shows drift.
pub fn text(document: &Document<'_>) -> Lines {
    let mut out = Lines::default();
    let report = match document.outcome {
        Outcome::Checked(report) => report,
        other => {
            out.text_line(Tone::Strong, summary_line(document.stack, other));
            return out;
        }
    };
    if !report.has_drift() {
        out.text_line(Tone::Strong, "No drift.");
        out.text_line(
            Tone::Plain,
            format!(
                "The {} managed object(s) match what stack applied.",
                report.checked
            ),
        );
        return out;
    }
    if !report.resources.is_empty() {
        out.text_line(Tone::Strong, "Objects have changed outside of stack:");
        out.blank();
        for resource in &report.resources {
            resource_text(&mut out, resource);
            out.blank();
        }
    }
    let unmanaged = report.unmanaged.as_deref().unwrap_or_default();
    if !unmanaged.is_empty() {
        out.text_line(Tone::Strong, "Objects no state of this stack manages:");
        out.blank();
        for object in unmanaged {
            out.line(None);
            out.push(Tone::Create, "  + ");
            out.push(
                Tone::Plain,
                format!("{} {}", object.resource_type, object.id),
            );
        }
        out.blank();
    }
    out.text_line(Tone::Strong, counts_line(report));
    out.text_line(
        Tone::Plain,
        "`stack plan` shows how apply would put them back; `stack apply --refresh-only` accepts the live values into state.",
    );
    out
}

fn resource_text(out: &mut Lines, resource: &ResourceDrift) {
    match &resource.kind {
        DriftKind::Deleted => {
            out.line(None);
            out.push(Tone::Delete, "  - ");
            out.push(
                Tone::Plain,
                format!("{} has been deleted outside of stack", resource.address),
            );
        }
        DriftKind::Changed(attributes) => {
            out.line(None);
            out.push(Tone::Update, "  ~ ");
            out.push(
                Tone::Plain,
                format!("{} has changed outside of stack", resource.address),
            );
            let width = attributes.iter().map(|a| a.name.len()).max().unwrap_or(0);
            for attribute in attributes {
                out.line(None);
                out.push(
                    Tone::Plain,
                    format!("      {:width$} = ", attribute.name, width = width),
                );
                out.push(Tone::Plain, literal(&attribute.expected));
                out.push(Tone::Update, " -> ");
                out.push(Tone::Plain, literal(&attribute.live));
                out.push(Tone::Dim, "  # template -> live");
            }
        }
    }
}

fn counts_line(report: &DriftReport) -> String {
    let (changed, deleted) = report.counts();
    let unmanaged = match &report.unmanaged {
        Some(objects) => format!("; {} unmanaged object(s)", objects.len()),
        None => String::new(),
    };
    format!(
        "Drift: {} of {} object(s) drifted ({changed} changed, {deleted} deleted){unmanaged}.",
        report.resources.len(),
        report.checked
    )
}

/// One line for a scheduled run's log and for `--once` in a CronJob.
pub fn summary_line(stack: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Checked(report) if report.has_drift() => {
            let (changed, deleted) = report.counts();
            let unmanaged = match &report.unmanaged {
                Some(objects) => format!(", {} unmanaged", objects.len()),
                None => String::new(),
            };
            format!(
                "{stack}: drift: {changed} changed, {deleted} deleted{unmanaged} (of {} checked)",
                report.checked
            )
        }
        Outcome::Checked(report) => {
            format!("{stack}: no drift ({} checked)", report.checked)
        }
        Outcome::ApplyInProgress { holder } => {
            format!("{stack}: apply in progress by {holder}; drift not checked")
        }
        Outcome::Failed { error } => format!("{stack}: error: {error}"),
    }
}

/// stack's JSON drift document (`docs/drift-schema.json`).
pub fn json(document: &Document<'_>) -> serde_json::Value {
    let mut json = serde_json::json!({
        "format_version": DRIFT_FORMAT_VERSION,
        "stack": document.stack,
        "workspace": document.workspace,
        "checked_at": document.checked_at,
    });
    let fields = match document.outcome {
        Outcome::Checked(report) => {
            let (changed, deleted) = report.counts();
            let mut fields = serde_json::json!({
                "status": if report.has_drift() { "drift" } else { "no_drift" },
                "checked": report.checked,
                "summary": { "changed": changed, "deleted": deleted },
                "resources": report.resources.iter().map(resource_json).collect::<Vec<_>>(),
                "api_calls": report.api_calls,
            });
            // Present only when --unmanaged looked for them, so that "none"
            // and "not looked for" differ.
            if let Some(objects) = &report.unmanaged {
                fields["summary"]["unmanaged"] = objects.len().into();
                fields["unmanaged"] = objects
                    .iter()
                    .map(|o| serde_json::json!({ "type": o.resource_type, "id": o.id }))
                    .collect::<Vec<_>>()
                    .into();
            }
            fields
        }
        Outcome::ApplyInProgress { holder } => {
            serde_json::json!({ "status": "apply_in_progress", "lock_holder": holder })
        }
        Outcome::Failed { error } => serde_json::json!({ "status": "error", "error": error }),
    };
    if let (Some(map), serde_json::Value::Object(more)) = (json.as_object_mut(), fields) {
        map.extend(more);
    }
    json
}

fn resource_json(resource: &ResourceDrift) -> serde_json::Value {
    let mut json = serde_json::json!({
        "address": resource.address,
        "type": resource.resource_type,
    });
    let (change, attributes) = match &resource.kind {
        DriftKind::Deleted => ("deleted", Vec::new()),
        DriftKind::Changed(attributes) => (
            "changed",
            attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        ),
    };
    json["change"] = change.into();
    json["attributes"] = attributes.into();
    json
}

fn attribute_json(attribute: &AttributeDrift) -> serde_json::Value {
    let sensitive = attribute.expected.contains_sensitive() || attribute.live.contains_sensitive();
    let shown = |v: &Value| {
        if sensitive {
            serde_json::Value::Null
        } else {
            v.to_json()
        }
    };
    serde_json::json!({
        "name": attribute.name,
        "expected": shown(&attribute.expected),
        "live": shown(&attribute.live),
        "sensitive": sensitive,
    })
}

/// The report as a markdown comment (an issue, a pull request, a job summary).
pub fn markdown(document: &Document<'_>) -> String {
    let report = match document.outcome {
        Outcome::Checked(report) => report,
        other => return format!("### stack drift: {}\n", summary_line(document.stack, other)),
    };
    let mut out = format!(
        "### stack drift: `{}` (workspace `{}`)\n\n",
        document.stack, document.workspace
    );
    if !report.has_drift() {
        out.push_str(&format!(
            "No drift: the {} managed object(s) match what stack applied.\n",
            report.checked
        ));
        return out;
    }
    out.push_str(&format!("**{}**\n\n", counts_line(report)));
    out.push_str("| | resource | attribute | template | live |\n|---|---|---|---|---|\n");
    for resource in &report.resources {
        let address = format!("`{}`", resource.address);
        match &resource.kind {
            DriftKind::Deleted => {
                out.push_str(&format!("| 🗑 | {address} | | | deleted outside stack |\n"))
            }
            DriftKind::Changed(attributes) => {
                for attribute in attributes {
                    out.push_str(&format!(
                        "| ~ | {address} | `{}` | {} | {} |\n",
                        attribute.name,
                        cell(&attribute.expected),
                        cell(&attribute.live)
                    ));
                }
            }
        }
    }
    for object in report.unmanaged.iter().flatten() {
        out.push_str(&format!(
            "| + | `{} {}` | | | not managed by stack |\n",
            object.resource_type, object.id
        ));
    }
    out.push_str("\n`stack plan` shows how apply would put them back; `stack apply --refresh-only` accepts the live values into state.\n");
    out
}

/// A value in a table cell: code, pipes escaped, long values cut.
fn cell(value: &Value) -> String {
    let text = shortened(&literal(value));
    format!("`{}`", text.replace('|', "\\|").replace('`', "'"))
}

fn shortened(text: &str) -> String {
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    format!("{cut}…")
}

/// The message a chat webhook posts when the drift status changes
/// (Slack's and Mattermost's incoming webhooks read `text`).
pub fn notification(document: &Document<'_>, previous_had_drift: bool) -> serde_json::Value {
    let headline = match document.outcome {
        Outcome::Checked(report) if !report.has_drift() && previous_had_drift => {
            format!(
                "✅ Drift resolved in {} ({})",
                document.stack, document.workspace
            )
        }
        Outcome::Checked(report) if !report.has_drift() => {
            format!("✅ No drift in {} ({})", document.stack, document.workspace)
        }
        Outcome::Checked(_) => format!(
            "⚠️ Drift detected in {} ({})",
            document.stack, document.workspace
        ),
        Outcome::ApplyInProgress { .. } | Outcome::Failed { .. } => format!(
            "❌ Drift check failed for {} ({})",
            document.stack, document.workspace
        ),
    };
    let mut text = format!(
        "{headline}\n{}",
        summary_line(document.stack, document.outcome)
    );
    if let Outcome::Checked(report) = document.outcome {
        for resource in &report.resources {
            text.push('\n');
            text.push_str(&match &resource.kind {
                DriftKind::Deleted => format!("• `{}` deleted", resource.address),
                DriftKind::Changed(attributes) => format!(
                    "• `{}` changed: {}",
                    resource.address,
                    attributes
                        .iter()
                        .map(|a| format!(
                            "{} {} → {}",
                            a.name,
                            shortened(&literal(&a.expected)),
                            shortened(&literal(&a.live))
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        for object in report.unmanaged.iter().flatten() {
            text.push_str(&format!(
                "\n• `{} {}` not managed by stack",
                object.resource_type, object.id
            ));
        }
    }
    serde_json::json!({ "text": text })
}

/// A value as an HCL literal on one line; sensitive parts hidden.
pub fn literal(value: &Value) -> String {
    match value {
        Value::Sensitive(_) => "(sensitive value)".to_string(),
        Value::Unknown => "(known after apply)".to_string(),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::Value::String(s.clone()).to_string(),
        Value::List(items) | Value::Set(items) => format!(
            "[{}]",
            items.iter().map(literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(map) if map.is_empty() => "{}".to_string(),
        Value::Map(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{} = {}", key_literal(k), literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn key_literal(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if bare {
        key.to_string()
    } else {
        serde_json::Value::String(key.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests;
