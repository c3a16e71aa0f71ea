//! `data "aws_iam_policy_document"`: a policy JSON built from HCL blocks,
//! with no API call. The text is Terraform's to the byte, because configs
//! compare it, hash it and paste it into other resources:
//!
//! - the document's keys in the order Version, Id, Statement, and a
//!   statement's in the order Sid, Effect, Action, NotAction, Resource,
//!   NotResource, Principal, NotPrincipal, Condition; empty ones left out;
//! - a set of one string is that string; of several, a list sorted in
//!   reverse order (the provider sorts and reverses); condition values keep
//!   their order, and one value is a string too;
//! - principals and conditions are objects with sorted keys; a lone
//!   principal of type `*` with identifier `*` is `"*"`;
//! - `&{…}` in resources, principals and condition values becomes `${…}`
//!   (IAM's policy variables, which HCL would interpolate);
//! - `source_policy_documents` are merged first (their Sids must be
//!   unique), then the statements of the block, then
//!   `override_policy_documents`: a statement with the Sid of an earlier
//!   one replaces it in place, others are appended; the newest non-empty
//!   Id and the highest Version win;
//! - `json` is indented by two spaces, `minified_json` has no whitespace,
//!   both with `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c` … (the
//!   Go encoder's HTML-safe escaping); `id` is the CRC-32 of `json`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use engine::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, ProviderError, Schema};
use engine::value::Value;
use serde_json::{Map, Value as Json};

use super::super::values::{blocks_attr, str_attr, string, strings_attr};
use super::super::{AwsDataSource, Clients};

pub struct PolicyDocument;

const DEFAULT_VERSION: &str = "2012-10-17";

fn list_block(name: &'static str, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::List,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema,
    }
}

fn principals_schema(what: &'static str) -> Schema {
    Schema::new(what)
        .attr(
            AttributeSchema::required("type", AttrType::String)
                .describe("AWS, Service, Federated, CanonicalUser or *."),
        )
        .attr(
            AttributeSchema::required("identifiers", AttrType::set_of(AttrType::String))
                .describe("ARNs, account ids, service names, … of the principals."),
        )
}

fn strings(name: &'static str, what: &'static str) -> AttributeSchema {
    AttributeSchema::optional(name, AttrType::set_of(AttrType::String)).describe(what)
}

fn schema() -> Schema {
    let condition = Schema::new("A condition on the statement.")
        .attr(
            AttributeSchema::required("test", AttrType::String)
                .describe("The condition operator, e.g. StringEquals."),
        )
        .attr(
            AttributeSchema::required("variable", AttrType::String)
                .describe("The context key, e.g. aws:SourceArn."),
        )
        .attr(
            AttributeSchema::required("values", AttrType::list_of(AttrType::String))
                .describe("Values to compare with (any may match)."),
        );
    let statement = Schema::new("One statement of the policy.")
        .attr(
            AttributeSchema::optional("sid", AttrType::String)
                .describe("The statement id (letters and digits)."),
        )
        .attr(
            AttributeSchema::optional("effect", AttrType::String)
                .default(Value::string("Allow"))
                .describe("Allow or Deny (default Allow)."),
        )
        .attr(strings("actions", "The actions allowed or denied."))
        .attr(strings(
            "not_actions",
            "The actions the statement does not apply to.",
        ))
        .attr(strings(
            "resources",
            "The resource ARNs the statement applies to.",
        ))
        .attr(strings(
            "not_resources",
            "The resource ARNs the statement does not apply to.",
        ))
        .block(list_block(
            "principals",
            principals_schema("Who the statement applies to."),
        ))
        .block(list_block(
            "not_principals",
            principals_schema("Who the statement does not apply to."),
        ))
        .block(list_block("condition", condition));
    Schema::new("An IAM policy document, rendered as Terraform renders it.")
        .attr(
            AttributeSchema::optional("version", AttrType::String)
                .default(Value::string(DEFAULT_VERSION))
                .describe("2012-10-17 (the default) or 2008-10-17."),
        )
        .attr(
            AttributeSchema::optional("policy_id", AttrType::String).describe("The document's Id."),
        )
        .attr(
            AttributeSchema::optional(
                "source_policy_documents",
                AttrType::list_of(AttrType::String),
            )
            .describe("Documents merged first; their Sids must be unique."),
        )
        .attr(
            AttributeSchema::optional(
                "override_policy_documents",
                AttrType::list_of(AttrType::String),
            )
            .describe("Documents merged last; a statement replaces the one with its Sid."),
        )
        .attr(
            AttributeSchema::optional("source_json", AttrType::String)
                .describe("Deprecated and unused; must be empty."),
        )
        .attr(
            AttributeSchema::optional("override_json", AttrType::String)
                .describe("Deprecated and unused; must be empty."),
        )
        .attr(
            AttributeSchema::computed("json", AttrType::String)
                .describe("The document, indented by two spaces."),
        )
        .attr(
            AttributeSchema::computed("minified_json", AttrType::String)
                .describe("The document without whitespace."),
        )
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The CRC-32 of json."))
        .block(list_block("statement", statement))
}

