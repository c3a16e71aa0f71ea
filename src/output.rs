//! Printing plans and the state in the format `--format` asks for: text for
//! people, stack's JSON plan, the pull-request comment, or Terraform's JSON
//! plan representation. The documents themselves are made by
//! `engine::render`; this module picks one and prints it.

use engine::config::Config;
use engine::plan::Plan;
use state::State;

use crate::commands::Session;
use crate::render::{self, Schemas, Style};
use crate::Format;

/// The plan as a document in `format`. `config` (the templates the plan
/// was made from) fills Terraform's `configuration` section.
pub fn plan_document(plan: &Plan, format: Format, config: Option<&Config>, style: Style) -> String {
    let schemas = Schemas::new();
    let lookup = |t: &str, data: bool| schemas.get(t, data);
    match format {
        Format::Text => render::plan(plan, style),
        Format::Json => pretty(&render::plan_json(plan)),
        Format::Markdown => engine::render::markdown::comment(
            plan,
            &lookup,
            engine::render::markdown::MAX_COMMENT_CHARS,
        ),
        Format::TerraformJson => {
            pretty(&engine::render::terraform_json::plan(plan, config, &lookup))
        }
    }
}

fn pretty(json: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(json).unwrap_or_default();
    text.push('\n');
    text
}

/// The templates of the stack directory, when they are the ones `plan` was
/// made from (its digest matches); otherwise the configuration section of
/// Terraform's JSON plan lists only the planned resources.
pub fn plan_config(session: &Session, plan: &Plan) -> Option<Config> {
    let (config, diags) = session.take_config();
    let current = engine::plan::templates_digest(&config);
    (!diags.has_errors() && current == plan.templates_digest).then_some(config)
}

/// `stack show` of the state as a document: Terraform's JSON state
/// representation, or markdown.
pub fn state_document(state: &State, format: Format) -> Option<String> {
    match format {
        Format::TerraformJson => Some(pretty(&engine::render::terraform_json::state(state))),
        Format::Markdown => Some(state_markdown(state)),
        Format::Text | Format::Json => None,
    }
}

/// The state as a markdown table with each resource's attributes folded.
fn state_markdown(state: &State) -> String {
    let mut out = format!(
        "### stack state: {} resources (serial {})\n\n",
        state.resources.len(),
        state.serial
    );
    if state.resources.is_empty() {
        return out;
    }
    out.push_str("| Resource | Type | Status |\n|---|---|---|\n");
    for (address, resource) in &state.resources {
        let status = match resource.status {
            state::Status::Ready => "ready",
            state::Status::Tainted => "tainted",
            state::Status::Pending { .. } => "creation unfinished",
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {status} |\n",
            address.replace('|', "\\|"),
            resource.resource_type
        ));
    }
    out.push('\n');
    for (address, resource) in &state.resources {
        let text = crate::commands::describe_resource(address, resource);
        out.push_str(&format!(
            "<details><summary><code>{}</code></summary>\n\n````hcl\n{}````\n\n</details>\n\n",
            address.replace('&', "&amp;").replace('<', "&lt;"),
            text
        ));
    }
    out
}

/// The plan shown before `stack apply`/`stack destroy` changes anything; in
/// `json` the first line of the JSON event stream (docs/apply-json.md).
pub fn print_plan_before_apply(plan: &Plan, format: Format, config: Option<&Config>, style: Style) {
    if format == Format::Json {
        let line = serde_json::json!({"type": "plan", "plan": render::plan_json(plan)});
        crate::progress::print_json_line(&line);
    } else {
        print!("{}", plan_document(plan, format, config, style));
    }
}

/// The last line of `stack apply --format json` and `stack destroy --format
/// json`: what the plan promised, what was done, and the outputs (sensitive
/// ones `null`). `outcome` is `None` when there was nothing to do.
pub fn print_apply_result(
    plan: &Plan,
    outcome: Option<&engine::apply::ApplyOutcome>,
    interrupted: bool,
    state: &State,
) {
    let summary = plan.summary();
    let result = match outcome {
        None => "no_changes",
        Some(_) if interrupted => "interrupted",
        Some(o) if o.diagnostics.has_errors() => "failed",
        Some(_) => "applied",
    };
    let outputs: serde_json::Map<String, serde_json::Value> = state
        .outputs
        .iter()
        .map(|(name, output)| {
            let value = if output.sensitive {
                serde_json::Value::Null
            } else {
                output.value.clone()
            };
            let entry = serde_json::json!({"sensitive": output.sensitive, "value": value});
            (name.clone(), entry)
        })
        .collect();
    let line = serde_json::json!({
        "type": "result",
        "operation": if plan.destroy { "destroy" } else { "apply" },
        "result": result,
        "planned": {
            "import": summary.import,
            "add": summary.add,
            "change": summary.change,
            "destroy": summary.destroy,
        },
        "operations": {
            "succeeded": outcome.map_or(0, |o| o.succeeded),
            "failed": outcome.map_or(0, |o| o.failed),
            "skipped": outcome.map_or(0, |o| o.skipped),
        },
        "serial": state.serial,
        "outputs": outputs,
    });
    crate::progress::print_json_line(&line);
}
