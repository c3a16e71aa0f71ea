//! Snapshot tests of plan rendering, one per shape of change, in text and
//! markdown with colours off (the engine has none). The snapshots live in
//! `snapshots/`; a rendering change fails them until reviewed and accepted
//! (`cargo insta review`, or `INSTA_UPDATE=always` to rewrite).

use std::collections::BTreeMap;

use state::Mode;

use super::markdown::{comment, MAX_COMMENT_CHARS};
use super::plan::resource_change;
use crate::encoding::{encode, object};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::{
    plan_by_schema, AttrType, AttributeSchema as A, BlockSchema, Nesting, Schema,
};
use crate::value::Value;

/// A resource type with every shape the renderer handles: typed lists,
/// sets and maps, a value of any type, strings that hold JSON or several
/// lines, a sensitive attribute, and list, set and single nested blocks
/// (one with a force-new attribute).
fn schema() -> Schema {
    let header = Schema::new("A header.")
        .attr(A::required("name", AttrType::String))
        .attr(A::required("value", AttrType::String));
    let origin = Schema::new("An origin.")
        .attr(A::required("domain_name", AttrType::String))
        .attr(A::required("origin_id", AttrType::String))
        .block(block("custom_header", Nesting::List, header));
    let rule = Schema::new("A rule.")
        .attr(A::required("from_port", AttrType::Number))
        .attr(A::required("to_port", AttrType::Number))
        .attr(A::optional(
            "cidr_blocks",
            AttrType::list_of(AttrType::String),
        ))
        .attr(A::optional("description", AttrType::String));
    let disk = Schema::new("The root disk.")
        .attr(A::optional("volume_size", AttrType::Number))
        .attr(A::optional("volume_type", AttrType::String).force_new())
        .attr(A::optional("encrypted", AttrType::Bool));
    Schema::new("A thing.")
        .attr(A::computed("id", AttrType::String))
        .attr(A::computed("arn", AttrType::String))
        .attr(A::optional("name", AttrType::String))
        .attr(A::optional("policy", AttrType::String))
        .attr(A::optional("script", AttrType::String))
        .attr(A::optional("ports", AttrType::list_of(AttrType::Number)))
        .attr(A::optional("cidrs", AttrType::set_of(AttrType::String)))
        .attr(A::optional("labels", AttrType::map_of(AttrType::String)))
        .attr(A::optional("settings", AttrType::Any))
        .attr(A::optional("password", AttrType::String).sensitive())
        .block(block("ingress", Nesting::Set, rule))
        .block(block("origin", Nesting::List, origin))
        .block(block("root_block_device", Nesting::Single, disk))
}

fn block(name: &'static str, nesting: Nesting, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting,
        min_items: 0,
        max_items: None,
        force_new: false,
        schema,
    }
}

