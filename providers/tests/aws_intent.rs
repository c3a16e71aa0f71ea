//! Creates that are never lost or duplicated, against the AWS emulator:
//! every EC2 create carries its operation id as the `stack:intent` tag and
//! `find_created` finds the object by it; a create whose answer is lost to a
//! timeout (the emulator answers after the client gave up, having made the
//! object) makes exactly one object, checked through the SDK's own describe
//! and list calls; a create that fails after making its object returns the
//! object's state with the error.
//!
//! Every test sets `STACK_AWS_ATTEMPT_TIMEOUT` to the same short value before
//! it configures a provider, so the tests agree even when they share one
//! process.

mod common;
mod lifecycle;

use std::time::Duration;

use aws_sdk_ec2::types::Filter;
use common::{sdk_config, Emulator};
use engine::value::Value;
use lifecycle::{attr, Action, Harness};
use providers::aws::INTENT_TAG;
use serde_json::json;

const AMI: &str = "ami-12c6146b";
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOoESGnsCYowp84i8uvu0IxyCFSqw1VhjrlsUIVrV0wq test1";
/// Each attempt of an API call gives up after this long…
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// …and the emulator answers a delayed call only after this long.
const DELAY: Duration = Duration::from_secs(10);

/// Starts the emulator and warms it up through the test's own clients
/// (which have no attempt timeout): moto loads a service's code on its
/// first request, which can take longer than the short attempt timeout.
async fn setup() -> (Emulator, Harness, aws_sdk_ec2::Client) {
    let timeout = format!("{}s", ATTEMPT_TIMEOUT.as_secs());
    std::env::set_var("STACK_AWS_ATTEMPT_TIMEOUT", timeout);
    let emulator = Emulator::start();
    let config = sdk_config(&emulator).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    ec2.describe_vpcs().send().await.expect("warming up EC2");
    s3_client(&config)
        .list_buckets()
        .send()
        .await
        .expect("warming up S3");
    aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("warming up STS");
    let h = Harness::new(&emulator).await;
    (emulator, h, ec2)
}

fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

/// The tags of an EC2 object as the cloud holds them.
async fn cloud_tags(ec2: &aws_sdk_ec2::Client, id: &str) -> Vec<(String, String)> {
    let filter = Filter::builder().name("resource-id").values(id).build();
    let out = ec2.describe_tags().filters(filter).send().await.unwrap();
    let mut tags: Vec<(String, String)> = out
        .tags()
        .iter()
        .map(|t| {
            let key = t.key().unwrap_or_default().to_string();
            (key, t.value().unwrap_or_default().to_string())
        })
        .collect();
    tags.sort();
    tags
}

fn vpc_config(h: &Harness, cidr: &str) -> Value {
    h.config(
        "aws_vpc",
        json!({"cidr_block": cidr, "tags": {"Name": "net"}}),
    )
}

#[tokio::test]
async fn ec2_objects_are_found_by_their_intent_and_only_by_it() {
    let (_emulator, h, _ec2) = setup().await;
    let vpc = h
        .create_and_find("aws_vpc", &vpc_config(&h, "10.1.0.0/16"))
        .await;
    let vpc_id = attr(&vpc, "id");
    let subnet = h.config(
        "aws_subnet",
        json!({"vpc_id": vpc_id, "cidr_block": "10.1.1.0/24"}),
    );
    let subnet = h.create_and_find("aws_subnet", &subnet).await;
    let group = h.config("aws_security_group", json!({"vpc_id": vpc_id}));
    h.create_and_find("aws_security_group", &group).await;
    let key = h.config("aws_key_pair", json!({"public_key": KEY}));
    h.create_and_find("aws_key_pair", &key).await;
    let instance = h.config(
        "aws_instance",
        json!({"ami": AMI, "instance_type": "t3.micro", "subnet_id": attr(&subnet, "id")}),
    );
    h.create_and_find("aws_instance", &instance).await;
}

