//! Terraform's v4 state format and the addresses built from it.

use serde_json::json;

use super::*;

fn resource(module: &str, type_name: &str, name: &str) -> Resource {
    Resource {
        module: module.to_string(),
        mode: "managed".to_string(),
        resource_type: type_name.to_string(),
        name: name.to_string(),
        provider: String::new(),
        instances: Vec::new(),
    }
}

fn instance(index_key: Option<serde_json::Value>, deposed: Option<&str>) -> Instance {
    Instance {
        index_key,
        status: None,
        deposed: deposed.map(str::to_string),
        attributes: None,
        sensitive_attributes: Vec::new(),
        dependencies: Vec::new(),
    }
}

fn address(module: &str, key: Option<serde_json::Value>, deposed: Option<&str>) -> String {
    resource(module, "terraform_data", "x")
        .object_addr(&instance(key, deposed))
        .unwrap()
        .to_string()
}

#[test]
fn addresses_keep_count_and_for_each_keys_modules_and_deposed_keys() {
    assert_eq!(address("", None, None), "terraform_data.x");
    assert_eq!(address("", Some(json!(0)), None), "terraform_data.x[0]");
    assert_eq!(
        address("", Some(json!("b c")), None),
        "terraform_data.x[\"b c\"]"
    );
    assert_eq!(
        address("", Some(json!("say \"hi\"")), None),
        r#"terraform_data.x["say \"hi\""]"#
    );
    assert_eq!(
        address("module.app", None, None),
        "module.app.terraform_data.x"
    );
    assert_eq!(
        address("module.app.module.db", Some(json!(2)), None),
        "module.app.module.db.terraform_data.x[2]"
    );
    assert_eq!(
        address("", Some(json!(1)), Some("1a2b3c4d")),
        "terraform_data.x[1]#deposed:1a2b3c4d"
    );
}

#[test]
fn instances_of_keyed_modules_keep_their_keys() {
    for module in [
        "module.web[0]",
        "module.site[\"blue\"].module.db",
        "module.app.module.db[1]",
    ] {
        let object = resource(module, "terraform_data", "x")
            .object_addr(&instance(None, None))
            .unwrap();
        assert_eq!(object.to_string(), format!("{module}.terraform_data.x"));
    }
}

