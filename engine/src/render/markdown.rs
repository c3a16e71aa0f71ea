//! The plan as a pull-request comment (GitHub and GitLab flavoured
//! CommonMark): the summary line, what a reviewer must not miss (a partial
//! plan, destroyed or replaced stateful resources), a table of the changed
//! resources, and per resource a collapsible `<details>` with its
//! structural diff in a `diff` code block (markers moved to the first
//! column so that the forge colours the lines).
//!
//! A comment never exceeds [`MAX_COMMENT_CHARS`]: when it would, the least
//! important details go first (unchanged and read objects, then creates,
//! updates, deletes, and replacements last), then table rows, and the
//! comment says what was cut and how to see everything.

use state::{AttrPath, Mode, PathStep};

use super::diff::Change;
use super::plan::{action_header, output_changes, replace_paths, resource_change, shown_changes};
use super::{Line, Lines, SchemaLookup};
use crate::plan::{Action, Plan, ResourceChange};
use crate::stateful::is_stateful;

/// GitHub refuses comments over 65,536 characters; this leaves room for a
/// workflow's own header.
pub const MAX_COMMENT_CHARS: usize = 65_000;

/// The comment for `plan`, at most `limit` characters long.
pub fn comment(plan: &Plan, schemas: SchemaLookup<'_>, limit: usize) -> String {
    let changes = shown_changes(plan);
    let rows: Vec<Row> = changes.iter().map(|c| Row::new(c, schemas)).collect();
    let mut head = String::new();
    head.push_str(&format!(
        "### stack plan: {}\n\n",
        super::plan::summary_line(plan)
    ));
    head.push_str(&partial_plan_warning(plan));
    head.push_str(&stateful_warning(&rows));
    let details: Vec<Detail> = rows
        .iter()
        .zip(&changes)
        .map(|(row, change)| Detail::new(row, change, schemas))
        .collect();
    let outputs = outputs_section(plan);
    fit(head, &rows, details, outputs, limit)
}

/// One changed resource: its table row and what the rest needs to know.
struct Row {
    address: String,
    /// Moved from, imported from.
    notes: Vec<String>,
    action: Action,
    label: &'static str,
    forced_by: Vec<String>,
    stateful: bool,
}

impl Row {
    fn new(change: &ResourceChange, schemas: SchemaLookup<'_>) -> Row {
        let forced_by = if change.action == Action::Replace {
            let schema = schemas(&change.resource_type, change.mode == Mode::Data);
            let before = change.before_value();
            let after = change.after_value();
            replace_paths(change, schema.as_ref(), before.as_ref(), after.as_ref())
                .iter()
                .map(path_text)
                .collect()
        } else {
            Vec::new()
        };
        // A deposed object reads as Terraform says it: `x (deposed object ab12)`.
        let address = change
            .address
            .parse::<crate::addrs::ObjectAddr>()
            .map(|a| a.describe())
            .unwrap_or_else(|_| change.address.clone());
        let mut notes = Vec::new();
        if let Some(previous) = &change.previous_address {
            notes.push(format!("moved from {}", code(previous)));
        }
        if let Some(importing) = &change.importing {
            notes.push(format!("imported from id {}", code(&importing.id)));
        }
        Row {
            address,
            notes,
            action: change.action,
            label: label(change),
            forced_by,
            stateful: change.mode == Mode::Managed && is_stateful(&change.resource_type),
        }
    }

    /// Why the object is replaced: the attributes, or the plan's reason.
    fn cause(&self, change_reason: Option<&str>) -> String {
        if !self.forced_by.is_empty() {
            let paths: Vec<String> = self.forced_by.iter().map(|p| code(p)).collect();
            return format!("forced by {}", paths.join(", "));
        }
        change_reason.map(str::to_string).unwrap_or_default()
    }
}

fn label(change: &ResourceChange) -> &'static str {
    match change.action {
        Action::Create if change.importing.is_some() => "import",
        Action::Create => "create",
        Action::Update => "update in-place",
        Action::Replace if change.create_before_destroy => "replace (create first)",
        Action::Replace => "replace",
        Action::Delete => "destroy",
        Action::Read => "read",
        Action::Forget => "forget (not destroyed)",
        Action::NoOp if change.importing.is_some() => "import",
        Action::NoOp => "move",
    }
}

