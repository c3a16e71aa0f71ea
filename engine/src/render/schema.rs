//! `stack schema TYPE` as text: the type's description, each argument and
//! attribute with its type, whether the user or the provider sets it, and
//! what else matters (forces replacement, sensitive, default), then each
//! nested block with its own arguments indented beneath it, at any depth.

use std::fmt::Write as _;

use crate::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, Presence, Schema};
use crate::value::Value;

/// The whole text for a type offered by `provider`; `inline` renders a
/// default value as the user would write it.
pub fn schema_text(
    type_name: &str,
    provider: &str,
    schema: &Schema,
    inline: impl Fn(&Value) -> String + Copy,
) -> String {
    let mut out = format!(
        "{type_name} (provider {provider})\n  {}\n\n",
        schema.description
    );
    write_body(&mut out, schema, 1, inline);
    out
}

/// The whole text for the arguments of a `provider "NAME" { … }` block,
/// laid out as a resource type's: a header, the description, then each
/// argument and nested block.
pub fn provider_schema_text(
    provider: &str,
    schema: &Schema,
    inline: impl Fn(&Value) -> String + Copy,
) -> String {
    let mut out = format!(
        "provider \"{provider}\" {{ … }}\n  {}\n\n",
        schema.description
    );
    write_body(&mut out, schema, 1, inline);
    out
}

fn write_body(
    out: &mut String,
    schema: &Schema,
    depth: usize,
    inline: impl Fn(&Value) -> String + Copy,
) {
    let indent = "  ".repeat(depth);
    for attribute in &schema.attributes {
        let notes = attribute_notes(attribute, inline).join(", ");
        let _ = writeln!(
            out,
            "{indent}{} ({notes}){}",
            attribute.name,
            described(attribute.description)
        );
    }
    for block in &schema.blocks {
        let notes = block_notes(block).join(", ");
        let _ = writeln!(
            out,
            "{indent}{} {{ … }} ({notes}){}",
            block.name,
            described(block.schema.description)
        );
        write_body(out, &block.schema, depth + 1, inline);
    }
}

fn described(description: &str) -> String {
    if description.is_empty() {
        String::new()
    } else {
        format!(" — {description}")
    }
}

fn attribute_notes(attribute: &AttributeSchema, inline: impl Fn(&Value) -> String) -> Vec<String> {
    let presence = match attribute.presence {
        Presence::Required => "required",
        Presence::Optional => "optional",
        Presence::Computed => "computed",
        Presence::OptionalComputed => "optional, computed",
    };
    let mut notes = vec![type_name(&attribute.ty), presence.to_string()];
    if attribute.force_new {
        notes.push("forces replacement".to_string());
    }
    if attribute.sensitive {
        notes.push("sensitive".to_string());
    }
    if let Some(default) = &attribute.default {
        notes.push(format!("default {}", inline(default)));
    }
    notes
}

fn block_notes(block: &BlockSchema) -> Vec<String> {
    let kind = match block.nesting {
        Nesting::Single => "block",
        Nesting::List => "blocks, in order",
        Nesting::Set => "blocks, any order",
    };
    let mut notes = vec![kind.to_string()];
    match (block.min_items, block.max_items) {
        (1, Some(1)) => notes.push("exactly one".to_string()),
        (0, Some(1)) => notes.push("at most one".to_string()),
        (min, max) => {
            if min > 0 {
                notes.push(format!("at least {min}"));
            }
            if let Some(max) = max {
                notes.push(format!("at most {max}"));
            }
        }
    }
    if block.force_new {
        notes.push("forces replacement".to_string());
    }
    notes
}

/// A type as Terraform's documentation spells it.
pub fn type_name(ty: &AttrType) -> String {
    match ty {
        AttrType::String => "string".to_string(),
        AttrType::Number => "number".to_string(),
        AttrType::Bool => "bool".to_string(),
        AttrType::List(t) => format!("list of {}", type_name(t)),
        AttrType::Set(t) => format!("set of {}", type_name(t)),
        AttrType::Map(t) => format!("map of {}", type_name(t)),
        AttrType::Any => "any".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::AttributeSchema as A;

    #[test]
    fn nested_blocks_list_their_arguments_beneath_them() {
        let inner = Schema::new("Deeper.").attr(A::required("leaf", AttrType::Bool));
        let block = |name, nesting, min_items, max_items, schema| BlockSchema {
            name,
            nesting,
            min_items,
            max_items,
            force_new: false,
            schema,
        };
        let schema = Schema::new("A thing.")
            .attr(
                A::required("name", AttrType::String)
                    .force_new()
                    .describe("Its name."),
            )
            .attr(A::optional("size", AttrType::Number).default(3.0))
            .attr(A::computed("ids", AttrType::list_of(AttrType::String)).describe("What it made."))
            .block(block(
                "rule",
                Nesting::List,
                1,
                None,
                Schema::new("A rule.")
                    .attr(A::optional("port", AttrType::Number))
                    .block(block("inner", Nesting::Single, 0, Some(1), inner)),
            ));
        let text = schema_text("test_thing", "test", &schema, |v| v.to_string());
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_provider_block_is_shown_like_a_type() {
        let schema = Schema::new("The test provider's settings.")
            .attr(A::optional("region", AttrType::String).describe("Where it runs."))
            .attr(A::optional("secret", AttrType::String).sensitive())
            .block(BlockSchema {
                name: "retry",
                nesting: Nesting::Single,
                min_items: 0,
                max_items: Some(1),
                force_new: false,
                schema: Schema::new("")
                    .attr(A::optional("attempts", AttrType::Number).default(3.0)),
            });
        let text = provider_schema_text("test", &schema, |v| v.to_string());
        insta::assert_snapshot!(text);
    }
}