fn lookup(type_name: &str, _data: bool) -> Option<Schema> {
    (type_name == "test_thing").then(schema)
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn n(number: i64) -> Value {
    Value::from(number)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn rule(from: i64, cidr: &str, description: &str) -> Value {
    object([
        ("from_port", n(from)),
        ("to_port", n(from)),
        ("cidr_blocks", list(vec![s(cidr)])),
        ("description", s(description)),
    ])
}

fn origin(id: &str, domain: &str, headers: Vec<(&'static str, &str)>) -> Value {
    let headers = headers
        .into_iter()
        .map(|(name, value)| object([("name", s(name)), ("value", s(value))]))
        .collect();
    object([
        ("domain_name", s(domain)),
        ("origin_id", s(id)),
        ("custom_header", list(headers)),
    ])
}

fn disk(size: i64, kind: &str) -> Value {
    object([
        ("volume_size", n(size)),
        ("volume_type", s(kind)),
        ("encrypted", Value::Bool(true)),
    ])
}

/// A value of the test type: the defaults below, with `changes` applied.
fn thing(changes: Vec<(&'static str, Value)>) -> Value {
    let mut base = BTreeMap::from([
        ("id".to_string(), s("thing-1234")),
        ("arn".to_string(), s("arn:test:thing-1234")),
        ("name".to_string(), s("web")),
        ("ports".to_string(), list(vec![n(80), n(443)])),
        (
            "ingress".to_string(),
            Value::set_from(vec![rule(80, "0.0.0.0/0", "http")]),
        ),
        (
            "origin".to_string(),
            list(vec![origin(
                "site",
                "site.example.com",
                vec![("X-Env", "prod")],
            )]),
        ),
        ("root_block_device".to_string(), disk(20, "gp2")),
    ]);
    for (key, value) in changes {
        base.insert(key.to_string(), value);
    }
    Value::Map(base)
}

/// A planned change of `test_thing.web`, planned by the schema's rules.
fn planned(before: Option<Value>, after: Option<Value>) -> ResourceChange {
    let schema = schema();
    let (action, requires_replace) = match (&before, &after) {
        (None, _) => (Action::Create, Vec::new()),
        (_, None) => (Action::Delete, Vec::new()),
        (Some(b), Some(a)) => {
            let response = plan_by_schema(&schema, Some(b), a);
            if response.requires_replace.is_empty() {
                (Action::Update, Vec::new())
            } else {
                (Action::Replace, response.requires_replace)
            }
        }
    };
    let before = before.map(|v| encode(&v));
    let after = after.map(|v| encode(&v));
    ResourceChange {
        address: "test_thing.web".to_string(),
        mode: Mode::Managed,
        resource_type: "test_thing".to_string(),
        name: "web".to_string(),
        provider: "provider.test".to_string(),
        action,
        create_before_destroy: false,
        action_reason: None,
        before: before.as_ref().map(|b| b.json.clone().into()),
        before_sensitive: before.map(|b| b.sensitive).unwrap_or_default(),
        after: after.as_ref().map(|a| a.json.clone().into()),
        after_unknown: after
            .as_ref()
            .map(|a| a.unknown.clone())
            .unwrap_or_default(),
        after_sensitive: after.map(|a| a.sensitive).unwrap_or_default(),
        requires_replace,
        dependencies: Vec::new(),
        private: None,
        previous_address: None,
        importing: None,
    }
}

pub(super) fn plan_of(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        format_version: crate::plan::PLAN_FORMAT_VERSION,
        workspace: "default".to_string(),
        lineage: "lineage".to_string(),
        serial: 1,
        templates_digest: "digest".to_string(),
        destroy: false,
        variables: BTreeMap::new(),
        resource_changes: changes,
        output_changes: Vec::new(),
        drift: Vec::new(),
        targets: Vec::new(),
        excludes: Vec::new(),
        replace: Vec::new(),
        moves: Vec::new(),
        refresh_only: false,
        api_calls: BTreeMap::new(),
        timestamp: None,
    }
}

fn text(change: &ResourceChange) -> String {
    resource_change(change, &lookup).plain()
}

fn markdown(change: &ResourceChange) -> String {
    let markdown = comment(&plan_of(vec![change.clone()]), &lookup, MAX_COMMENT_CHARS);
    super::markdown::tests::assert_well_formed(&markdown);
    markdown
}

/// Snapshots a change in text and markdown.
fn check(name: &str, change: ResourceChange) {
    insta::assert_snapshot!(format!("{name}_text"), text(&change));
    insta::assert_snapshot!(format!("{name}_markdown"), markdown(&change));
}

#[test]
fn nested_object_change() {
    let settings = |port: i64| {
        object([
            ("region", s("eu-west-1")),
            ("db", object([("engine", s("postgres")), ("port", n(port))])),
            ("name", s("app")),
        ])
    };
    let before = thing(vec![("settings", settings(5432))]);
    let after = thing(vec![("settings", settings(6432))]);
    check("nested_object_change", planned(Some(before), Some(after)));
}

#[test]
fn list_element_added_removed_and_changed() {
    let objects = |port: i64| {
        list(vec![
            object([("cidr", s("0.0.0.0/0")), ("port", n(80))]),
            object([("cidr", s("10.0.0.0/8")), ("port", n(port))]),
            object([("cidr", s("10.1.0.0/16")), ("port", n(22))]),
        ])
    };
    let before = thing(vec![
        (
            "ports",
            list(vec![n(22), n(80), n(443), n(8080), n(9000), n(9090)]),
        ),
        ("settings", objects(443)),
    ]);
    let after = thing(vec![
        (
            "ports",
            list(vec![n(80), n(443), n(8080), n(8443), n(9000), n(9090)]),
        ),
        ("settings", objects(8443)),
    ]);
    check("list_elements", planned(Some(before), Some(after)));
}

#[test]
fn set_element_change() {
    let cidrs = |third: &str| Value::set_from(vec![s("10.0.0.0/8"), s(third), s("192.168.0.0/16")]);
    let before = thing(vec![("cidrs", cidrs("172.16.0.0/12"))]);
    let after = thing(vec![("cidrs", cidrs("172.31.0.0/16"))]);
    check("set_element_change", planned(Some(before), Some(after)));
}

#[test]
fn nested_block_added() {
    let before = thing(vec![]);
    let after = thing(vec![(
        "ingress",
        Value::set_from(vec![
            rule(80, "0.0.0.0/0", "http"),
            rule(443, "0.0.0.0/0", "https"),
        ]),
    )]);
    let change = planned(Some(before), Some(after));
    // A rule of a set block without force-new attributes is added in place.
    assert_eq!(change.action, Action::Update);
    check("nested_block_added", change);
}

#[test]
fn nested_block_removed() {
    let before = thing(vec![(
        "origin",
        list(vec![
            origin("site", "site.example.com", vec![("X-Env", "prod")]),
            origin("assets", "assets.example.com", vec![]),
        ]),
    )]);
    let after = thing(vec![]);
    check("nested_block_removed", planned(Some(before), Some(after)));
}

#[test]
fn nested_block_changed() {
    let before = thing(vec![]);
    let after = thing(vec![
        (
            "origin",
            list(vec![origin(
                "site",
                "site.example.com",
                vec![("X-Env", "staging")],
            )]),
        ),
        (
            "ingress",
            Value::set_from(vec![rule(80, "10.0.0.0/8", "http")]),
        ),
        ("root_block_device", disk(40, "gp2")),
    ]);
    check("nested_block_changed", planned(Some(before), Some(after)));
}

#[test]
fn multi_line_string_change() {
    let script = |changed: &str| {
        let mut lines: Vec<String> = (1..=20).map(|i| format!("echo step {i}")).collect();
        lines.insert(0, "#!/bin/sh".to_string());
        lines[10] = changed.to_string();
        lines.join("\n") + "\n"
    };
    let before = thing(vec![("script", s(&script("echo step 10")))]);
    let after = thing(vec![("script", s(&script("echo step ten")))]);
    check(
        "multi_line_string_change",
        planned(Some(before), Some(after)),
    );
}

#[test]
fn json_string_change() {
    let policy = |actions: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{actions}],"Resource":"arn:aws:s3:::logs/*"}}]}}"#
        )
    };
    let before = thing(vec![("policy", s(&policy(r#""s3:GetObject""#)))]);
    let after = thing(vec![(
        "policy",
        s(&policy(r#""s3:GetObject","s3:PutObject""#)),
    )]);
    check("json_string_change", planned(Some(before), Some(after)));
}

#[test]
fn sensitive_and_unknown_inside_nested_values() {
    let settings = |password: &str, host: Value| {
        object([(
            "db",
            object([
                ("host", host),
                ("password", s(password).mark_if(true)),
                ("user", s("app")),
            ]),
        )])
    };
    let before = thing(vec![
        ("settings", settings("old-secret", s("db-1.internal"))),
        ("password", s("hunter2").mark_if(true)),
    ]);
    let after = thing(vec![
        ("settings", settings("new-secret", Value::Unknown)),
        ("password", s("hunter3").mark_if(true)),
        ("arn", Value::Unknown),
    ]);
    let change = planned(Some(before), Some(after));
    let (text, markdown) = (text(&change), markdown(&change));
    for secret in ["old-secret", "new-secret", "hunter2", "hunter3"] {
        assert!(
            !text.contains(secret) && !markdown.contains(secret),
            "{secret} shown"
        );
    }
    insta::assert_snapshot!("sensitive_and_unknown_text", text);
    insta::assert_snapshot!("sensitive_and_unknown_markdown", markdown);
}

#[test]
fn sensitivity_coming_and_going_is_warned_about() {
    // `password` becomes sensitive with the same value; a setting inside
    // `settings` stops being sensitive and changes; `name` changes so the
    // resource is updated at all.
    let settings = |token: Value| object([("token", token), ("user", s("app"))]);
    let before = thing(vec![
        ("password", s("hunter2")),
        ("settings", settings(s("t-1").mark_if(true))),
    ]);
    let after = thing(vec![
        ("name", s("web-2")),
        ("password", s("hunter2").mark_if(true)),
        ("settings", settings(s("t-2"))),
    ]);
    let change = planned(Some(before), Some(after));
    let text = text(&change);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("will be marked as sensitive and will not"),
        "{text}"
    );
    assert!(text.contains("The value is unchanged."), "{text}");
    assert!(
        text.contains("will no longer be marked as sensitive"),
        "{text}"
    );
    check("sensitivity_change", change);
}

#[test]
fn forced_replacement_by_a_nested_attribute() {
    let before = thing(vec![]);
    let after = thing(vec![
        ("root_block_device", disk(20, "gp3")),
        ("id", Value::Unknown),
    ]);
    let change = planned(Some(before), Some(after));
    // The planner replaces for the block; the renderer names the attribute.
    assert_eq!(change.action, Action::Replace);
    assert_eq!(change.requires_replace, ["root_block_device"]);
    let text = text(&change);
    assert!(
        text.contains(r#"~ volume_type = "gp2" -> "gp3" # forces replacement"#),
        "{text}"
    );
    assert!(
        !text.contains("root_block_device { # forces replacement"),
        "{text}"
    );
    check("forced_replacement_nested", change);
}

#[test]
fn whole_resource_created_and_destroyed() {
    let value = thing(vec![
        ("script", s("#!/bin/sh\necho hi\n")),
        (
            "labels",
            Value::Map(BTreeMap::from([("team".to_string(), s("web"))])),
        ),
    ]);
    check("created", planned(None, Some(value.clone())));
    check("destroyed", planned(Some(value), None));
}

/// `change` under another name.
fn named(mut change: ResourceChange, name: &str) -> ResourceChange {
    change.name = name.to_string();
    change.address = format!("test_thing.{name}");
    change
}

/// One change of every kind a plan holds.
fn every_action() -> Plan {
    let value = thing(vec![]);
    let mut read = named(planned(None, Some(value.clone())), "lookup");
    read.mode = Mode::Data;
    read.action = Action::Read;
    read.address = "data.test_thing.lookup".to_string();
    let mut deposed = named(planned(Some(value.clone()), None), "old");
    deposed.address = "test_thing.old#deposed:1a2b3c4d".to_string();
    let mut moved = named(planned(Some(value.clone()), Some(value.clone())), "renamed");
    moved.action = Action::NoOp;
    moved.previous_address = Some("test_thing.original".to_string());
    let mut imported = named(planned(Some(value.clone()), Some(value.clone())), "adopted");
    imported.action = Action::NoOp;
    imported.importing = Some(crate::plan::Importing {
        id: "thing-9999".to_string(),
    });
    // A no-op is in the plan but not shown.
    let mut no_op = named(
        planned(Some(value.clone()), Some(value.clone())),
        "unchanged",
    );
    no_op.action = Action::NoOp;
    let updated = thing(vec![("name", s("web-2"))]);
    let replaced = thing(vec![
        ("root_block_device", disk(20, "io2")),
        ("id", Value::Unknown),
    ]);
    let mut changes = vec![
        named(planned(None, Some(value.clone())), "created"),
        named(planned(Some(value.clone()), Some(updated)), "updated"),
        named(planned(Some(value.clone()), Some(replaced)), "replaced"),
        named(planned(Some(value.clone()), None), "deleted"),
        read,
        deposed,
        moved,
        imported,
        no_op,
    ];
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    let mut plan = plan_of(changes);
    plan.moves = vec![crate::refactor::ObjectMove {
        from: "test_thing.original".to_string(),
        to: "test_thing.renamed".to_string(),
    }];
    plan
}

#[test]
fn every_action_in_text_markdown_and_json() {
    let plan = every_action();
    let actions: Vec<Action> = plan.resource_changes.iter().map(|c| c.action).collect();
    for action in [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Delete,
        Action::Read,
        Action::NoOp,
    ] {
        assert!(actions.contains(&action), "no {action:?} change");
    }
    insta::assert_snapshot!(
        "every_action_text",
        super::plan::plan(&plan, &lookup).plain()
    );
    let markdown = comment(&plan, &lookup, MAX_COMMENT_CHARS);
    super::markdown::tests::assert_well_formed(&markdown);
    insta::assert_snapshot!("every_action_markdown", markdown);
    let pretty = |json: &serde_json::Value| serde_json::to_string_pretty(json).unwrap();
    insta::assert_snapshot!("every_action_json", pretty(&super::plan::json(&plan)));
    let terraform = super::terraform_json::plan(&plan, None, &lookup);
    insta::assert_snapshot!("every_action_terraform_json", pretty(&terraform));
}

/// The planner's no-op holds one tree as both `before` and `after`: the JSON
/// form hides the secret on both sides and leaves the plan's tree intact.
#[test]
fn a_no_op_sharing_one_tree_is_redacted_on_both_sides_in_json() {
    let value = thing(vec![("password", s("hunter2-canary").mark_if(true))]);
    let mut no_op = planned(Some(value.clone()), Some(value));
    no_op.action = Action::NoOp;
    no_op.after = no_op.before.clone();
    let plan = plan_of(vec![no_op]);
    let json = super::plan::json(&plan);
    let change = &json["resource_changes"][0];
    assert_eq!(change["before"]["password"], serde_json::Value::Null);
    assert_eq!(change["after"]["password"], serde_json::Value::Null);
    assert_eq!(change["after"]["name"], change["before"]["name"]);
    let kept = &plan.resource_changes[0];
    assert!(std::sync::Arc::ptr_eq(
        kept.before.as_ref().unwrap(),
        kept.after.as_ref().unwrap()
    ));
    assert_eq!(kept.after.as_deref().unwrap()["password"], "hunter2-canary");
}