/// An attribute path as a reader writes it: `ingress[0].cidr_blocks`.
pub fn path_text(path: &AttrPath) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k) if crate::addrs::is_identifier(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Key(k) => out.push_str(&format!("[{}]", crate::value::quote_string(k))),
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A partial plan must be impossible to miss: what is outside it is not
/// checked, and `--replace` replaces objects that need no change.
fn partial_plan_warning(plan: &Plan) -> String {
    let mut flags = Vec::new();
    let list = |items: &[String]| items.iter().map(|t| code(t)).collect::<Vec<_>>().join(", ");
    if !plan.targets.is_empty() {
        flags.push(format!("`--target` {}", list(&plan.targets)));
    }
    if !plan.excludes.is_empty() {
        flags.push(format!("`--exclude` {}", list(&plan.excludes)));
    }
    if !plan.replace.is_empty() {
        flags.push(format!("`--replace` {}", list(&plan.replace)));
    }
    if flags.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "> [!WARNING]\n> **This plan was made with resource targeting or forced replacement.** \
         It may not cover everything the templates change, and it replaces objects \
         that need no change.\n>\n",
    );
    for flag in flags {
        out.push_str(&format!("> - {flag}\n"));
    }
    out.push('\n');
    out
}

/// Destroys and replacements of resources that hold data, at the top.
fn stateful_warning(rows: &[Row]) -> String {
    let lost: Vec<&Row> = rows
        .iter()
        .filter(|r| r.stateful && matches!(r.action, Action::Delete | Action::Replace))
        .collect();
    if lost.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "> [!CAUTION]\n> **Resources that hold data will be destroyed or replaced; their data is lost:**\n>\n",
    );
    for row in lost {
        let verb = if row.action == Action::Delete {
            "**destroyed**".to_string()
        } else if row.forced_by.is_empty() {
            "**replaced**".to_string()
        } else {
            format!("**replaced**, {}", row.cause(None))
        };
        out.push_str(&format!("> - {} will be {verb}\n", code(&row.address)));
    }
    out.push('\n');
    out
}

/// The per-resource diff, with the priority it keeps when space is short.
struct Detail {
    text: String,
    /// Higher is kept longer.
    priority: u8,
    action: Action,
}

impl Detail {
    fn new(row: &Row, change: &ResourceChange, schemas: SchemaLookup<'_>) -> Detail {
        let summary = action_header(change);
        let summary = summary.trim_start_matches("# ");
        let mut text = format!("<details><summary>{}</summary>\n\n", html_escape(summary));
        let cause = row.cause(change.action_reason.as_deref());
        if change.action == Action::Replace && !cause.is_empty() {
            text.push_str(&format!("Replaced: {cause}.\n\n"));
        }
        // The summary already says what happens; the block starts at the
        // notes (why, moved from) and the resource itself.
        let mut lines = resource_change(change, schemas);
        lines.0.remove(0);
        text.push_str(&diff_block(&lines));
        text.push_str("\n</details>\n\n");
        let priority = match change.action {
            Action::Replace => 5,
            Action::Delete => 4,
            Action::Update => 3,
            Action::Create => 2,
            Action::Forget => 1,
            Action::NoOp | Action::Read => 0,
        };
        Detail {
            text,
            priority,
            action: change.action,
        }
    }
}

fn outputs_section(plan: &Plan) -> String {
    let lines = output_changes(plan);
    if lines.0.is_empty() {
        return String::new();
    }
    let body = Lines(lines.0.into_iter().skip(1).collect());
    format!(
        "<details><summary>Changes to outputs</summary>\n\n{}\n</details>\n\n",
        diff_block(&body)
    )
}

/// Lines in a fenced `diff` block, each marker moved to the first column.
fn diff_block(lines: &Lines) -> String {
    let body: Vec<String> = lines.0.iter().map(gutter_line).collect();
    let body = body.join("\n");
    let fence = fence_for(&body);
    format!("{fence}diff\n{body}\n{fence}\n")
}