#[async_trait]
impl AwsDataSource for PolicyDocument {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy_document"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(&self, _clients: &Clients, config: &Value) -> Result<Value, ProviderError> {
        let rendered = render(config)
            .map_err(|e| ProviderError::new(format!("writing IAM Policy Document: {e}")))?;
        let mut out = config.as_map().cloned().unwrap_or_default();
        out.insert(
            "id".into(),
            string(crc32fast::hash(rendered.json.as_bytes()).to_string()),
        );
        out.insert("json".into(), string(rendered.json));
        out.insert("minified_json".into(), string(rendered.minified));
        out.entry("version".into())
            .and_modify(|v| {
                if v.is_null() {
                    *v = Value::string(DEFAULT_VERSION)
                }
            })
            .or_insert(Value::string(DEFAULT_VERSION));
        Ok(Value::Map(out))
    }
}

/// A principal: its type and one identifier or several.
#[derive(Debug, Clone, PartialEq)]
struct Principal {
    kind: String,
    ids: Json,
}

#[derive(Debug, Clone, PartialEq)]
struct Condition {
    test: String,
    variable: String,
    values: Json,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Statement {
    sid: String,
    effect: String,
    action: Option<Json>,
    not_action: Option<Json>,
    resource: Option<Json>,
    not_resource: Option<Json>,
    principal: Vec<Principal>,
    not_principal: Vec<Principal>,
    condition: Vec<Condition>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Document {
    version: String,
    id: String,
    statements: Vec<Statement>,
}

impl Document {
    /// Merges `newer` in: its Id if it has one, its Version if higher, its
    /// statements replacing those with the same Sid, the rest appended.
    fn merge(&mut self, newer: Document) {
        if !newer.id.is_empty() {
            self.id = newer.id;
        }
        if newer.version > self.version {
            self.version = newer.version;
        }
        for statement in newer.statements {
            let same = (!statement.sid.is_empty())
                .then(|| self.statements.iter().position(|s| s.sid == statement.sid))
                .flatten();
            match same {
                Some(i) => self.statements[i] = statement,
                None => self.statements.push(statement),
            }
        }
    }
}

/// The two renderings of one document.
pub struct Rendered {
    pub json: String,
    pub minified: String,
}

/// Builds the document a data block describes.
pub fn render(config: &Value) -> Result<Rendered, String> {
    for deprecated in ["source_json", "override_json"] {
        if str_attr(config, deprecated).is_some_and(|s| !s.is_empty()) {
            return Err(format!(
                "{deprecated} is no longer used; use {}_policy_documents",
                deprecated.trim_end_matches("_json")
            ));
        }
    }
    let mut merged = Document::default();
    let mut source_sids = std::collections::BTreeSet::new();
    for (i, text) in strings_attr(config, "source_policy_documents")
        .iter()
        .enumerate()
    {
        let doc = parse(text).map_err(|e| format!("merging source document {i}: {e}"))?;
        for (j, s) in doc.statements.iter().enumerate() {
            if !s.sid.is_empty() && !source_sids.insert(s.sid.clone()) {
                return Err(format!("merging source document {i}: duplicate Sid ({}) in source_policy_documents (statement {j}). Remove the Sid or ensure Sids are unique.", s.sid));
            }
        }
        merged.merge(doc);
    }
    merged.merge(from_config(config)?);
    for (i, text) in strings_attr(config, "override_policy_documents")
        .iter()
        .enumerate()
    {
        merged.merge(parse(text).map_err(|e| format!("merging override document {i}: {e}"))?);
    }
    let json = to_json(&merged);
    Ok(Rendered {
        json: go_escape(&serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?),
        minified: go_escape(&serde_json::to_string(&json).map_err(|e| e.to_string())?),
    })
}

/// The provider's rule for a set of strings: one is a string, several a
/// list in reverse sorted order.
fn one_or_reversed(mut items: Vec<String>) -> Json {
    if items.len() == 1 {
        return Json::String(items.remove(0));
    }
    items.sort();
    items.reverse();
    Json::Array(items.into_iter().map(Json::String).collect())
}

/// `&{…}` to `${…}`, which version 2008-10-17 does not know.
fn policy_variables(items: Vec<String>, version: &str) -> Result<Vec<String>, String> {
    items
        .into_iter()
        .map(|item| {
            if version == "2008-10-17" && item.contains("&{") {
                Err(format!("found &{{ sequence in ({item}), which is not supported in document version 2008-10-17"))
            } else {
                Ok(item.replace("&{", "${"))
            }
        })
        .collect()
}

fn from_config(config: &Value) -> Result<Document, String> {
    let version = str_attr(config, "version").unwrap_or_else(|| DEFAULT_VERSION.to_string());
    let mut sids = std::collections::BTreeSet::new();
    let mut statements = Vec::new();
    for block in blocks_attr(config, "statement") {
        let sid = str_attr(&block, "sid").unwrap_or_default();
        if !sid.is_empty() && !sids.insert(sid.clone()) {
            return Err(format!(
                "duplicate Sid ({sid}). Remove the Sid or ensure the Sid is unique."
            ));
        }
        let set = |name: &str, vars: bool| -> Result<Option<Json>, String> {
            let items = strings_attr(&block, name);
            if items.is_empty() {
                return Ok(None);
            }
            // The provider sorts before it replaces `&{`, so the order is
            // that of the text as written.
            Ok(Some(match one_or_reversed(items) {
                Json::String(one) if vars => {
                    Json::String(policy_variables(vec![one], &version)?.remove(0))
                }
                Json::Array(many) if vars => {
                    let texts = many
                        .into_iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect();
                    Json::Array(
                        policy_variables(texts, &version)?
                            .into_iter()
                            .map(Json::String)
                            .collect(),
                    )
                }
                other => other,
            }))
        };
        let principals = |name: &str| -> Result<Vec<Principal>, String> {
            blocks_attr(&block, name)
                .iter()
                .map(|p| {
                    let ids = policy_variables(strings_attr(p, "identifiers"), &version)
                        .map_err(|e| format!("reading {name}: reading identifiers: {e}"))?;
                    Ok(Principal {
                        kind: str_attr(p, "type").unwrap_or_default(),
                        ids: one_or_reversed(ids),
                    })
                })
                .collect()
        };
        let condition = blocks_attr(&block, "condition")
            .iter()
            .map(|c| {
                let mut values = policy_variables(strings_attr(c, "values"), &version)
                    .map_err(|e| format!("reading condition: reading values: {e}"))?;
                Ok(Condition {
                    test: str_attr(c, "test").unwrap_or_default(),
                    variable: str_attr(c, "variable").unwrap_or_default(),
                    values: if values.len() == 1 {
                        Json::String(values.remove(0))
                    } else {
                        Json::Array(values.into_iter().map(Json::String).collect())
                    },
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        statements.push(Statement {
            sid,
            effect: str_attr(&block, "effect").unwrap_or_else(|| "Allow".to_string()),
            action: set("actions", false)?,
            not_action: set("not_actions", false)?,
            resource: set("resources", true).map_err(|e| format!("reading resources: {e}"))?,
            not_resource: set("not_resources", true)
                .map_err(|e| format!("reading not_resources: {e}"))?,
            principal: principals("principals")?,
            not_principal: principals("not_principals")?,
            condition,
        });
    }
    Ok(Document {
        version,
        id: str_attr(config, "policy_id").unwrap_or_default(),
        statements,
    })
}

/// A member of a JSON object, matched without regard to case, as the Go
/// decoder the provider uses matches field names.
fn member<'a>(object: &'a Map<String, Json>, name: &str) -> Option<&'a Json> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn text(object: &Map<String, Json>, name: &str) -> Result<String, String> {
    match member(object, name) {
        None | Some(Json::Null) => Ok(String::new()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{name} must be a string, not {other}")),
    }
}

/// Parses a policy document given as JSON text (a source or override).
fn parse(text_in: &str) -> Result<Document, String> {
    let json: Json = serde_json::from_str(text_in).map_err(|e| e.to_string())?;
    let Json::Object(object) = json else {
        return Err("the policy document is not a JSON object".into());
    };
    let statements = match member(&object, "Statement") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(items)) => items
            .iter()
            .map(parse_statement)
            .collect::<Result<_, _>>()?,
        Some(one @ Json::Object(_)) => vec![parse_statement(one)?],
        Some(other) => return Err(format!("Statement must be a list, not {other}")),
    };
    Ok(Document {
        version: text(&object, "Version")?,
        id: text(&object, "Id")?,
        statements,
    })
}

fn parse_statement(json: &Json) -> Result<Statement, String> {
    let Json::Object(object) = json else {
        return Err(format!("a statement must be an object, not {json}"));
    };
    let raw = |name: &str| member(object, name).filter(|v| !v.is_null()).cloned();
    Ok(Statement {
        sid: text(object, "Sid")?,
        effect: text(object, "Effect")?,
        action: raw("Action"),
        not_action: raw("NotAction"),
        resource: raw("Resource"),
        not_resource: raw("NotResource"),
        principal: parse_principals(member(object, "Principal"))?,
        not_principal: parse_principals(member(object, "NotPrincipal"))?,
        condition: parse_conditions(member(object, "Condition"))?,
    })
}

fn string_items(items: &[Json], what: &str) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|v| match v {
            Json::String(s) => Ok(s.clone()),
            other => Err(format!("{what} must be strings, not {other}")),
        })
        .collect()
}

fn parse_principals(json: Option<&Json>) -> Result<Vec<Principal>, String> {
    match json {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::String(_)) => Ok(vec![Principal {
            kind: "*".into(),
            ids: Json::Array(vec![Json::String("*".into())]),
        }]),
        Some(Json::Object(map)) => map
            .iter()
            .map(|(kind, ids)| {
                let ids = match ids {
                    Json::String(s) => Json::String(s.clone()),
                    Json::Array(items) => {
                        let mut ids = string_items(items, "principal identifiers")?;
                        ids.sort();
                        Json::Array(ids.into_iter().map(Json::String).collect())
                    }
                    other => return Err(format!("unsupported principal identifiers {other}")),
                };
                Ok(Principal {
                    kind: kind.clone(),
                    ids,
                })
            })
            .collect(),
        Some(other) => Err(format!("unsupported principal {other}")),
    }
}

