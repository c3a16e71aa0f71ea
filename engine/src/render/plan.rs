//! A whole plan as text, in Terraform's layout: what refresh found, one
//! block per resource change with its structural diff, the summary line and
//! the changes to outputs.

use state::{AttrPath, Mode, PathStep};

use super::diff::{self, Change, Diff};
use super::text::Writer;
use super::{Lines, SchemaLookup, Tone};
use crate::plan::{Action, OutputChange, Plan, ResourceChange};
use crate::provider::forced_paths;
use crate::value::{quote_string, Value};

/// The structural diff of one resource change, shaped by its schema.
pub fn resource_diff(change: &ResourceChange, schemas: SchemaLookup<'_>) -> Diff {
    let schema = schemas(&change.resource_type, change.mode == Mode::Data);
    let before = change.before_value();
    // A forgotten object stays as it is: it is shown unchanged.
    let after = match change.action {
        Action::Forget => before.clone(),
        Action::Delete => None,
        _ => change.after_value(),
    };
    let replace = replace_paths(change, schema.as_ref(), before.as_ref(), after.as_ref());
    diff::resource(schema.as_ref(), before.as_ref(), after.as_ref(), &replace)
}

/// The paths whose change forces the replacement, as precisely as the
/// schema can say (a nested attribute rather than its block).
pub fn replace_paths(
    change: &ResourceChange,
    schema: Option<&crate::provider::Schema>,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Vec<AttrPath> {
    match (schema, before, after) {
        (Some(schema), Some(before), Some(after)) => {
            forced_paths(schema, &change.requires_replace, before, after)
        }
        _ => change
            .requires_replace
            .iter()
            .map(|name| vec![PathStep::Key(name.clone())])
            .collect(),
    }
}

/// `# aws_instance.web will be created`, as Terraform words it.
pub fn action_header(change: &ResourceChange) -> String {
    // A deposed object reads as Terraform says it: `x (deposed object ab12)`.
    let addr = change
        .address
        .parse::<crate::addrs::ObjectAddr>()
        .map(|a| a.describe())
        .unwrap_or_else(|_| change.address.clone());
    match (change.action, &change.previous_address, &change.importing) {
        (Action::NoOp, Some(previous), _) => return format!("# {previous} has moved to {addr}"),
        (Action::NoOp, None, Some(_)) => return format!("# {addr} will be imported"),
        _ => {}
    }
    match change.action {
        Action::Create => format!("# {addr} will be created"),
        Action::Update => format!("# {addr} will be updated in-place"),
        Action::Replace => format!("# {addr} must be replaced"),
        Action::Delete => format!("# {addr} will be destroyed"),
        Action::Read => format!("# {addr} will be read during apply"),
        Action::NoOp => format!("# {addr} is unchanged"),
        Action::Forget => {
            format!("# {addr} will no longer be managed by stack; the object is not destroyed")
        }
    }
}

/// The marker before `resource`, three columns wide.
fn marker(w: &mut Writer, action: Action, create_before_destroy: bool) {
    match action {
        Action::Create => w.write(Tone::Create, "  +"),
        Action::Update => w.write(Tone::Update, "  ~"),
        Action::Replace if create_before_destroy => {
            w.write(Tone::Create, "+");
            w.write(Tone::Delete, "/-");
        }
        Action::Replace => {
            w.write(Tone::Delete, "-/");
            w.write(Tone::Create, "+");
        }
        Action::Delete => w.write(Tone::Delete, "  -"),
        Action::Read => w.write(Tone::Plain, " <="),
        Action::NoOp => w.write(Tone::Plain, "   "),
        Action::Forget => w.write(Tone::Plain, "  ."),
    }
}

/// The gutter change of a resource's header line.
fn header_change(action: Action) -> Option<Change> {
    match action {
        Action::Create => Some(Change::Create),
        Action::Delete => Some(Change::Delete),
        Action::Update | Action::Replace => Some(Change::Update),
        _ => Some(Change::NoOp),
    }
}

/// One resource change: the header comments and the `resource` block.
pub fn resource_change(change: &ResourceChange, schemas: SchemaLookup<'_>) -> Lines {
    let mut w = Writer::new("  ");
    w.start_line(None);
    w.write(Tone::Strong, format!("  {}", action_header(change)));
    let mut note = |text: String| {
        w.start_line(None);
        w.write(Tone::Plain, format!("  # ({text})"));
    };
    if change.action != Action::NoOp {
        if let Some(previous) = &change.previous_address {
            note(format!("moved from {previous}"));
        }
        if let Some(importing) = &change.importing {
            note(format!("imported from {}", quote_string(&importing.id)));
        }
    }
    if let Some(reason) = &change.action_reason {
        note(reason.clone());
    }
    w.start_line(header_change(change.action));
    marker(&mut w, change.action, change.create_before_destroy);
    let kind = if change.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    w.write(
        Tone::Plain,
        format!(
            " {kind} {} {} ",
            quote_string(&change.resource_type),
            quote_string(&change.name)
        ),
    );
    w.resource(&resource_diff(change, schemas));
    w.lines
}

/// The structural diff of an output's value.
pub fn output_diff(change: &OutputChange) -> Diff {
    let decode = |json: &Option<serde_json::Value>, unknown: bool| {
        let value = match json {
            _ if unknown => Some(Value::Unknown),
            Some(json) => Some(Value::from_json(json)),
            None => None,
        };
        value.map(|v| v.mark_if(change.sensitive))
    };
    let before = decode(&change.before, false);
    let after = match change.action {
        Action::Delete => None,
        _ => decode(&change.after, change.after_unknown),
    };
    diff::value(before.as_ref(), after.as_ref())
}

/// `Changes to Outputs:` and one line (or block) per changed output.
pub fn output_changes(plan: &Plan) -> Lines {
    let changed: Vec<&OutputChange> = plan
        .output_changes
        .iter()
        .filter(|o| o.action.is_change())
        .collect();
    let mut w = Writer::new("  ");
    if changed.is_empty() {
        return w.lines;
    }
    w.start_line(None);
    w.write(Tone::Plain, "Changes to Outputs:");
    let width = changed.iter().map(|o| o.name.len()).max().unwrap_or(0);
    for output in changed {
        w.output(&output.name, width, &output_diff(output));
    }
    w.lines
}

/// The summary line, exactly as users (and scripts) expect it.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    if !plan.has_changes() {
        return "No changes.".to_string();
    }
    let imports = if s.import > 0 {
        format!("{} to import, ", s.import)
    } else {
        String::new()
    };
    format!(
        "Plan: {imports}{} to add, {} to change, {} to destroy.",
        s.add, s.change, s.destroy
    )
}

