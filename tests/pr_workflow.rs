//! The pull-request workflow of `examples/ci/`, end to end, with two CI
//! "runners": two temporary directories holding the same templates and
//! backend block, sharing no disk, only the S3 state on the AWS emulator and
//! the plan file passed between them as an artifact. Runner 1 plans to a
//! file and renders the markdown comment; runner 2 applies that file; a plan
//! made before another apply landed is refused, naming what moved. What was
//! made and stored is checked through the S3 API.

#[path = "../providers/tests/common/mod.rs"]
mod aws;
mod common;

use aws::Emulator;
use common::{flat, Run, Stack};

const BUCKET_STATE: &str = "pr-workflow-state";
const STATE_KEY: &str = "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=";

fn templates(assets_bucket: &str) -> String {
    format!(
        r#"
terraform {{
  backend "s3" {{
    bucket = "{BUCKET_STATE}"
    key    = "web/terraform.tfstate"
    region = "us-east-1"
  }}
}}

provider "aws" {{
  region = "us-east-1"
}}

variable "release" {{
  type    = string
  default = "r1"
}}

resource "aws_s3_bucket" "assets" {{
  bucket = "{assets_bucket}"
  tags = {{
    Release = var.release
  }}
}}

resource "terraform_data" "release" {{
  input = var.release
}}
"#
    )
}

struct Cloud {
    emulator: Emulator,
    runtime: tokio::runtime::Runtime,
}

impl Cloud {
    fn start() -> Cloud {
        let cloud = Cloud {
            emulator: Emulator::start(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        let s3 = cloud.s3();
        cloud
            .runtime
            .block_on(s3.create_bucket().bucket(BUCKET_STATE).send())
            .expect("CreateBucket");
        cloud
    }

    fn s3(&self) -> aws_sdk_s3::Client {
        self.runtime.block_on(async {
            let config = aws::sdk_config(&self.emulator).await;
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .build(),
            )
        })
    }

    /// A bucket's tags as the user set them (the `stack:intent` tag checked
    /// and left out), through the S3 API.
    fn bucket_tags(&self, bucket: &str) -> Vec<(String, String)> {
        let s3 = self.s3();
        self.runtime.block_on(async {
            let tags = s3
                .get_bucket_tagging()
                .bucket(bucket)
                .send()
                .await
                .expect("GetBucketTagging");
            let mut tags: std::collections::BTreeMap<String, String> = tags
                .tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            let intent = tags.remove(providers::aws::INTENT_TAG);
            assert!(intent.is_some_and(|i| i.starts_with("stack-")), "{tags:?}");
            tags.into_iter().collect()
        })
    }

    /// The keys in the state bucket.
    fn state_objects(&self) -> Vec<String> {
        let s3 = self.s3();
        self.runtime.block_on(async {
            let listed = s3
                .list_objects_v2()
                .bucket(BUCKET_STATE)
                .send()
                .await
                .expect("ListObjectsV2");
            listed
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect()
        })
    }
}

/// One CI runner: its own checkout, the cloud's endpoint and credentials,
/// and the sealing key from the CI secrets.
struct Runner<'c> {
    name: &'static str,
    checkout: Stack,
    cloud: &'c Cloud,
}

impl<'c> Runner<'c> {
    fn new(name: &'static str, cloud: &'c Cloud, assets_bucket: &str) -> Runner<'c> {
        Runner {
            name,
            checkout: Stack::with_main(&templates(assets_bucket)),
            cloud,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let endpoint = self.cloud.emulator.endpoint();
        self.checkout.run_with(
            args,
            &[
                ("AWS_ENDPOINT_URL", &endpoint),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
                ("STACK_STATE_KEY", STATE_KEY),
                ("CI", "true"),
            ],
        )
    }

    fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, 0, "{}: stack {args:?}\n{}", self.name, run.both());
        run
    }

    /// The plan artifact: read from this runner's checkout.
    fn artifact(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.checkout.path().join(file)).unwrap()
    }

    fn receive(&self, file: &str, bytes: &[u8]) {
        std::fs::write(self.checkout.path().join(file), bytes).unwrap();
    }
}

#[test]
fn a_plan_made_on_one_runner_is_applied_on_another_and_a_stale_one_is_refused() {
    let cloud = Cloud::start();
    let assets = "pr-workflow-assets";
    let runner1 = Runner::new("runner 1", &cloud, assets);
    let runner2 = Runner::new("runner 2", &cloud, assets);

    // The pull request: plan, comment, artifact.
    runner1.ok(&[
        "plan",
        "-input=false",
        "--deny-destroy",
        "--out",
        "plan.stack",
    ]);
    let comment = runner1.ok(&["show", "plan.stack", "--format", "markdown"]);
    assert!(
        comment
            .stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        comment.stdout
    );
    assert!(
        comment.stdout.contains("aws_s3_bucket.assets"),
        "{}",
        comment.stdout
    );
    assert!(
        cloud.state_objects().iter().all(|k| !k.ends_with(".stack")),
        "a plan writes no state"
    );

    // The merge: the other runner applies exactly the reviewed plan.
    runner2.receive("plan.stack", &runner1.artifact("plan.stack"));
    let applied = runner2.ok(&["apply", "plan.stack"]);
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 2 added"),
        "{}",
        applied.stdout
    );
    assert_eq!(
        cloud.bucket_tags(assets),
        [("Release".to_string(), "r1".to_string())]
    );
    assert!(
        cloud
            .state_objects()
            .contains(&"web/terraform.tfstate.stack".to_string()),
        "{:?}",
        cloud.state_objects()
    );
    // A plan applies at most once, on any runner.
    let again = runner1.run(&["apply", "plan.stack"]);
    assert_eq!(again.code, 1, "{}", again.both());

    // Two pull requests plan against the same state; one merges first.
    for runner in [&runner1, &runner2] {
        runner.checkout.write(
            "release.auto.tfvars",
            &format!("release = \"{}\"\n", runner.name.replace(' ', "-")),
        );
    }
    runner1.ok(&["plan", "--out", "first.stack"]);
    runner2.ok(&["plan", "--out", "second.stack"]);
    runner2.ok(&["apply", "second.stack"]);
    assert_eq!(
        cloud.bucket_tags(assets),
        [("Release".to_string(), "runner-2".to_string())]
    );
    let stale = runner1.run(&["apply", "first.stack"]);
    assert_eq!(stale.code, 1, "{}", stale.both());
    let message = flat(&stale.stderr);
    assert!(message.contains("Saved plan is stale"), "{message}");
    assert!(
        message.contains("but the state is now"),
        "says which versions: {message}"
    );
    assert!(
        message.contains("Written since: serial") && message.contains("(apply: "),
        "says who wrote what: {message}"
    );
    // Nothing of the stale plan reached the cloud.
    assert_eq!(
        cloud.bucket_tags(assets),
        [("Release".to_string(), "runner-2".to_string())]
    );
}