fn parse_conditions(json: Option<&Json>) -> Result<Vec<Condition>, String> {
    let Some(Json::Object(tests)) = json else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (test, variables) in tests {
        let Json::Object(variables) = variables else {
            return Err(format!("condition {test} must be an object"));
        };
        for (variable, values) in variables {
            let values = match values {
                Json::String(s) => Json::Array(vec![Json::String(s.clone())]),
                Json::Bool(b) => Json::String(b.to_string()),
                Json::Array(items) => Json::Array(
                    string_items(items, "condition values")?
                        .into_iter()
                        .map(Json::String)
                        .collect(),
                ),
                other => return Err(format!("unsupported condition value {other}")),
            };
            out.push(Condition {
                test: test.clone(),
                variable: variable.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn principals_json(principals: &[Principal]) -> Json {
    if let [only] = principals {
        let star = match &only.ids {
            Json::String(s) => s == "*",
            Json::Array(items) => items.len() == 1 && items[0] == "*",
            _ => false,
        };
        if only.kind == "*" && star {
            return Json::String("*".into());
        }
    }
    let mut by_kind: BTreeMap<String, Json> = BTreeMap::new();
    for p in principals {
        let entry = by_kind.remove(&p.kind);
        let merged = match (&p.ids, entry) {
            (Json::Array(ids), previous) => {
                let mut list = match previous {
                    None => Vec::new(),
                    Some(Json::String(s)) => vec![Json::String(s)],
                    Some(Json::Array(items)) => items,
                    Some(other) => vec![other],
                };
                let mut ids = ids.clone();
                ids.sort_by(|a, b| b.as_str().cmp(&a.as_str()));
                list.extend(ids);
                Json::Array(list)
            }
            (one, None) => one.clone(),
            (one, Some(Json::String(s))) => Json::Array(vec![Json::String(s), one.clone()]),
            (one, Some(Json::Array(mut items))) => {
                items.push(one.clone());
                Json::Array(items)
            }
            (one, Some(other)) => Json::Array(vec![other, one.clone()]),
        };
        by_kind.insert(p.kind.clone(), merged);
    }
    Json::Object(by_kind.into_iter().collect())
}

fn conditions_json(conditions: &[Condition]) -> Json {
    let mut tests: BTreeMap<&str, BTreeMap<&str, Vec<Json>>> = BTreeMap::new();
    for c in conditions {
        let values = tests
            .entry(&c.test)
            .or_default()
            .entry(&c.variable)
            .or_default();
        match &c.values {
            Json::Array(items) => values.extend(items.iter().cloned()),
            other => values.push(other.clone()),
        }
    }
    Json::Object(
        tests
            .into_iter()
            .map(|(test, variables)| {
                let variables = variables
                    .into_iter()
                    .map(|(variable, mut values)| {
                        let value = if values.len() == 1 {
                            values.remove(0)
                        } else {
                            Json::Array(values)
                        };
                        (variable.to_string(), value)
                    })
                    .collect();
                (test.to_string(), Json::Object(variables))
            })
            .collect(),
    )
}

fn to_json(doc: &Document) -> Json {
    let mut out = Map::new();
    if !doc.version.is_empty() {
        out.insert("Version".into(), Json::String(doc.version.clone()));
    }
    if !doc.id.is_empty() {
        out.insert("Id".into(), Json::String(doc.id.clone()));
    }
    if !doc.statements.is_empty() {
        let statements = doc.statements.iter().map(statement_json).collect();
        out.insert("Statement".into(), Json::Array(statements));
    }
    Json::Object(out)
}

fn statement_json(s: &Statement) -> Json {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Json>| {
        if let Some(v) = value {
            out.insert(key.to_string(), v);
        }
    };
    put(
        "Sid",
        (!s.sid.is_empty()).then(|| Json::String(s.sid.clone())),
    );
    put(
        "Effect",
        (!s.effect.is_empty()).then(|| Json::String(s.effect.clone())),
    );
    put("Action", s.action.clone());
    put("NotAction", s.not_action.clone());
    put("Resource", s.resource.clone());
    put("NotResource", s.not_resource.clone());
    put(
        "Principal",
        (!s.principal.is_empty()).then(|| principals_json(&s.principal)),
    );
    put(
        "NotPrincipal",
        (!s.not_principal.is_empty()).then(|| principals_json(&s.not_principal)),
    );
    put(
        "Condition",
        (!s.condition.is_empty()).then(|| conditions_json(&s.condition)),
    );
    Json::Object(out)
}

/// The Go encoder's HTML-safe escaping, which serde_json does not do.
/// These characters only occur inside strings, so replacing them in the
/// finished text is exact.
fn go_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_one_string_or_a_reversed_list() {
        assert_eq!(one_or_reversed(vec!["a".into()]), Json::String("a".into()));
        assert_eq!(
            one_or_reversed(vec!["a".into(), "c".into(), "b".into()]),
            serde_json::json!(["c", "b", "a"])
        );
    }

    #[test]
    fn a_lone_star_principal_is_a_star() {
        let star = Principal {
            kind: "*".into(),
            ids: Json::String("*".into()),
        };
        assert_eq!(principals_json(&[star]), Json::String("*".into()));
        let aws = Principal {
            kind: "AWS".into(),
            ids: Json::String("*".into()),
        };
        assert_eq!(principals_json(&[aws]), serde_json::json!({"AWS": "*"}));
    }

    #[test]
    fn html_characters_are_escaped_as_go_does() {
        assert_eq!(go_escape(r#""a<b>&c""#), r#""a\u003cb\u003e\u0026c""#);
    }

    #[test]
    fn override_statements_replace_those_with_their_sid_in_place() {
        let mut doc = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Action":"x"},{"Action":"y"}]}"#,
        )
        .unwrap();
        doc.merge(parse(r#"{"Id":"p","Statement":[{"Sid":"A","Action":"z"}]}"#).unwrap());
        assert_eq!(doc.id, "p");
        assert_eq!(doc.statements[0].action, Some(Json::String("z".into())));
        assert_eq!(doc.statements.len(), 2);
    }
}
