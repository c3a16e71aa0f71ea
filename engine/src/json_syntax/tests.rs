use super::*;
use crate::config::{Config, IgnoreChanges};

/// Loads a directory made of `files` and returns the configuration and
/// its diagnostics.
fn load(files: &[(&str, &str)]) -> (Config, Diagnostics, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (config, diags) = crate::config::load(dir.path());
    (config, diags, dir)
}

/// The translation of a JSON text (panics on a JSON syntax error).
fn translated(json: &str) -> (String, Diagnostics) {
    let mut diags = Diagnostics::new();
    let file = Arc::new(PathBuf::from("main.tf.json"));
    let t = translate(json, &file, &mut diags).expect("valid JSON");
    (t.hcl, diags)
}

/// `line:column` (1-based) of a diagnostic's span, in the JSON text.
fn location(config: &Config, d: &Diagnostic) -> String {
    let span = d.span.as_ref().expect("a span");
    let file = config.source(&span.file).expect("a loaded file");
    let at = file.locate(&span.range).start;
    let before = &file.text[..at];
    let line = before.matches('\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{column}")
}

fn summaries(diags: &Diagnostics) -> Vec<String> {
    diags.iter().map(|d| d.summary.clone()).collect()
}

const HCL: &str = r#"
variable "names" {
  type    = list(string)
  default = ["a", "b"]
}
locals {
  prefix = "app-${var.names[0]}"
  count  = length(var.names)
}
resource "terraform_data" "item" {
  count = local.count
  input = "${local.prefix}-${count.index}"
  lifecycle {
    ignore_changes = [input]
  }
  depends_on = [terraform_data.base]
}
resource "terraform_data" "base" {}
output "items" {
  value = terraform_data.item[*].input
}
"#;

const JSON: &str = r#"{
  "//": "Generated; the same stack as the HCL one.",
  "variable": {"names": {"type": "list(string)", "default": ["a", "b"]}},
  "locals": {"prefix": "app-${var.names[0]}", "count": "${length(var.names)}"},
  "resource": {
    "terraform_data": {
      "item": {
        "count": "${local.count}",
        "input": "${local.prefix}-${count.index}",
        "lifecycle": {"ignore_changes": ["input"]},
        "depends_on": ["terraform_data.base"]
      },
      "base": {}
    }
  },
  "output": {"items": {"value": "${terraform_data.item[*].input}"}}
}"#;

#[test]
fn a_json_configuration_loads_like_its_native_form() {
    let (native, diags, _d1) = load(&[("main.tf", HCL)]);
    assert!(!diags.has_errors(), "{diags}");
    let (json, diags, _d2) = load(&[("main.tf.json", JSON)]);
    assert!(!diags.has_errors(), "{diags}");
    let (native, json) = (native.root(), json.root());
    assert_eq!(
        native.resources.keys().collect::<Vec<_>>(),
        json.resources.keys().collect::<Vec<_>>()
    );
    let item = json
        .resources
        .values()
        .find(|r| r.addr.name == "item")
        .unwrap();
    assert!(item.count.is_some());
    assert_eq!(item.depends_on.len(), 1);
    assert_eq!(
        item.lifecycle.ignore_changes,
        IgnoreChanges::Attributes(vec![vec![state::PathStep::Key("input".into())]])
    );
    assert_eq!(json.variables["names"].ty, native.variables["names"].ty);
    assert_eq!(
        json.locals.keys().collect::<Vec<_>>(),
        native.locals.keys().collect::<Vec<_>>()
    );
    assert!(json.outputs.contains_key("items"));
}