/// True when the plan moves, forgets or imports objects: then the
/// summary line is shown even when nothing is added, changed or destroyed.
fn refactors(plan: &Plan) -> bool {
    !plan.moves.is_empty()
        || plan
            .resource_changes
            .iter()
            .any(|c| c.importing.is_some() || c.action == Action::Forget)
}

/// What refresh found: changes made outside stack, and the outcome of
/// creates an earlier apply sent but did not record.
fn drift_section(out: &mut Lines, plan: &Plan) {
    let (unfinished, outside): (Vec<_>, Vec<_>) = plan
        .drift
        .iter()
        .partition(|d| d.change == crate::plan::ADOPTED || d.change == crate::plan::ABANDONED);
    if !outside.is_empty() {
        out.text_line(Tone::Strong, "Objects have changed outside of stack:");
        for drift in outside {
            out.text_line(
                Tone::Plain,
                format!(
                    "  # {} has been {} outside of stack",
                    drift.address, drift.change
                ),
            );
        }
        out.blank();
    }
    if !unfinished.is_empty() {
        out.text_line(
            Tone::Strong,
            "Creates an earlier apply did not finish recording:",
        );
        for drift in unfinished {
            let what = if drift.change == crate::plan::ADOPTED {
                "was found by its operation id and is adopted into state"
            } else {
                "left no object; it is forgotten (or created again, as planned below)"
            };
            out.text_line(Tone::Plain, format!("  # {} {what}", drift.address));
        }
        out.blank();
    }
}