#[tokio::test]
async fn the_intent_tag_is_never_shown_and_survives_tag_updates() {
    let (_emulator, h, ec2) = setup().await;
    let config = vpc_config(&h, "10.2.0.0/16");
    let state = h.create("aws_vpc", &config).await;
    let id = attr(&state, "id");
    let state = h.assert_no_changes("aws_vpc", &state, &config).await;
    assert_eq!(
        state.get_attr("tags"),
        Some(&Value::from_json(&json!({"Name": "net"})))
    );
    let retagged = h.config(
        "aws_vpc",
        json!({"cidr_block": "10.2.0.0/16", "tags": {"Team": "web"}}),
    );
    let state = h.change("aws_vpc", &state, &retagged, Action::Update).await;
    h.assert_no_changes("aws_vpc", &state, &retagged).await;
    let tags = cloud_tags(&ec2, &id).await;
    let keys: Vec<&str> = tags.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["Team", INTENT_TAG], "{tags:?}");
}

#[tokio::test]
async fn a_create_vpc_whose_answer_times_out_makes_one_vpc() {
    let (emulator, h, ec2) = setup().await;
    emulator.delay_answers("CreateVpc", DELAY, 1);
    let state = lost_answer(h.create("aws_vpc", &vpc_config(&h, "10.3.0.0/16"))).await;
    let filter = Filter::builder()
        .name("cidr-block")
        .values("10.3.0.0/16")
        .build();
    let vpcs = ec2.describe_vpcs().filters(filter).send().await.unwrap();
    let ids: Vec<&str> = vpcs.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(
        ids,
        [attr(&state, "id")],
        "exactly one VPC, the one in state"
    );
    assert_eq!(calls(&h, "ec2:CreateVpc"), 1, "{:?}", h.api_calls());
}

#[tokio::test]
async fn a_create_security_group_whose_answer_times_out_makes_one_group() {
    let (emulator, h, ec2) = setup().await;
    let vpc = h.create("aws_vpc", &vpc_config(&h, "10.4.0.0/16")).await;
    emulator.delay_answers("CreateSecurityGroup", DELAY, 1);
    let config = h.config(
        "aws_security_group",
        json!({
            "name": "web",
            "vpc_id": attr(&vpc, "id"),
            "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
        }),
    );
    let state = lost_answer(h.create("aws_security_group", &config)).await;
    let filter = Filter::builder().name("group-name").values("web").build();
    let groups = ec2
        .describe_security_groups()
        .filters(filter)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = groups
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    assert_eq!(
        ids,
        [attr(&state, "id")],
        "exactly one group, the one in state"
    );
    // The adopted group went on to get its rules, as a created one would.
    h.assert_no_changes("aws_security_group", &state, &config)
        .await;
}

#[tokio::test]
async fn a_run_instances_whose_answer_times_out_launches_one_machine() {
    let (emulator, h, ec2) = setup().await;
    emulator.delay_answers("RunInstances", DELAY, 1);
    let config = h.config(
        "aws_instance",
        json!({"ami": AMI, "instance_type": "t3.micro", "tags": {"Name": "once"}}),
    );
    let state = lost_answer(h.create("aws_instance", &config)).await;
    let filter = Filter::builder().name("tag:Name").values("once").build();
    let out = ec2
        .describe_instances()
        .filters(filter)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| i.instance_id())
        .collect();
    assert_eq!(
        ids,
        [attr(&state, "id")],
        "exactly one machine, the one in state"
    );
}

#[tokio::test]
async fn a_create_bucket_whose_answer_times_out_makes_the_bucket_once() {
    let (emulator, h, _ec2) = setup().await;
    let s3 = s3_client(&sdk_config(&emulator).await);
    emulator.delay_answers("CreateBucket", DELAY, 1);
    let config = h.config(
        "aws_s3_bucket",
        json!({"bucket": "stack-once", "tags": {"team": "web"}}),
    );
    let state = lost_answer(h.create("aws_s3_bucket", &config)).await;
    let buckets = s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["stack-once"]);
    assert_eq!(attr(&state, "id"), "stack-once");
    assert_eq!(calls(&h, "s3:CreateBucket"), 1, "{:?}", h.api_calls());
    h.assert_no_changes("aws_s3_bucket", &state, &config).await;
}