/// `      ~ port = 1 -> 2` becomes `!       port = 1 -> 2`: diff highlighting
/// colours a line by its first character.
fn gutter_line(line: &Line) -> String {
    let text = line.plain().trim_end().to_string();
    let gutter = match line.change {
        Some(Change::Create) => '+',
        Some(Change::Delete) => '-',
        Some(Change::Update) => '!',
        Some(Change::NoOp) | None => ' ',
    };
    let marker_at = text.find(|c: char| c != ' ');
    match marker_at {
        Some(i) if gutter != ' ' && text[i..].starts_with(['+', '-', '~']) => {
            let marker_len = if text[i..].starts_with("-/+") || text[i..].starts_with("+/-") {
                0
            } else {
                1
            };
            let mut moved = text.clone();
            moved.replace_range(i..i + marker_len, &" ".repeat(marker_len));
            format!("{gutter}{moved}")
        }
        _ => format!("{gutter}{text}"),
    }
}

/// A code fence longer than any run of backticks in the text.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

/// Inline code that survives backticks and table pipes in the text.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{}{pad}{ticks}", text.replace('|', "\\|"))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn table(rows: &[Row], shown: usize) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("| Action | Resource | Why |\n|---|---|---|\n");
    for row in rows.iter().take(shown) {
        let why = if row.stateful && matches!(row.action, Action::Delete | Action::Replace) {
            let cause = row.cause(None);
            if cause.is_empty() {
                "**holds data**".to_string()
            } else {
                format!("**holds data**; {cause}")
            }
        } else {
            row.cause(None)
        };
        let why = row
            .notes
            .iter()
            .cloned()
            .chain((!why.is_empty()).then_some(why))
            .collect::<Vec<_>>()
            .join("; ");
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            row.label,
            code(&row.address),
            why
        ));
    }
    if shown < rows.len() {
        out.push_str(&format!(
            "| … | {} more resources, cut to fit | |\n",
            rows.len() - shown
        ));
    }
    out.push('\n');
    out
}

const SEE_ALL: &str =
    "Run `stack show PLANFILE` on the saved plan (or `stack plan`) to see the whole plan.";

