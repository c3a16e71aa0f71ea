//! The EC2 resources and data sources against the AWS emulator (moto's
//! server), driven through the `Provider` trait as the engine drives them,
//! and checked through an SDK client of the test's own: what the cloud holds,
//! not what our state says.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_ec2::types::{InstanceAttributeName, InstanceStateName, VpcAttributeName};
use common::{sdk_config, Emulator};
use engine::provider::{
    values_equal, ApplyRequest, ConfigureRequest, ImportRequest, PlanRequest, PlanResponse,
    Provider, ReadDataRequest, ReadRequest,
};
use engine::value::Value;
use providers::aws::AwsProvider;

const KEY_1: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOoESGnsCYowp84i8uvu0IxyCFSqw1VhjrlsUIVrV0wq test1";
const KEY_2: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJqQPBpbhlnJYmeS5vZZWaBRCU7hKGt7ShHxzqVakf6W test2";
const AMI: &str = "ami-12c6146b";
const AMI_2: &str = "ami-03cf127a";

// ---------------------------------------------------------------------------
// Building values the way the engine evaluates configuration.

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn string_set(items: &[&str]) -> Value {
    Value::set_from(items.iter().map(|i| s(i)).collect())
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    obj(&pairs.iter().map(|(k, v)| (*k, s(v))).collect::<Vec<_>>())
}

fn attr(value: &Value, name: &str) -> String {
    value
        .get_attr(name)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no string attribute {name} in {value}"))
        .to_string()
}

// ---------------------------------------------------------------------------
// Driving the provider through its trait.

struct Harness {
    provider: AwsProvider,
    ec2: aws_sdk_ec2::Client,
}

async fn harness() -> Harness {
    let emulator = Emulator::start();
    let endpoint = emulator.endpoint();
    let endpoints = obj(&providers::aws::SERVICES
        .iter()
        .map(|service| (*service, s(&endpoint)))
        .collect::<Vec<_>>());
    let provider = AwsProvider::new();
    provider
        .configure(ConfigureRequest {
            config: obj(&[
                ("region", s(common::emulator::REGION)),
                ("access_key", s(common::emulator::ACCESS_KEY_ID)),
                ("secret_key", s(common::emulator::SECRET_ACCESS_KEY)),
                ("max_retries", Value::number(0.0)),
                ("poll_interval", s("100ms")),
                ("endpoints", endpoints),
            ]),
        })
        .await
        .unwrap_or_else(|d| panic!("configure failed: {d}"));
    let ec2 = aws_sdk_ec2::Client::new(&sdk_config(&emulator).await);
    Harness { provider, ec2 }
}

impl Harness {
    fn plan(&self, type_name: &str, prior: Option<&Value>, config: &Value) -> PlanResponse {
        let response = self.provider.plan(PlanRequest {
            type_name,
            prior,
            config,
            prior_private: None,
        });
        assert!(
            !response.diagnostics.has_errors(),
            "plan of {type_name} failed: {}",
            response.diagnostics
        );
        response
    }

    async fn apply_with(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        planned: Option<&Value>,
        config: Option<&Value>,
        messages: Option<Arc<Mutex<Vec<String>>>>,
    ) -> Option<Value> {
        let progress: Option<engine::provider::ProgressSink> = messages.map(|m| {
            let sink: engine::provider::ProgressSink = Arc::new(move |msg: &str| {
                m.lock().unwrap().push(msg.to_string());
            });
            sink
        });
        let response = self
            .provider
            .apply(ApplyRequest {
                type_name,
                prior,
                planned,
                config,
                planned_private: None,
                operation_id: &format!("stack-test-{type_name}-{}", unique()),
                progress,
            })
            .await
            .unwrap_or_else(|e| panic!("apply of {type_name} failed: {e}"));
        if let Some(state) = &response.new_state {
            assert!(
                state.is_wholly_known(),
                "unknowns left after apply: {state}"
            );
        }
        response.new_state
    }

    async fn create(&self, type_name: &str, config: &Value) -> Value {
        let planned = self.plan(type_name, None, config).planned;
        self.apply_with(type_name, None, Some(&planned), Some(config), None)
            .await
            .expect("a created resource has state")
    }