#[tokio::test]
async fn a_named_create_whose_answer_times_out_adopts_its_object_instead_of_failing() {
    // Sent again, CreateApplication would be refused ("already exists"):
    // the application is found by its name and intent tag instead.
    let (emulator, h, _ec2) = setup().await;
    let eb = aws_sdk_elasticbeanstalk::Client::new(&sdk_config(&emulator).await);
    eb.describe_applications().send().await.expect("warming up");
    emulator.delay_answers("CreateApplication", DELAY, 1);
    let config = h.config(
        "aws_elastic_beanstalk_application",
        json!({"name": "once", "tags": {"team": "web"}}),
    );
    let state = lost_answer(h.create("aws_elastic_beanstalk_application", &config)).await;
    assert_eq!(attr(&state, "id"), "once");
    let apps = eb.describe_applications().send().await.unwrap();
    let names: Vec<&str> = apps
        .applications()
        .iter()
        .filter_map(|a| a.application_name())
        .collect();
    assert_eq!(names, ["once"]);
    h.assert_no_changes("aws_elastic_beanstalk_application", &state, &config)
        .await;
}

#[tokio::test]
async fn a_create_that_fails_after_making_its_object_returns_the_object() {
    let (_emulator, h, ec2) = setup().await;
    let vpc = h.create("aws_vpc", &vpc_config(&h, "10.5.0.0/16")).await;
    // The group is made, then its rule is refused: the address range is
    // not one.
    let config = h.config(
        "aws_security_group",
        json!({
            "name": "half",
            "vpc_id": attr(&vpc, "id"),
            "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/99"]}],
        }),
    );
    let operation_id = h.operation_id("aws_security_group");
    let (planned, result) = h
        .try_create("aws_security_group", &config, &operation_id)
        .await;
    let error = result.expect_err("the rule is refused");
    let partial = error
        .partial_state
        .unwrap_or_else(|| panic!("no partial state in {}", error.message));
    let id = attr(&partial, "id");
    assert_eq!(attr(&partial, "name"), "half");
    let groups = ec2.describe_security_groups().group_ids(&id).send().await;
    assert_eq!(groups.unwrap().security_groups().len(), 1, "{id} exists");
    let found = h
        .find_created("aws_security_group", &operation_id, &planned)
        .await
        .expect("found by its intent");
    assert_eq!(attr(&found, "id"), id);
    // What the engine keeps is enough to destroy the object.
    h.destroy("aws_security_group", &partial).await;
    let gone = ec2.describe_security_groups().group_ids(&id).send().await;
    assert!(gone.is_err(), "{id} was deleted");
}

/// Runs a create whose answer the emulator delays, and checks that the
/// provider gave up on the answer (the attempt timed out) and went on without
/// waiting for it: proof that the object was found rather than answered.
async fn lost_answer<T>(create: impl std::future::Future<Output = T>) -> T {
    let started = std::time::Instant::now();
    let result = create.await;
    let took = started.elapsed();
    assert!(
        took >= ATTEMPT_TIMEOUT && took < DELAY,
        "the create took {took:?}: no timeout, or it waited for the answer"
    );
    result
}

fn calls(h: &Harness, operation: &str) -> u64 {
    h.api_calls().get(operation).copied().unwrap_or(0)
}

/// Makes API calls through the provider; on its own it passes. Run by
/// [`the_abort_hook_kills_the_process_right_after_the_nth_answer`] in a
/// child process with the hook set, it must never get to its end.
#[tokio::test]
async fn calls_through_the_provider() {
    let (_emulator, h, _ec2) = setup().await;
    // Call 1 was STS GetCallerIdentity, when the provider was configured.
    h.create("aws_vpc", &vpc_config(&h, "10.6.0.0/16")).await;
    println!("CREATED");
}

#[test]
fn the_abort_hook_kills_the_process_right_after_the_nth_answer() {
    let test_binary = std::env::current_exe().expect("the test binary");
    let output = std::process::Command::new(test_binary)
        .args(["--exact", "calls_through_the_provider", "--nocapture"])
        .env("STACK_TEST_ABORT_AFTER_CALLS", "2")
        .output()
        .expect("running the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        output.status.signal(),
        Some(6),
        "expected SIGABRT after CreateVpc was answered; status {:?}, stdout:\n{stdout}",
        output.status
    );
    assert!(!stdout.contains("CREATED"), "{stdout}");
}