/// Assembles the comment, cutting the least important parts until it fits.
fn fit(head: String, rows: &[Row], details: Vec<Detail>, outputs: String, limit: usize) -> String {
    let mut kept: Vec<bool> = vec![true; details.len()];
    let mut outputs_kept = true;
    let mut shown_rows = rows.len();
    // Cut order: lowest priority first; within a priority, the last first.
    let mut order: Vec<usize> = (0..details.len()).collect();
    order.sort_by_key(|&i| (details[i].priority, std::cmp::Reverse(i)));
    let mut order = order.into_iter();
    loop {
        let text = assemble(
            &head,
            rows,
            shown_rows,
            &details,
            &kept,
            &outputs,
            outputs_kept,
        );
        if text.chars().count() <= limit {
            return text;
        }
        if outputs_kept && !outputs.is_empty() {
            outputs_kept = false;
        } else if let Some(i) = order.next() {
            kept[i] = false;
        } else if shown_rows > 0 {
            shown_rows = shown_rows.saturating_sub(shown_rows.div_ceil(4).max(1));
        } else {
            return hard_cut(&text, limit);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    head: &str,
    rows: &[Row],
    shown_rows: usize,
    details: &[Detail],
    kept: &[bool],
    outputs: &str,
    outputs_kept: bool,
) -> String {
    let mut out = head.to_string();
    out.push_str(&table(rows, shown_rows));
    for (detail, keep) in details.iter().zip(kept) {
        if *keep {
            out.push_str(&detail.text);
        }
    }
    if outputs_kept {
        out.push_str(outputs);
    }
    let cut: Vec<&Detail> = details
        .iter()
        .zip(kept)
        .filter(|(_, k)| !**k)
        .map(|(d, _)| d)
        .collect();
    let outputs_cut = !outputs_kept && !outputs.is_empty();
    if !cut.is_empty() || outputs_cut || shown_rows < rows.len() {
        out.push_str(&cut_note(&cut, outputs_cut, rows.len() - shown_rows));
    }
    out
}

/// What was cut and how to see it.
fn cut_note(cut: &[&Detail], outputs_cut: bool, rows_cut: usize) -> String {
    let mut parts = Vec::new();
    if !cut.is_empty() {
        let mut by_action: Vec<(&str, usize)> = Vec::new();
        for detail in cut {
            let name = match detail.action {
                Action::Replace => "replacements",
                Action::Delete => "destroys",
                Action::Update => "updates",
                Action::Create => "creates",
                Action::Forget => "forgets",
                Action::NoOp | Action::Read => "moves, imports and reads",
            };
            match by_action.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => *count += 1,
                None => by_action.push((name, 1)),
            }
        }
        let counts: Vec<String> = by_action.iter().map(|(n, c)| format!("{c} {n}")).collect();
        parts.push(format!(
            "the attribute diffs of {} resources ({})",
            cut.len(),
            counts.join(", ")
        ));
    }
    if outputs_cut {
        parts.push("the changes to outputs".to_string());
    }
    if rows_cut > 0 {
        parts.push(format!("{rows_cut} rows of the table"));
    }
    format!(
        "> [!NOTE]\n> **This comment was shortened to fit the {MAX_COMMENT_CHARS}-character limit of a comment:** {} are not shown. {SEE_ALL}\n",
        parts.join("; ")
    )
}

/// The last resort: the head alone is too long (thousands of stateful
/// resources destroyed). Cut at a line boundary and say so.
fn hard_cut(text: &str, limit: usize) -> String {
    let note = format!("\n\n**This comment was cut to fit the limit of a comment.** {SEE_ALL}\n");
    let budget = limit.saturating_sub(note.chars().count());
    let mut out = String::new();
    for line in text.lines() {
        if out.chars().count() + line.chars().count() + 1 > budget {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&note);
    out
}

#[cfg(test)]
pub(super) mod tests {
    use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

    use super::*;
    use crate::render::tests::plan_of;

    /// The markup parses as CommonMark with GitHub's tables into what the
    /// comment means: a table when there are rows, one `diff` code block
    /// per `<details>`, every `<details>` closed, no diff line outside a
    /// code block.
    pub(in crate::render) fn assert_well_formed(markdown: &str) {
        let mut details = 0;
        let mut closed = 0;
        let mut diff_blocks = 0;
        let mut tables = 0;
        let mut in_code = false;
        for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
            match event {
                Event::Html(html) | Event::InlineHtml(html) => {
                    details += html.matches("<details>").count();
                    closed += html.matches("</details>").count();
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                    assert_eq!(&*lang, "diff", "{markdown}");
                    diff_blocks += 1;
                    in_code = true;
                }
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Start(Tag::Table(_)) => tables += 1,
                Event::Text(text) if !in_code => {
                    assert!(
                        !text.contains("resource \""),
                        "diff text outside a code block: {text}"
                    );
                }
                _ => {}
            }
        }
        assert_eq!(details, closed, "unclosed <details>:\n{markdown}");
        assert_eq!(
            details, diff_blocks,
            "a <details> without its diff:\n{markdown}"
        );
        if markdown.contains("| Action |") {
            assert_eq!(tables, 1, "the table did not parse:\n{markdown}");
        }
        assert!(markdown.chars().count() <= MAX_COMMENT_CHARS);
    }

    fn change(address: &str, resource_type: &str, action: Action) -> ResourceChange {
        let value = serde_json::json!({ "id": "x", "script": "line\n".repeat(40) });
        let (before, after) = match action {
            Action::Create => (None, Some(value)),
            Action::Delete => (Some(value), None),
            _ => {
                let mut after = value.clone();
                after["script"] = serde_json::json!("other\n".repeat(40));
                (Some(value), Some(after))
            }
        };
        ResourceChange {
            address: address.to_string(),
            mode: Mode::Managed,
            resource_type: resource_type.to_string(),
            name: address.rsplit('.').next().unwrap_or_default().to_string(),
            provider: "provider.aws".to_string(),
            action,
            create_before_destroy: false,
            action_reason: None,
            before: before.map(Into::into),
            before_sensitive: Vec::new(),
            after: after.map(Into::into),
            after_unknown: Vec::new(),
            after_sensitive: Vec::new(),
            requires_replace: if action == Action::Replace {
                vec!["engine".to_string()]
            } else {
                Vec::new()
            },
            dependencies: Vec::new(),
            private: None,
            previous_address: None,
            importing: None,
        }
    }

    fn none(_: &str, _: bool) -> Option<crate::provider::Schema> {
        None
    }

    #[test]
    fn destroyed_and_replaced_stateful_resources_come_first_with_their_cause() {
        let plan = plan_of(vec![
            change("aws_db_instance.main", "aws_db_instance", Action::Replace),
            change("aws_s3_bucket.logs", "aws_s3_bucket", Action::Delete),
            change(
                "aws_security_group.web",
                "aws_security_group",
                Action::Delete,
            ),
        ]);
        let markdown = comment(&plan, &none, MAX_COMMENT_CHARS);
        assert_well_formed(&markdown);
        let caution = markdown.find("[!CAUTION]").expect("a caution block");
        assert!(caution < markdown.find("| Action |").unwrap(), "{markdown}");
        assert!(
            markdown
                .contains("> - `aws_db_instance.main` will be **replaced**, forced by `engine`"),
            "{markdown}"
        );
        assert!(
            markdown.contains("> - `aws_s3_bucket.logs` will be **destroyed**"),
            "{markdown}"
        );
        assert!(
            !markdown.contains("> - `aws_security_group.web`"),
            "{markdown}"
        );
        assert!(
            markdown.starts_with("### stack plan: Plan: 1 to add, 0 to change, 3 to destroy.\n")
        );
    }

    #[test]
    fn targets_excludes_and_replacements_are_flagged() {
        let mut plan = plan_of(vec![change(
            "aws_instance.a",
            "aws_instance",
            Action::Replace,
        )]);
        plan.targets = vec!["aws_instance.a".to_string()];
        plan.excludes = vec!["module.db".to_string()];
        plan.replace = vec!["aws_instance.a".to_string()];
        let markdown = comment(&plan, &none, MAX_COMMENT_CHARS);
        assert_well_formed(&markdown);
        let warning = markdown.find("[!WARNING]").expect("a warning");
        assert!(warning < markdown.find("| Action |").unwrap());
        for flag in [
            "`--target` `aws_instance.a`",
            "`--exclude` `module.db`",
            "`--replace` `aws_instance.a`",
        ] {
            assert!(markdown.contains(flag), "{flag} missing:\n{markdown}");
        }
    }

    #[test]
    fn a_huge_plan_is_cut_to_the_limit_least_important_details_first() {
        let mut changes = vec![change(
            "aws_db_instance.main",
            "aws_db_instance",
            Action::Replace,
        )];
        for i in 0..400 {
            changes.push(change(
                &format!("aws_instance.web{i:03}"),
                "aws_instance",
                Action::Create,
            ));
        }
        let plan = plan_of(changes);
        let markdown = comment(&plan, &none, MAX_COMMENT_CHARS);
        assert!(markdown.chars().count() <= MAX_COMMENT_CHARS);
        assert_well_formed(&markdown);
        // The replacement's diff is kept; creates were cut, and the comment says so.
        assert!(markdown.contains("<details><summary>aws_db_instance.main must be replaced"));
        assert!(
            markdown.contains("This comment was shortened"),
            "no cut note"
        );
        assert!(
            markdown.contains("creates)"),
            "the cut note does not say what was cut"
        );
        assert!(markdown.contains("stack show PLANFILE"));
        // Every resource is still in the table.
        assert!(markdown.contains("`aws_instance.web399`"));
    }

    #[test]
    fn a_tiny_limit_cuts_table_rows_and_still_fits() {
        let changes = (0..50)
            .map(|i| {
                change(
                    &format!("aws_instance.web{i:02}"),
                    "aws_instance",
                    Action::Create,
                )
            })
            .collect();
        let markdown = comment(&plan_of(changes), &none, 2_000);
        assert!(
            markdown.chars().count() <= 2_000,
            "{} chars",
            markdown.chars().count()
        );
        assert!(
            markdown.contains("more resources, cut to fit"),
            "{markdown}"
        );
        assert!(markdown.contains("rows of the table"), "{markdown}");
    }

    #[test]
    fn backticks_and_pipes_in_addresses_do_not_break_the_markup() {
        let plan = plan_of(vec![change(
            "aws_instance.web[\"a|`b`\"]",
            "aws_instance",
            Action::Create,
        )]);
        let markdown = comment(&plan, &none, MAX_COMMENT_CHARS);
        assert_well_formed(&markdown);
        assert!(
            markdown.contains("`` aws_instance.web[\"a\\|`b`\"] ``")
                || markdown.contains("``aws_instance.web[\"a\\|`b`\"]``"),
            "{markdown}"
        );
    }
}