#[test]
fn strings_are_templates_literals_or_expressions_by_argument() {
    let (hcl, diags) = translated(
        r#"{"variable": {"v": {"type": "map(string)", "default": {"k": "${x}"}, "description": "${not a template}"}},
            "output": {"o": {"value": "${var.v}", "depends_on": ["terraform_data.a"]}}}"#,
    );
    assert!(diags.is_empty());
    assert!(hcl.contains("type = map(string)"), "{hcl}");
    // A default and a description are literal: `${` stays text.
    assert!(hcl.contains(r#""$${x}""#), "{hcl}");
    assert!(hcl.contains(r#""$${not a template}""#), "{hcl}");
    assert!(hcl.contains(r#"value = "${var.v}""#), "{hcl}");
    assert!(hcl.contains("depends_on = [terraform_data.a]"), "{hcl}");
}

#[test]
fn escaped_strings_keep_quotes_inside_interpolations() {
    let json = r#"{"locals": {"a": "say \"hi\" to ${lookup(var.m, \"k\", \"\\n\")}\n"}}"#;
    let (hcl, _) = translated(json);
    let body = hcl_edit::parser::parse_body(&hcl).unwrap_or_else(|e| panic!("{e}\n{hcl}"));
    let locals = body.blocks().next().unwrap();
    let value = &locals.body.get_attribute("a").unwrap().value;
    let ns = crate::eval::Namespace::default();
    let scope = crate::eval::Scope::new(&ns, Arc::new(PathBuf::from("x.tf.json")));
    // The template has a reference, so it cannot be evaluated here; its
    // literal parts must have survived the re-escaping.
    let hcl_edit::expr::Expression::StringTemplate(t) = value else {
        panic!("{value:?}")
    };
    let literal: String = t
        .iter()
        .filter_map(|e| match e {
            hcl_edit::template::Element::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(literal, "say \"hi\" to \n");
    let unicode = r#"{"locals": {"b": "caf\u00e9 \\ ${upper(\"x\")}"}}"#;
    let (hcl, _) = translated(unicode);
    let body = hcl_edit::parser::parse_body(&hcl).unwrap();
    let value = &body
        .blocks()
        .next()
        .unwrap()
        .body
        .get_attribute("b")
        .unwrap()
        .value;
    assert_eq!(
        scope.eval(value).unwrap(),
        crate::value::Value::string("café \\ X")
    );
}

#[test]
fn blocks_may_be_arrays_at_every_label_level() {
    let json = r#"{
      "provider": {"aws": [{"region": "us-east-1"}, {"alias": "west", "region": "us-west-2"}]},
      "resource": [
        {"terraform_data": {"a": {}}},
        {"terraform_data": {"b": [{"input": 1}]}}
      ],
      "locals": [{"x": 1}, {"y": 2}]
    }"#;
    let (config, diags, _d) = load(&[("main.tf.json", json)]);
    assert!(!diags.has_errors(), "{diags}");
    let root = config.root();
    assert_eq!(root.providers.len(), 2);
    assert_eq!(root.providers[1].alias.as_deref(), Some("west"));
    assert_eq!(root.resources.len(), 2);
    assert_eq!(root.locals.len(), 2);
}

#[test]
fn comment_properties_are_ignored_in_bodies_but_not_in_objects() {
    let json = r#"{
      "//": "top",
      "resource": {"terraform_data": {"a": {"//": "why", "input": {"//": "kept", "k": 1}}}}
    }"#;
    let (hcl, diags) = translated(json);
    assert!(diags.is_empty());
    assert!(!hcl.contains("top") && !hcl.contains("why"), "{hcl}");
    assert!(hcl.contains(r#""//" = "kept""#), "{hcl}");
}

#[test]
fn errors_point_at_the_json_text() {
    let json = "{\n  \"variable\": {\n    \"v\": {\n      \"typo\": 1\n    }\n  },\n  \"resource\": {\"terraform_data\": {\"a\": {\"depends_on\": [\"nothing.here\"]}}}\n}\n";
    let (config, diags, _d) = load(&[("main.tf.json", json)]);
    let unsupported = diags
        .iter()
        .find(|d| d.summary == "Unsupported argument")
        .unwrap_or_else(|| panic!("{diags}"));
    // The name inside the quotes.
    assert_eq!(location(&config, unsupported), "4:8");
}

#[test]
fn shape_mistakes_are_reported_where_they_are() {
    let json =
        "{\n  \"resource\": {\"terraform_data\": {\"a\": \"not a body\"}},\n  \"lifecycle\": 3\n}";
    let (config, diags, _d) = load(&[("main.tf.json", json)]);
    let shape = diags
        .iter()
        .find(|d| d.summary == JSON_SHAPE)
        .unwrap_or_else(|| panic!("{diags}"));
    assert_eq!(location(&config, shape), "2:40");
    // A top-level property must be a block type.
    let extraneous = diags
        .iter()
        .find(|d| d.summary == "Extraneous JSON object property")
        .unwrap_or_else(|| panic!("{diags}"));
    assert_eq!(location(&config, extraneous), "3:3");
}

#[test]
fn invalid_json_is_a_syntax_error_at_its_position() {
    let (config, diags, _d) = load(&[("main.tf.json", "{\n  \"locals\": {\"a\": 1,}\n}")]);
    let d = diags.iter().next().unwrap();
    assert_eq!(d.summary, crate::config::SYNTAX_ERROR);
    // The trailing comma.
    assert_eq!(location(&config, d), "2:20");
}

#[test]
fn a_string_that_is_no_expression_is_reported_at_the_string() {
    let json = "{\"resource\": {\"terraform_data\": {\"a\": {\n  \"depends_on\": [\"terraform_data.\"]}}}}";
    let (config, diags, _d) = load(&[("main.tf.json", json)]);
    let d = diags.iter().next().unwrap_or_else(|| panic!("no error"));
    assert_eq!(d.summary, crate::config::SYNTAX_ERROR);
    assert!(
        location(&config, d).starts_with("2:"),
        "{}",
        location(&config, d)
    );
}

#[test]
fn native_and_json_files_load_together() {
    let (config, diags, _d) = load(&[
        ("main.tf", "resource \"terraform_data\" \"a\" {}\n"),
        (
            "extra.tf.json",
            r#"{"resource": {"terraform_data": {"b": {"input": "${terraform_data.a.id}"}}}}"#,
        ),
    ]);
    assert!(!diags.has_errors(), "{diags}");
    assert_eq!(config.root().resources.len(), 2);
    assert_eq!(config.files.len(), 2);
}

#[test]
fn override_files_are_refused_with_a_reason() {
    let (_, diags, _d) = load(&[
        ("main.tf", "resource \"terraform_data\" \"a\" {}\n"),
        ("override.tf.json", "{}"),
    ]);
    assert_eq!(summaries(&diags), ["Override files are not supported"]);
}

#[test]
fn module_providers_moved_and_import_addresses_are_expressions() {
    let (hcl, diags) = translated(
        r#"{"module": {"m": {"source": "./m", "providers": {"aws.dst": "aws.west"}}},
            "moved": {"from": "terraform_data.a", "to": "terraform_data.b"},
            "import": {"to": "aws_vpc.main", "id": "vpc-${var.n}"}}"#,
    );
    assert!(diags.is_empty());
    assert!(hcl.contains("aws.dst = aws.west"), "{hcl}");
    assert!(hcl.contains("from = terraform_data.a"), "{hcl}");
    assert!(hcl.contains(r#"id = "vpc-${var.n}""#), "{hcl}");
    hcl_edit::parser::parse_body(&hcl).unwrap();
}

#[test]
fn span_map_maps_copies_exactly_and_generated_text_to_its_source() {
    let json = r#"{"locals": {"a": "${x}"}}"#;
    let mut diags = Diagnostics::new();
    let file = Arc::new(PathBuf::from("main.tf.json"));
    let t = translate(json, &file, &mut diags).unwrap();
    let at = t.hcl.find("\"${x}\"").unwrap();
    let json_at = json.find("\"${x}\"").unwrap();
    assert_eq!(t.map.locate(&(at..at + 6)), json_at..json_at + 6);
    assert_eq!(t.map.locate(&(at + 3..at + 4)), json_at + 3..json_at + 4);
}

/// Evaluates the body of the first resource of a JSON text against `schema`.
fn eval_json_body(
    json: &str,
    schema: &crate::provider::Schema,
) -> (crate::value::Value, Diagnostics) {
    let (hcl, diags) = translated(json);
    assert!(diags.is_empty());
    let body = hcl_edit::parser::parse_body(&hcl).unwrap();
    let block = body.blocks().next().unwrap();
    let ns = crate::eval::Namespace::default();
    let scope = crate::eval::Scope::new(&ns, Arc::new(PathBuf::from("main.tf.json")));
    let mut diags = Diagnostics::new();
    let value = crate::body::eval_body(
        &block.body,
        schema,
        &scope,
        crate::body::BodyKind::Resource,
        "a test resource",
        None,
        &mut diags,
    );
    (value, diags)
}

fn rule_schema() -> crate::provider::Schema {
    use crate::provider::{AttrType, AttributeSchema, BlockSchema, Nesting, Schema};
    let port = Schema::new("").attr(AttributeSchema::required("port", AttrType::Number));
    let rule = Schema::new("")
        .attr(AttributeSchema::required("from", AttrType::Number))
        .block(BlockSchema {
            name: "target",
            nesting: Nesting::Single,
            min_items: 0,
            max_items: None,
            force_new: false,
            schema: port,
        });
    Schema::new("")
        .attr(AttributeSchema::optional(
            "tags",
            AttrType::map_of(AttrType::String),
        ))
        .block(BlockSchema {
            name: "rule",
            nesting: Nesting::List,
            min_items: 0,
            max_items: None,
            force_new: false,
            schema: rule,
        })
}

#[test]
fn object_properties_are_nested_blocks_where_the_schema_says_so() {
    use crate::value::Value;
    let json = r#"{"resource": {"t": {"a": {
        "tags": {"Name": "x"},
        "rule": [{"from": 1, "target": {"port": 80}}, {"//": "second", "from": 2}]
    }}}}"#;
    let (value, diags) = eval_json_body(json, &rule_schema());
    assert!(!diags.has_errors(), "{diags}");
    let Value::Map(map) = value else { panic!() };
    let Value::List(rules) = &map["rule"] else {
        panic!("{:?}", map["rule"])
    };
    assert_eq!(rules.len(), 2);
    let Value::Map(first) = &rules[0] else {
        panic!()
    };
    assert_eq!(first["from"], Value::number(1.0));
    let Value::Map(target) = &first["target"] else {
        panic!("{:?}", first["target"])
    };
    assert_eq!(target["port"], Value::number(80.0));
    let Value::Map(tags) = &map["tags"] else {
        panic!()
    };
    assert_eq!(tags["Name"], Value::string("x"));
}

#[test]
fn a_nested_block_that_is_no_object_is_an_error() {
    let json = r#"{"resource": {"t": {"a": {"rule": "from 1"}}}}"#;
    let (_, diags) = eval_json_body(json, &rule_schema());
    assert_eq!(summaries(&diags), [JSON_SHAPE]);
    let json = r#"{"resource": {"t": {"a": {"rule": {"form": 1}}}}}"#;
    let (_, diags) = eval_json_body(json, &rule_schema());
    assert!(summaries(&diags).contains(&"Unsupported argument".to_string()));
    assert!(diags.iter().all(|d| d.span.is_some()), "{diags}");
}