    /// Refreshes and asserts that planning the same configuration again
    /// changes nothing, as `stack plan` would print "No changes.".
    async fn refresh_no_change(&self, type_name: &str, state: &Value, config: &Value) -> Value {
        let refreshed = self
            .read(type_name, state)
            .await
            .expect("the resource exists");
        let response = self.plan(type_name, Some(&refreshed), config);
        assert!(
            response.requires_replace.is_empty(),
            "{type_name}: unexpected replacement of {:?}",
            response.requires_replace
        );
        assert!(
            values_equal(&response.planned, &refreshed) && response.planned.is_wholly_known(),
            "{type_name}: the refreshed state differs from the plan\n state: {refreshed}\n  plan: {}",
            response.planned
        );
        refreshed
    }

    async fn update(&self, type_name: &str, state: &Value, config: &Value) -> Value {
        self.update_with(type_name, state, config, None).await
    }

    async fn update_with(
        &self,
        type_name: &str,
        state: &Value,
        config: &Value,
        messages: Option<Arc<Mutex<Vec<String>>>>,
    ) -> Value {
        let response = self.plan(type_name, Some(state), config);
        assert!(
            response.requires_replace.is_empty(),
            "{type_name}: an in-place update was expected, got a replacement of {:?}",
            response.requires_replace
        );
        assert!(
            !values_equal(&response.planned, state),
            "{type_name}: no change was planned"
        );
        let new = self
            .apply_with(
                type_name,
                Some(state),
                Some(&response.planned),
                Some(config),
                messages,
            )
            .await
            .expect("an updated resource has state");
        assert_eq!(
            attr(&new, "id"),
            attr(state, "id"),
            "an update keeps the id"
        );
        new
    }

    /// Plans a replacement forced by `because`, then applies it as the
    /// engine does: delete the old object, create the new one.
    async fn replace(
        &self,
        type_name: &str,
        state: &Value,
        config: &Value,
        because: &str,
    ) -> Value {
        let response = self.plan(type_name, Some(state), config);
        assert!(
            response.requires_replace.iter().any(|a| a == because),
            "{type_name}: a replacement because of {because} was expected, got {:?}",
            response.requires_replace
        );
        self.destroy(type_name, state).await;
        let new = self.create(type_name, config).await;
        assert_ne!(
            attr(&new, "id"),
            attr(state, "id"),
            "a replacement is a new object"
        );
        new
    }

    async fn destroy(&self, type_name: &str, state: &Value) {
        let gone = self
            .apply_with(type_name, Some(state), None, None, None)
            .await;
        assert!(gone.is_none());
    }

    async fn read(&self, type_name: &str, state: &Value) -> Option<Value> {
        self.provider
            .read(ReadRequest {
                type_name,
                current: state,
                private: None,
            })
            .await
            .unwrap_or_else(|e| panic!("read of {type_name} failed: {e}"))
            .new_state
    }

    async fn import(&self, type_name: &str, id: &str) -> Value {
        self.provider
            .import(ImportRequest { type_name, id })
            .await
            .unwrap_or_else(|e| panic!("import of {type_name} {id} failed: {e}"))
            .new_state
            .unwrap_or_else(|| panic!("import of {type_name} {id} found nothing"))
    }

    /// Imports and checks that the imported object matches the state in
    /// every attribute the cloud knows, and that planning the configuration
    /// against it replaces nothing.
    async fn import_matches(
        &self,
        type_name: &str,
        state: &Value,
        config: &Value,
        cloud_attrs: &[&str],
    ) {
        let imported = self.import(type_name, &attr(state, "id")).await;
        for name in cloud_attrs {
            let (a, b) = (
                imported.get_attr(name).cloned().unwrap_or(Value::Null),
                state.get_attr(name).cloned().unwrap_or(Value::Null),
            );
            assert!(
                values_equal(&a, &b),
                "{type_name}.{name}: imported {a}, state {b}"
            );
        }
        let response = self.plan(type_name, Some(&imported), config);
        assert!(
            response.requires_replace.is_empty(),
            "{type_name}: the import would be replaced because of {:?}",
            response.requires_replace
        );
    }