/// The resource changes a plan shows (data sources are not "destroyed").
pub fn shown_changes(plan: &Plan) -> Vec<&ResourceChange> {
    plan.resource_changes
        .iter()
        .filter(|c| c.is_shown() && !(c.mode == Mode::Data && c.action == Action::Delete))
        .collect()
}

/// A whole plan for people.
pub fn plan(plan: &Plan, schemas: SchemaLookup<'_>) -> Lines {
    let mut out = Lines::default();
    drift_section(&mut out, plan);
    let changes = shown_changes(plan);
    if !changes.is_empty() {
        out.text_line(Tone::Plain, "stack will perform the following actions:");
        out.blank();
        for change in changes {
            out.extend(resource_change(change, schemas));
            out.blank();
        }
    }
    let outputs = output_changes(plan);
    let outputs_change = !outputs.0.is_empty();
    let s = plan.summary();
    let counted = s.add + s.change + s.destroy > 0 || refactors(plan);
    if !plan.has_changes() {
        out.text_line(Tone::Strong, "No changes.");
        out.text_line(
            Tone::Plain,
            "Your infrastructure matches the configuration.",
        );
    } else if counted {
        out.text_line(Tone::Strong, summary_line(plan));
    }
    if outputs_change {
        if counted {
            out.blank();
        }
        out.extend(outputs);
    }
    if plan.has_changes() && !counted {
        if outputs_change {
            out.blank();
        }
        let text = if outputs_change {
            // Only outputs change: as Terraform, say so instead of a zero Plan line.
            "You can apply this plan to save these new output values to the state, without changing any real infrastructure."
        } else {
            "You can apply this plan to record in state what refresh found, without changing any real infrastructure."
        };
        out.text_line(Tone::Plain, text);
    }
    out
}

/// The plan in stack's own JSON form (`docs/plan-json.md`): the plan's
/// format with every sensitive value replaced by null (its path stays
/// listed), the summary and whether anything changes.
pub fn json(plan: &Plan) -> serde_json::Value {
    use crate::planfile::replace_path;
    let mut redacted = plan.clone();
    for change in &mut redacted.resource_changes {
        // Each side is made its own (`make_mut`) only when it has a path to
        // hide: a no-op's `before` and `after` may be one shared tree.
        if let Some(before) = change.before.as_mut() {
            for path in &change.before_sensitive {
                replace_path(std::sync::Arc::make_mut(before), path, |_| {
                    serde_json::Value::Null
                });
            }
        }
        if let Some(after) = change.after.as_mut() {
            for path in &change.after_sensitive {
                replace_path(std::sync::Arc::make_mut(after), path, |_| {
                    serde_json::Value::Null
                });
            }
        }
    }
    for variable in redacted.variables.values_mut() {
        if variable.sensitive {
            variable.value = serde_json::Value::Null;
        }
    }
    for output in &mut redacted.output_changes {
        if output.sensitive {
            output.before = output.before.as_ref().map(|_| serde_json::Value::Null);
            output.after = output.after.as_ref().map(|_| serde_json::Value::Null);
        }
    }
    let mut json = serde_json::to_value(&redacted).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut json {
        map.insert(
            "summary".to_string(),
            serde_json::to_value(plan.summary()).unwrap_or_default(),
        );
        map.insert(
            "has_changes".to_string(),
            serde_json::Value::Bool(plan.has_changes()),
        );
    }
    json
}