#[test]
fn module_addresses_parse_into_names_and_keys() {
    let steps = parse_module(r#"module.a.module.b["x.y]z"].module.c[3]"#).unwrap();
    let got: Vec<(String, InstanceKey)> = steps.into_iter().map(|s| (s.name, s.key)).collect();
    assert_eq!(
        got,
        vec![
            ("a".to_string(), InstanceKey::None),
            ("b".to_string(), InstanceKey::Key("x.y]z".to_string())),
            ("c".to_string(), InstanceKey::Index(3)),
        ]
    );
    assert!(parse_module("").unwrap().is_empty());
    for bad in [
        "module",
        "modul.a",
        "module.a.",
        "module.a[x]",
        "module.a[\"x\"",
        "module.a[0]b",
        "module.1a",
    ] {
        assert!(
            matches!(parse_module(bad), Err(AddressError::Malformed(..))),
            "{bad} was accepted"
        );
    }
}

#[test]
fn index_keys_are_whole_numbers_or_strings() {
    assert_eq!(instance_key(None), Ok(InstanceKey::None));
    assert_eq!(instance_key(Some(&json!(null))), Ok(InstanceKey::None));
    assert_eq!(instance_key(Some(&json!(7))), Ok(InstanceKey::Index(7)));
    assert_eq!(
        instance_key(Some(&json!("k"))),
        Ok(InstanceKey::Key("k".into()))
    );
    for bad in [json!(-1), json!(1.5), json!(true), json!([0])] {
        assert!(instance_key(Some(&bad)).is_err(), "{bad}");
    }
}

#[test]
fn provider_addresses_give_the_type_and_alias() {
    let aws =
        ProviderAddr::parse(r#"provider["registry.terraform.io/hashicorp/aws"].west"#).unwrap();
    assert_eq!(aws.type_name(), "aws");
    assert_eq!(aws.alias.as_deref(), Some("west"));
    let builtin = ProviderAddr::parse(r#"provider["terraform.io/builtin/terraform"]"#).unwrap();
    assert_eq!(
        (builtin.type_name(), builtin.alias.as_deref()),
        ("terraform", None)
    );
    let in_module =
        ProviderAddr::parse(r#"module.app.provider["registry.terraform.io/hashicorp/null"]"#)
            .unwrap();
    assert_eq!(in_module.type_name(), "null");
    assert_eq!(ProviderAddr::parse("aws"), None);
}

#[test]
fn sensitive_paths_read_attribute_and_index_steps() {
    let mut object = instance(None, None);
    object.sensitive_attributes = vec![
        json!([{"type": "get_attr", "value": "input"}]),
        json!([{"type": "get_attr", "value": "tags"}, {"type": "index", "value": {"value": "token", "type": "string"}}]),
        json!([{"type": "get_attr", "value": "rules"}, {"type": "index", "value": {"value": 2, "type": "number"}}, {"type": "get_attr", "value": "cidr"}]),
        // A step we cannot read keeps the part before it sensitive.
        json!([{"type": "get_attr", "value": "blob"}, {"type": "splat", "value": null}]),
        json!([{"type": "mystery"}]),
    ];
    let key = |k: &str| PathStep::Key(k.to_string());
    assert_eq!(
        object.sensitive_paths(),
        vec![
            vec![key("input")],
            vec![key("tags"), key("token")],
            vec![key("rules"), PathStep::Index(2), key("cidr")],
            vec![key("blob")],
        ]
    );
}

#[test]
fn a_v4_file_parses_with_its_resources_instances_and_outputs() {
    let text = json!({
        "version": 4,
        "terraform_version": "1.15.5",
        "serial": 10,
        "lineage": "40a9359b",
        "outputs": {"id": {"value": "x", "type": "string"}, "pw": {"value": "s", "type": "string", "sensitive": true}},
        "resources": [
            {"mode": "data", "type": "aws_ami", "name": "u", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]", "instances": [{"schema_version": 0, "attributes": {"id": "ami-1"}}]},
            {"module": "module.net", "mode": "managed", "type": "aws_vpc", "name": "main", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [
                {"schema_version": 1, "attributes": {"id": "vpc-1"}, "status": "tainted", "dependencies": ["aws_s3_bucket.b"], "private": "e30="},
                {"schema_version": 1, "attributes": {"id": "vpc-0"}, "deposed": "00aa11bb"}
             ]}
        ],
        "check_results": null
    })
    .to_string();
    let state = parse(text.as_bytes()).unwrap();
    assert_eq!(
        (state.terraform_version.as_str(), state.serial),
        ("1.15.5", 10)
    );
    assert!(state.outputs["pw"].sensitive && !state.outputs["id"].sensitive);
    assert!(!state.resources[0].is_managed());
    let vpc = &state.resources[1];
    assert_eq!(vpc.display(), "module.net.aws_vpc.main");
    assert!(vpc.instances[0].tainted() && !vpc.instances[1].tainted());
    let keys: Vec<String> = vpc
        .instances
        .iter()
        .map(|i| vpc.object_addr(i).unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "module.net.aws_vpc.main",
            "module.net.aws_vpc.main#deposed:00aa11bb"
        ]
    );
}

#[test]
fn other_versions_are_refused_saying_what_to_do() {
    let v3 = parse(br#"{"version": 3, "modules": []}"#).unwrap_err();
    assert!(v3.message.contains("version 3"), "{}", v3.message);
    assert!(v3.help.contains("Terraform 0.12"), "{}", v3.help);
    let ours = parse(br#"{"format_version": 1, "lineage": "l", "serial": 1}"#).unwrap_err();
    assert!(ours.message.contains("no \"version\""), "{}", ours.message);
    assert!(ours.help.contains("stack state"), "{}", ours.help);
    assert!(!v3.help.contains("stack state"), "{}", v3.help);
    let v5 = parse(br#"{"version": 5}"#).unwrap_err();
    assert!(v5.message.contains("version 5"), "{}", v5.message);
}

#[test]
fn malformed_files_say_where() {
    let broken =
        parse(b"{\n  \"version\": 4,\n  \"resources\": [\n    {\"mode\": }\n  ]\n}").unwrap_err();
    assert_eq!(broken.line_column, Some((4, 14)));
    assert!(
        broken.message.contains("not valid JSON"),
        "{}",
        broken.message
    );
    let wrong_shape =
        parse(b"{\n  \"version\": 4,\n  \"resources\": [\n    {\"mode\": \"managed\"}\n  ]\n}")
            .unwrap_err();
    assert_eq!(wrong_shape.line_column.map(|(line, _)| line), Some(4));
    assert!(
        wrong_shape.message.contains("missing field"),
        "{}",
        wrong_shape.message
    );
}