    fn calls(&self, operation: &str) -> u64 {
        self.provider
            .api_calls()
            .get(&format!("ec2:{operation}"))
            .copied()
            .unwrap_or(0)
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn vpc(h: &Harness, cidr: &str) -> Value {
    h.create("aws_vpc", &obj(&[("cidr_block", s(cidr))])).await
}

async fn subnet(h: &Harness, vpc: &Value, cidr: &str) -> Value {
    h.create(
        "aws_subnet",
        &obj(&[("vpc_id", s(&attr(vpc, "id"))), ("cidr_block", s(cidr))]),
    )
    .await
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn vpc_lifecycle() {
    let h = harness().await;
    let config = |cidr: &str, hostnames: bool, name: &str| {
        obj(&[
            ("cidr_block", s(cidr)),
            ("enable_dns_hostnames", Value::Bool(hostnames)),
            ("tags", tags(&[("Name", name)])),
        ])
    };
    let first = config("10.10.0.0/16", false, "main");
    let state = h.create("aws_vpc", &first).await;
    let id = attr(&state, "id");
    assert!(id.starts_with("vpc-"), "{id}");
    assert!(attr(&state, "arn").ends_with(&format!(":vpc/{id}")));
    let cloud = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    let cloud = &cloud.vpcs()[0];
    assert_eq!(cloud.cidr_block(), Some("10.10.0.0/16"));
    assert_eq!(cloud.tags()[0].value(), Some("main"));

    let state = h.refresh_no_change("aws_vpc", &state, &first).await;

    let second = config("10.10.0.0/16", true, "renamed");
    let state = h.update("aws_vpc", &state, &second).await;
    let hostnames = h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hostnames.enable_dns_hostnames().and_then(|a| a.value()),
        Some(true)
    );
    let cloud = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    assert_eq!(cloud.vpcs()[0].tags()[0].value(), Some("renamed"));
    let state = h.refresh_no_change("aws_vpc", &state, &second).await;

    let third = config("10.11.0.0/16", true, "renamed");
    let state = h.replace("aws_vpc", &state, &third, "cidr_block").await;
    let old = h.ec2.describe_vpcs().vpc_ids(&id).send().await;
    assert!(old.is_err(), "the replaced VPC is deleted");
    let new_id = attr(&state, "id");
    let cloud = h.ec2.describe_vpcs().vpc_ids(&new_id).send().await.unwrap();
    assert_eq!(cloud.vpcs()[0].cidr_block(), Some("10.11.0.0/16"));

    h.import_matches(
        "aws_vpc",
        &state,
        &third,
        &[
            "id",
            "arn",
            "cidr_block",
            "enable_dns_hostnames",
            "enable_dns_support",
            "tags",
        ],
    )
    .await;

    h.destroy("aws_vpc", &state).await;
    assert!(h.ec2.describe_vpcs().vpc_ids(&new_id).send().await.is_err());
    assert_eq!(
        h.read("aws_vpc", &state).await,
        None,
        "a deleted VPC reads as gone"
    );
}

#[tokio::test]
async fn subnet_lifecycle() {
    let h = harness().await;
    let network = vpc(&h, "10.20.0.0/16").await;
    let vpc_id = attr(&network, "id");
    let config = |cidr: &str, public: bool| {
        obj(&[
            ("vpc_id", s(&vpc_id)),
            ("cidr_block", s(cidr)),
            ("availability_zone", s("us-east-1a")),
            ("map_public_ip_on_launch", Value::Bool(public)),
            ("tags", tags(&[("Name", "app")])),
        ])
    };
    let first = config("10.20.1.0/24", false);
    let state = h.create("aws_subnet", &first).await;
    let id = attr(&state, "id");
    let cloud = h
        .ec2
        .describe_subnets()
        .subnet_ids(&id)
        .send()
        .await
        .unwrap();
    let cloud = &cloud.subnets()[0];
    assert_eq!(cloud.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(cloud.cidr_block(), Some("10.20.1.0/24"));
    assert_eq!(cloud.availability_zone(), Some("us-east-1a"));

    let state = h.refresh_no_change("aws_subnet", &state, &first).await;

    let second = config("10.20.1.0/24", true);
    let state = h.update("aws_subnet", &state, &second).await;
    let cloud = h
        .ec2
        .describe_subnets()
        .subnet_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(cloud.subnets()[0].map_public_ip_on_launch(), Some(true));
    let state = h.refresh_no_change("aws_subnet", &state, &second).await;

    let third = config("10.20.2.0/24", true);
    let state = h.replace("aws_subnet", &state, &third, "cidr_block").await;
    assert!(h
        .ec2
        .describe_subnets()
        .subnet_ids(&id)
        .send()
        .await
        .is_err());

    h.import_matches(
        "aws_subnet",
        &state,
        &third,
        &[
            "id",
            "arn",
            "vpc_id",
            "cidr_block",
            "availability_zone",
            "map_public_ip_on_launch",
            "tags",
        ],
    )
    .await;

    h.destroy("aws_subnet", &state).await;
    let new_id = attr(&state, "id");
    assert!(h
        .ec2
        .describe_subnets()
        .subnet_ids(&new_id)
        .send()
        .await
        .is_err());
    h.destroy("aws_vpc", &network).await;
}

fn rule(protocol: &str, from: f64, to: f64, cidrs: &[&str], description: Option<&str>) -> Value {
    let mut pairs = vec![
        ("protocol", s(protocol)),
        ("from_port", Value::number(from)),
        ("to_port", Value::number(to)),
        ("cidr_blocks", string_set(cidrs)),
    ];
    if let Some(d) = description {
        pairs.push(("description", s(d)));
    }
    obj(&pairs)
}

/// The rules of a group as (protocol, from, to, cidr, description), sorted.
fn cloud_rules(
    permissions: &[aws_sdk_ec2::types::IpPermission],
) -> Vec<(String, i32, i32, String, String)> {
    let mut out: Vec<_> = permissions
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(move |r| {
                (
                    p.ip_protocol().unwrap_or_default().to_string(),
                    p.from_port().unwrap_or(0),
                    p.to_port().unwrap_or(0),
                    r.cidr_ip().unwrap_or_default().to_string(),
                    r.description().unwrap_or_default().to_string(),
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn security_group_lifecycle() {
    let h = harness().await;
    let network = vpc(&h, "10.30.0.0/16").await;
    let vpc_id = attr(&network, "id");
    let config = |description: &str, ingress: Vec<Value>| {
        obj(&[
            ("name", s("web")),
            ("description", s(description)),
            ("vpc_id", s(&vpc_id)),
            ("ingress", Value::set_from(ingress)),
            (
                "egress",
                Value::set_from(vec![rule("tcp", 443.0, 443.0, &["10.0.0.0/8"], None)]),
            ),
            ("tags", tags(&[("Name", "web")])),
        ])
    };
    // "6" is how some configurations write tcp; the plan normalises it.
    let first = config(
        "web servers",
        vec![rule("6", 443.0, 443.0, &["0.0.0.0/0"], Some("https"))],
    );
    let state = h.create("aws_security_group", &first).await;
    let id = attr(&state, "id");
    let describe = || async {
        h.ec2
            .describe_security_groups()
            .group_ids(&id)
            .send()
            .await
            .unwrap()
            .security_groups()[0]
            .clone()
    };
    let cloud = describe().await;
    assert_eq!(cloud.group_name(), Some("web"));
    assert_eq!(
        cloud_rules(cloud.ip_permissions()),
        [("tcp".into(), 443, 443, "0.0.0.0/0".into(), "https".into())]
    );
    // The default allow-all egress rule is gone; only the configured one remains.
    assert_eq!(
        cloud_rules(cloud.ip_permissions_egress()),
        [("tcp".into(), 443, 443, "10.0.0.0/8".into(), String::new())]
    );

    let state = h
        .refresh_no_change("aws_security_group", &state, &first)
        .await;

    // Rules change in place: 443 goes, SSH from two ranges comes.
    let second = config(
        "web servers",
        vec![rule(
            "tcp",
            22.0,
            22.0,
            &["192.168.0.0/16", "10.0.0.0/8"],
            Some("ssh"),
        )],
    );
    let calls_before = (
        h.calls("RevokeSecurityGroupIngress"),
        h.calls("AuthorizeSecurityGroupIngress"),
    );
    let state = h.update("aws_security_group", &state, &second).await;
    assert_eq!(
        (
            h.calls("RevokeSecurityGroupIngress"),
            h.calls("AuthorizeSecurityGroupIngress")
        ),
        (calls_before.0 + 1, calls_before.1 + 1)
    );
    let cloud = describe().await;
    assert_eq!(
        cloud_rules(cloud.ip_permissions()),
        [
            ("tcp".into(), 22, 22, "10.0.0.0/8".into(), "ssh".into()),
            ("tcp".into(), 22, 22, "192.168.0.0/16".into(), "ssh".into())
        ]
    );
    let state = h
        .refresh_no_change("aws_security_group", &state, &second)
        .await;

    let third = config(
        "web and ssh",
        vec![rule(
            "tcp",
            22.0,
            22.0,
            &["192.168.0.0/16", "10.0.0.0/8"],
            Some("ssh"),
        )],
    );
    let state = h
        .replace("aws_security_group", &state, &third, "description")
        .await;
    assert!(h
        .ec2
        .describe_security_groups()
        .group_ids(&id)
        .send()
        .await
        .is_err());

    h.import_matches(
        "aws_security_group",
        &state,
        &third,
        &[
            "id",
            "arn",
            "name",
            "description",
            "vpc_id",
            "ingress",
            "egress",
            "tags",
        ],
    )
    .await;

    h.destroy("aws_security_group", &state).await;
    let new_id = attr(&state, "id");
    assert!(h
        .ec2
        .describe_security_groups()
        .group_ids(&new_id)
        .send()
        .await
        .is_err());
    h.destroy("aws_vpc", &network).await;
}

#[tokio::test]
async fn key_pair_lifecycle() {
    let h = harness().await;
    let config = |name: &str, team: &str| {
        obj(&[
            ("key_name", s(name)),
            ("public_key", s(KEY_1)),
            ("tags", tags(&[("Team", team)])),
        ])
    };
    let first = config("deploy", "ops");
    let state = h.create("aws_key_pair", &first).await;
    assert_eq!(attr(&state, "id"), "deploy");
    assert!(attr(&state, "key_pair_id").starts_with("key-"));
    assert!(!attr(&state, "fingerprint").is_empty());
    let cloud = h
        .ec2
        .describe_key_pairs()
        .key_names("deploy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cloud.key_pairs()[0].key_fingerprint(),
        Some(attr(&state, "fingerprint").as_str())
    );

    let state = h.refresh_no_change("aws_key_pair", &state, &first).await;

    let second = config("deploy", "platform");
    let state = h.update("aws_key_pair", &state, &second).await;
    let cloud = h
        .ec2
        .describe_key_pairs()
        .key_names("deploy")
        .send()
        .await
        .unwrap();
    assert_eq!(cloud.key_pairs()[0].tags()[0].value(), Some("platform"));
    let state = h.refresh_no_change("aws_key_pair", &state, &second).await;

    // A new key is a new key pair.
    let third = obj(&[
        ("key_name", s("deploy")),
        ("public_key", s(KEY_2)),
        ("tags", tags(&[("Team", "platform")])),
    ]);
    let response = h.plan("aws_key_pair", Some(&state), &third);
    assert_eq!(response.requires_replace, ["public_key"]);
    let fourth = config("deploy-2", "platform");
    let state = h.replace("aws_key_pair", &state, &fourth, "key_name").await;
    assert!(h
        .ec2
        .describe_key_pairs()
        .key_names("deploy")
        .send()
        .await
        .is_err());

    h.import_matches(
        "aws_key_pair",
        &state,
        &fourth,
        &[
            "id",
            "key_name",
            "fingerprint",
            "key_pair_id",
            "tags",
            "public_key",
            "arn",
        ],
    )
    .await;

    h.destroy("aws_key_pair", &state).await;
    assert!(h
        .ec2
        .describe_key_pairs()
        .key_names("deploy-2")
        .send()
        .await
        .is_err());
}

/// A provisioner block as the engine evaluates it, with the stack's
/// configuration map as its environment.
fn provisioner(script: &str) -> Value {
    obj(&[
        ("type", s("shell")),
        ("script", s(script)),
        (
            "environment",
            obj(&[
                ("APP_ENV", s("stage")),
                ("GREETING", s("it's \"quoted\" $HOME")),
            ]),
        ),
    ])
}

async fn cloud_instance(h: &Harness, id: &str) -> aws_sdk_ec2::types::Instance {
    h.ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .unwrap()
        .reservations()[0]
        .instances()[0]
        .clone()
}

async fn cloud_user_data(h: &Harness, id: &str) -> String {
    let attribute = h
        .ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(InstanceAttributeName::UserData)
        .send()
        .await
        .unwrap();
    let encoded = attribute
        .user_data()
        .and_then(|u| u.value())
        .unwrap_or_default()
        .to_string();
    String::from_utf8(aws_smithy_types::base64::decode(encoded).unwrap()).unwrap()
}

#[tokio::test]
async fn instance_lifecycle() {
    let h = harness().await;
    let network = vpc(&h, "10.40.0.0/16").await;
    let net = subnet(&h, &network, "10.40.1.0/24").await;
    let group = h
        .create(
            "aws_security_group",
            &obj(&[("name", s("app")), ("vpc_id", s(&attr(&network, "id")))]),
        )
        .await;
    let config = |ami: &str, size: &str, script: &str, name: &str| {
        obj(&[
            ("ami", s(ami)),
            ("instance_type", s(size)),
            ("subnet_id", s(&attr(&net, "id"))),
            ("vpc_security_group_ids", string_set(&[&attr(&group, "id")])),
            (
                "user_data",
                s("#!/bin/bash\necho user-data > /tmp/user-data\n"),
            ),
            ("tags", tags(&[("Name", name)])),
            ("provisioners", Value::List(vec![provisioner(script)])),
        ])
    };
    let first = config(AMI, "t3.micro", "#!/bin/bash\necho v1 > /tmp/app\n", "app");

    let messages = Arc::new(Mutex::new(Vec::new()));
    let planned = h.plan("aws_instance", None, &first).planned;
    let sha_v1 = attr(&planned, "provisioner_sha1");
    assert_eq!(sha_v1.len(), 40);
    let state = h
        .apply_with(
            "aws_instance",
            None,
            Some(&planned),
            Some(&first),
            Some(messages.clone()),
        )
        .await
        .unwrap();
    let seen = messages.lock().unwrap().clone();
    assert_eq!(
        seen.first().map(String::as_str),
        Some("NotInitialized"),
        "{seen:?}"
    );
    assert!(seen.iter().any(|m| m == "Building"), "{seen:?}");
    let id = attr(&state, "id");
    assert_eq!(attr(&state, "instance_state"), "Running");
    assert_eq!(attr(&state, "provisioner_sha1"), sha_v1);
    assert!(attr(&state, "arn").ends_with(&format!(":instance/{id}")));
    assert!(!attr(&state, "private_ip").is_empty());

    let cloud = cloud_instance(&h, &id).await;
    assert_eq!(cloud.image_id(), Some(AMI));
    assert_eq!(cloud.instance_type().map(|t| t.as_str()), Some("t3.micro"));
    assert_eq!(cloud.subnet_id(), Some(attr(&net, "id").as_str()));
    assert_eq!(
        cloud.security_groups()[0].group_id(),
        Some(attr(&group, "id").as_str())
    );
    assert_eq!(cloud.tags()[0].value(), Some("app"));
    let boot = cloud_user_data(&h, &id).await;
    assert!(boot.starts_with("#!/bin/bash\n"), "{boot}");
    assert!(boot.contains("export APP_ENV='stage'"), "{boot}");
    assert!(
        boot.contains("export GREETING='it'\\''s \"quoted\" $HOME'"),
        "{boot}"
    );
    let user = boot.find("echo user-data").unwrap();
    let script = boot.find("echo v1").unwrap();
    assert!(
        user < script,
        "user data runs before the provisioner:\n{boot}"
    );

    let state = h.refresh_no_change("aws_instance", &state, &first).await;

    // instance_type changes in place: stop, modify, start.
    let second = config(
        AMI,
        "t3.small",
        "#!/bin/bash\necho v1 > /tmp/app\n",
        "app-2",
    );
    let before = (
        h.calls("StopInstances"),
        h.calls("ModifyInstanceAttribute"),
        h.calls("StartInstances"),
    );
    let messages = Arc::new(Mutex::new(Vec::new()));
    let state = h
        .update_with("aws_instance", &state, &second, Some(messages.clone()))
        .await;
    assert_eq!(
        (
            h.calls("StopInstances"),
            h.calls("ModifyInstanceAttribute"),
            h.calls("StartInstances")
        ),
        (before.0 + 1, before.1 + 1, before.2 + 1)
    );
    let seen = messages.lock().unwrap().clone();
    let stopped = seen.iter().position(|m| m == "Stopped" || m == "Stopping");
    let running = seen.iter().rposition(|m| m == "Starting" || m == "Running");
    // moto stops and starts at once, so the waiter may see only the final
    // state; when it reports any, the order must be stop before start.
    if let (Some(stopped), Some(running)) = (stopped, running) {
        assert!(stopped < running, "{seen:?}");
    }
    assert_eq!(attr(&state, "instance_type"), "t3.small");
    assert_eq!(attr(&state, "instance_state"), "Running");
    let cloud = cloud_instance(&h, &id).await;
    assert_eq!(cloud.instance_type().map(|t| t.as_str()), Some("t3.small"));
    assert_eq!(
        cloud.state().and_then(|s| s.name()),
        Some(&InstanceStateName::Running)
    );
    assert_eq!(cloud.tags()[0].value(), Some("app-2"));
    let state = h.refresh_no_change("aws_instance", &state, &second).await;

    // A changed provisioner script replaces the machine, and the plan says
    // why: `provisioners`, with a new sha1.
    let third = config(
        AMI,
        "t3.small",
        "#!/bin/bash\necho v2 > /tmp/app\n",
        "app-2",
    );
    let response = h.plan("aws_instance", Some(&state), &third);
    assert_eq!(response.requires_replace, ["provisioners"]);
    let sha_v2 = attr(&response.planned, "provisioner_sha1");
    assert_ne!(sha_v2, sha_v1);
    let state = h
        .replace("aws_instance", &state, &third, "provisioners")
        .await;
    assert_eq!(attr(&state, "provisioner_sha1"), sha_v2);
    let old = cloud_instance(&h, &id).await;
    assert_eq!(
        old.state().and_then(|s| s.name()),
        Some(&InstanceStateName::Terminated)
    );
    assert_eq!(
        h.read("aws_instance", &obj(&[("id", s(&id))])).await,
        None,
        "a terminated instance reads as gone"
    );
    let id = attr(&state, "id");
    assert!(cloud_user_data(&h, &id).await.contains("echo v2"));

    // A new image replaces it too.
    let fourth = config(
        AMI_2,
        "t3.small",
        "#!/bin/bash\necho v2 > /tmp/app\n",
        "app-2",
    );
    let state = h.replace("aws_instance", &state, &fourth, "ami").await;
    assert_eq!(
        cloud_instance(&h, &attr(&state, "id")).await.image_id(),
        Some(AMI_2)
    );

    // Import recovers user_data and the provisioners' sha1 from the user
    // data stack wrote, so nothing is replaced.
    h.import_matches(
        "aws_instance",
        &state,
        &fourth,
        &[
            "id",
            "arn",
            "ami",
            "instance_type",
            "subnet_id",
            "vpc_security_group_ids",
            "private_ip",
            "tags",
            "instance_state",
            "user_data",
            "provisioner_sha1",
        ],
    )
    .await;

    let id = attr(&state, "id");
    let messages = Arc::new(Mutex::new(Vec::new()));
    let gone = h
        .apply_with(
            "aws_instance",
            Some(&state),
            None,
            None,
            Some(messages.clone()),
        )
        .await;
    assert!(gone.is_none());
    let old = cloud_instance(&h, &id).await;
    assert_eq!(
        old.state().and_then(|s| s.name()),
        Some(&InstanceStateName::Terminated)
    );
    assert_eq!(h.read("aws_instance", &state).await, None);

    h.destroy("aws_security_group", &group).await;
    h.destroy("aws_subnet", &net).await;
    h.destroy("aws_vpc", &network).await;
}

#[tokio::test]
async fn refreshing_500_instances_takes_at_most_5_describe_calls() {
    let h = harness().await;
    // One reservation per machine, as machines launched one by one are:
    // moto pages DescribeInstances at 100 reservations.
    let mut ids = Vec::new();
    for _ in 0..500 {
        let launched = h
            .ec2
            .run_instances()
            .image_id(AMI)
            .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
            .min_count(1)
            .max_count(1)
            .send()
            .await
            .unwrap();
        ids.push(launched.instances()[0].instance_id().unwrap().to_string());
    }
    let currents: Vec<Value> = ids.iter().map(|id| obj(&[("id", s(id))])).collect();
    let requests = || {
        currents
            .iter()
            .map(|current| ReadRequest {
                type_name: "aws_instance",
                current,
                private: None,
            })
            .collect::<Vec<_>>()
    };
    let before = h.calls("DescribeInstances");
    let results = h.provider.read_many(requests()).await;
    let calls = h.calls("DescribeInstances") - before;
    assert!(
        calls <= 5,
        "refreshing 500 instances took {calls} DescribeInstances calls"
    );
    assert_eq!(results.len(), 500);
    for (result, id) in results.iter().zip(&ids) {
        let state = result.as_ref().unwrap().new_state.as_ref().unwrap();
        assert_eq!(&attr(state, "id"), id);
        assert_eq!(attr(state, "instance_state"), "Running");
    }
    println!("BENCHMARK refresh of 500 aws_instance: {calls} DescribeInstances calls");

    // A terminated machine and an id that never existed read as gone; the
    // others are still found.
    h.ec2
        .terminate_instances()
        .instance_ids(&ids[7])
        .send()
        .await
        .unwrap();
    let mut currents = currents;
    currents.push(obj(&[("id", s("i-0123456789abcdef0"))]));
    let requests: Vec<ReadRequest<'_>> = currents
        .iter()
        .map(|current| ReadRequest {
            type_name: "aws_instance",
            current,
            private: None,
        })
        .collect();
    let results = h.provider.read_many(requests).await;
    let gone: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.as_ref().unwrap().new_state.is_none())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(gone, [7, 500]);
}

#[tokio::test]
async fn data_sources_list_zones_and_machine_sizes() {
    let h = harness().await;
    let zones = h
        .provider
        .read_data(ReadDataRequest {
            type_name: "aws_availability_zones",
            config: &obj(&[("state", s("available"))]),
        })
        .await
        .unwrap()
        .new_state
        .unwrap();
    let names: Vec<String> = zones
        .get_attr("names")
        .and_then(|n| n.as_list())
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"us-east-1a".to_string()), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        zones
            .get_attr("zone_ids")
            .and_then(|z| z.as_list())
            .map(<[Value]>::len),
        Some(names.len())
    );

    let sizes = h
        .provider
        .read_data(ReadDataRequest {
            type_name: "aws_instance_types",
            config: &obj(&[(
                "filter",
                Value::List(vec![obj(&[
                    ("name", s("instance-type")),
                    ("values", strings(&["t3.*"])),
                ])]),
            )]),
        })
        .await
        .unwrap()
        .new_state
        .unwrap();
    let types = sizes
        .get_attr("instance_types")
        .and_then(|t| t.as_list())
        .unwrap();
    let by_name: BTreeMap<String, &Value> = types
        .iter()
        .map(|t| (attr(t, "instance_type"), t))
        .collect();
    assert!(
        by_name.keys().all(|n| n.starts_with("t3.")),
        "{:?}",
        by_name.keys()
    );
    let micro = by_name["t3.micro"];
    assert_eq!(micro.get_attr("vcpus"), Some(&Value::number(2.0)));
    assert_eq!(micro.get_attr("memory_mib"), Some(&Value::number(1024.0)));
    assert_eq!(micro.get_attr("storage_gb"), Some(&Value::number(0.0)));
}
