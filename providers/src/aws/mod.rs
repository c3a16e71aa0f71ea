//! The AWS provider: Terraform-compatible resource names and arguments,
//! implemented with the official AWS SDK for Rust.
//!
//! Layout: this module holds the provider itself (configuration, clients,
//! dispatch); `retry` the backoff and waiter seam; `values` helpers to read
//! and build attribute values; one module per service holds its resources,
//! each an [`AwsResource`]. Every SDK call goes through [`Clients::call`],
//! which counts it (for `stack plan --stats`), classifies errors and retries
//! throttling with backoff; creates that are not safe to send twice go
//! through [`Clients::create`], which looks for the object before sending
//! again after an answer was lost.

pub mod acm;
pub mod beanstalk;
pub mod cloudfront;
pub mod cloudfront_access;
pub mod credentials;
pub mod ec2;
pub mod elasticache;
pub mod fields;
pub mod http;
pub mod iam;
pub mod listing;
pub mod managed;
pub mod meta;
pub mod parameter_group;
pub mod rds;
pub mod retry;
pub mod role_session;
pub mod route53;
pub mod s3;
pub mod s3_config;
pub mod s3_inline;
pub mod tagging_api;
pub mod tags;
pub mod values;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::provider::{
    plan_by_schema, ApplyRequest, ApplyResponse, AttrType, AttributeSchema, BlockSchema,
    ConfigureRequest, FindCreatedRequest, ImportRequest, Listed, Nesting, PlanRequest,
    PlanResponse, Provider, ProviderError, ProviderSchema, ReadDataRequest, ReadRequest,
    ReadResponse, Schema,
};
use engine::value::Value;

use retry::{
    classify, create_with_reconcile, may_have_taken_effect, random_jitter, with_retries, Created,
    ErrorClass, Failure, RetryPolicy,
};

/// The tag that carries a create's operation id on objects whose create
/// call takes no idempotency token (CreateVpc, CreateSubnet, …), so that
/// [`AwsResource::find_created`] can find them. It is ours, not the user's:
/// reads leave it out of `tags`, and tag updates never remove it, because
/// they only touch keys of the configured `tags`.
pub const INTENT_TAG: &str = "stack:intent";

/// The tags to create an object with: the configured ones plus the
/// [`INTENT_TAG`] carrying the operation id.
pub fn tags_with_intent(
    mut tags: BTreeMap<String, String>,
    operation_id: &str,
) -> BTreeMap<String, String> {
    tags.insert(INTENT_TAG.to_string(), operation_id.to_string());
    tags
}

/// The tags read back, without our own: what the `tags` attribute shows.
pub fn user_tags(tags: BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.into_iter().filter(|(k, _)| k != INTENT_TAG).collect()
}

/// Whether tags read back (all of them) say the object was made by the
/// create with `operation_id`. An object found by a user-chosen name
/// without it was made by someone else, and is not adopted.
pub fn made_by(tags: &BTreeMap<String, String>, operation_id: &str) -> bool {
    tags.get(INTENT_TAG).map(String::as_str) == Some(operation_id)
}

/// `state` if the object it describes was made by the create with
/// `operation_id`, judged by the tags `all_tags` lists for its `arn`: an
/// object found by a user-chosen name without our tag is someone else's.
pub async fn made_here<F, Fut, E>(
    state: Option<Value>,
    operation_id: &str,
    all_tags: F,
) -> Result<Option<Value>, ProviderError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, String>, E>>,
    E: Into<ProviderError>,
{
    let Some(state) = state else {
        return Ok(None);
    };
    let arn = values::required_str(&state, "arn")?;
    let tags = all_tags(arn).await.map_err(Into::into)?;
    Ok(made_by(&tags, operation_id).then_some(state))
}

/// How long one attempt of an API call may take before it is abandoned as
/// a timeout, unless `STACK_AWS_ATTEMPT_TIMEOUT` says otherwise. Generous,
/// because a hung request is the only thing it should catch.
const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// An error from one AWS API call, already classified.
#[derive(Debug, Clone)]
pub struct AwsError {
    pub service: &'static str,
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: String,
    /// The HTTP status of the answer, when one came back.
    pub status: Option<u16>,
    /// The request id AWS gave the call, for support cases.
    pub request_id: Option<String>,
    pub class: ErrorClass,
    /// No answer came back, or the server failed: the request may have been
    /// carried out, so a create must look before it sends again.
    pub may_have_taken_effect: bool,
}

impl AwsError {
    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::NotFound
    }

    pub(crate) fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        error: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        use aws_types::request_id::RequestId;
        let status = error.raw_response().map(|r| r.status().as_u16());
        let not_aws = error.raw_response().and_then(not_an_aws_reply);
        let code = match not_aws {
            Some(_) => None,
            None => error.code().map(str::to_string),
        };
        let may_have_taken_effect = may_have_taken_effect(code.as_deref(), status);
        let message = match (not_aws, error.message(), &error) {
            (Some(what), _, _) => what,
            (None, Some(m), _) => m.to_string(),
            (None, None, SdkError::DispatchFailure(_))
            | (None, None, SdkError::TimeoutError(_)) => {
                format!(
                    "could not reach the endpoint: {}",
                    engine::diagnostics::error_chain(&error)
                )
            }
            (None, None, _) => engine::diagnostics::error_chain(&error),
        };
        let request_id = error
            .request_id()
            .or_else(|| error.meta().request_id())
            .map(str::to_string);
        AwsError {
            service,
            operation,
            // A request that could not even be built will fail the same way
            // again; only answers and lost connections are worth retrying.
            class: if matches!(error, SdkError::ConstructionFailure(_)) {
                ErrorClass::Fatal
            } else {
                classify(code.as_deref(), status, &[])
            },
            code,
            // One line, whatever the server sent.
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            status,
            request_id,
            may_have_taken_effect,
        }
    }

    /// How the create seam judges this error.
    fn failure(&self) -> Failure {
        Failure {
            class: self.class,
            may_have_taken_effect: self.may_have_taken_effect,
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} failed: ", self.service, self.operation)?;
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        write!(f, "{}", self.message)?;
        match (self.status, &self.request_id) {
            (Some(status), Some(id)) => write!(f, " (HTTP {status}, request id {id})"),
            (Some(status), None) => write!(f, " (HTTP {status})"),
            (None, Some(id)) => write!(f, " (request id {id})"),
            (None, None) => Ok(()),
        }
    }
}

/// What an answer is when it is not from AWS at all: an HTML page (a
/// proxy's or a load balancer's error page, a web server at the wrong URL)
/// or a body that is neither XML nor JSON. AWS answers errors in XML or
/// JSON, so anything else is said plainly instead of as a parse failure.
fn not_an_aws_reply(response: &HttpResponse) -> Option<String> {
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = response.body().bytes().unwrap_or_default();
    let start: String = String::from_utf8_lossy(&body[..body.len().min(256)])
        .trim_start()
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    let html = content_type.contains("text/html")
        || start.starts_with("<!doctype html")
        || start.starts_with("<html");
    let status = response.status().as_u16();
    if html {
        return Some(format!(
            "the endpoint answered HTTP {status} with an HTML page, not an AWS API reply; check the endpoint URL and any proxy in between"
        ));
    }
    let structured = start.is_empty() || start.starts_with('<') || start.starts_with('{');
    (!structured && status >= 400).then(|| {
        format!(
            "the endpoint answered HTTP {status} with a body that is not an AWS API reply; check the endpoint URL and any proxy in between"
        )
    })
}

impl From<AwsError> for ProviderError {
    fn from(e: AwsError) -> ProviderError {
        ProviderError::new(e.to_string())
    }
}

/// A debug log line per API call attempt: service, operation, how long it
/// took, AWS's request id, and the error code if it failed. Never the
/// request's parameters or the answer's content, which may hold secrets.
fn log_call<T: RequestId, E: ProvideErrorMetadata>(
    service: &str,
    operation: &str,
    elapsed: Duration,
    result: &Result<T, SdkError<E, HttpResponse>>,
) {
    let duration_ms = elapsed.as_millis() as u64;
    match result {
        Ok(output) => tracing::debug!(
            service,
            operation,
            duration_ms,
            request_id = output.request_id().unwrap_or("-"),
            "AWS API call"
        ),
        Err(error) => tracing::debug!(
            service,
            operation,
            duration_ms,
            request_id = error.request_id().unwrap_or("-"),
            error = error.code().unwrap_or("no answer"),
            "AWS API call failed"
        ),
    }
}

/// Counts of API calls by `service:Operation`, for `stack plan --stats`.
#[derive(Debug, Default)]
pub struct CallStats(Mutex<BTreeMap<String, u64>>);

impl CallStats {
    pub fn count(&self, service: &str, operation: &str) {
        if let Ok(mut map) = self.0.lock() {
            *map.entry(format!("{service}:{operation}")).or_default() += 1;
        }
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// The configured SDK clients, one per service.
pub struct Clients {
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub elasticache: aws_sdk_elasticache::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
    pub beanstalk: aws_sdk_elasticbeanstalk::Client,
    pub s3: aws_sdk_s3::Client,
    pub sts: aws_sdk_sts::Client,
    pub iam: aws_sdk_iam::Client,
    pub route53: aws_sdk_route53::Client,
    pub acm: aws_sdk_acm::Client,
    /// The Resource Groups Tagging API, for the tags of many objects at once.
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub stats: Arc<CallStats>,
    pub retry: RetryPolicy,
    /// How often waiters poll; short against an emulator.
    pub poll_interval: Duration,
    /// Who the credentials belong to, asked of STS once per run.
    pub identity: tokio::sync::OnceCell<Identity>,
    /// Whether ARNs stack builds may ask STS for the account id; off with
    /// `skip_requesting_account_id`.
    pub request_account_id: bool,
}

/// The caller's identity, from STS GetCallerIdentity.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

impl Clients {
    /// Who the credentials belong to: STS GetCallerIdentity, asked once.
    pub async fn caller_identity(&self) -> Result<&Identity, AwsError> {
        self.identity
            .get_or_try_init(|| async {
                let sts = &self.sts;
                let out = self
                    .call("sts", "GetCallerIdentity", || {
                        sts.get_caller_identity().send()
                    })
                    .await?;
                Ok(Identity {
                    account: out.account().unwrap_or_default().to_string(),
                    arn: out.arn().unwrap_or_default().to_string(),
                    user_id: out.user_id().unwrap_or_default().to_string(),
                })
            })
            .await
    }

    /// The caller's account id, for ARNs the API does not return; `None`
    /// when STS cannot tell (the ARN then has an empty account field).
    pub async fn account_id(&self) -> Option<String> {
        if !self.request_account_id {
            return None;
        }
        self.caller_identity()
            .await
            .ok()
            .map(|i| i.account.clone())
            .filter(|a| !a.is_empty())
    }

    /// The AWS partition of the configured region.
    pub fn partition(&self) -> &'static str {
        partition(&self.region)
    }

    /// Makes one API call: counted, classified, and retried with backoff
    /// when throttled or failing transiently. Only for requests that are
    /// safe to send twice: reads, updates, deletes, and creates that carry
    /// an idempotency token AWS honours. Other creates use [`Clients::create`].
    pub async fn call<T, E, F, Fut>(
        &self,
        service: &'static str,
        operation: &'static str,
        f: F,
    ) -> Result<T, AwsError>
    where
        T: RequestId,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        with_retries(
            self.retry,
            || self.attempt(service, operation, &f),
            |e: &AwsError| e.class,
            tokio::time::sleep,
            random_jitter,
        )
        .await
    }

    /// Makes a create call that must never make two objects. Throttling is
    /// retried as by [`Clients::call`]; but when an attempt may have been
    /// carried out without its answer reaching us (a timeout, a lost
    /// connection, a server failure), `find` looks for the object by the
    /// token, tag or name the request carries before anything is sent
    /// again. A found object comes back as [`Created::Found`].
    pub async fn create<T, U, E, F, Fut, R, RF>(
        &self,
        service: &'static str,
        operation: &'static str,
        send: F,
        find: R,
    ) -> Result<Created<T, U>, AwsError>
    where
        T: RequestId,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: Fn() -> RF,
        RF: Future<Output = Result<Option<U>, ProviderError>>,
    {
        create_with_reconcile(
            self.retry,
            || self.attempt(service, operation, &send),
            || async {
                find().await.map_err(|e| AwsError {
                    service,
                    operation,
                    code: None,
                    message: format!(
                        "its answer was lost, and looking for the object it may have made failed: {e}"
                    ),
                    status: None,
                    request_id: None,
                    class: ErrorClass::Fatal,
                    may_have_taken_effect: true,
                })
            },
            AwsError::failure,
            tokio::time::sleep,
            random_jitter,
        )
        .await
    }

    /// One attempt of a call: counted, sent, and classified.
    async fn attempt<T, E, F, Fut>(
        &self,
        service: &'static str,
        operation: &'static str,
        f: &F,
    ) -> Result<T, AwsError>
    where
        T: RequestId,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.stats.count(service, operation);
        let started = std::time::Instant::now();
        let result = f().await;
        log_call(service, operation, started.elapsed(), &result);
        let answered = match &result {
            Ok(_) => true,
            Err(e) => e.raw_response().is_some(),
        };
        if answered {
            abort_hook::answered();
        }
        result.map_err(|e| AwsError::from_sdk(service, operation, e))
    }

    /// Waits for an asynchronous resource, reporting each new status.
    /// `progress` is `Sync` so that the future stays `Send`, as the
    /// `async_trait` methods of [`AwsResource`] require.
    pub async fn wait<T, C, CF>(
        &self,
        what: &str,
        timeout: Duration,
        progress: &(dyn Fn(&str) + Sync),
        check: C,
    ) -> Result<T, ProviderError>
    where
        C: FnMut() -> CF,
        CF: Future<Output = Result<retry::Poll<T>, ProviderError>>,
    {
        retry::wait_until(
            what,
            timeout,
            self.poll_interval,
            check,
            tokio::time::sleep,
            progress,
            ProviderError::new,
        )
        .await
    }
}

/// A test hook for kill tests, not a feature: with
/// `STACK_TEST_ABORT_AFTER_CALLS=N` in the environment, the process aborts
/// (`std::process::abort`, as abrupt as SIGKILL) right after the Nth AWS API
/// call of the process has been answered, before its caller sees the
/// answer. That is the moment a crash loses the most: the cloud changed and
/// nothing recorded it. The variable is read once; unset, each call costs
/// one check of a cached `None`.
mod abort_hook {
    use super::{AtomicU64, OnceLock, Ordering};

    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static ANSWERED: AtomicU64 = AtomicU64::new(0);

    fn limit() -> Option<u64> {
        *LIMIT.get_or_init(|| {
            std::env::var("STACK_TEST_ABORT_AFTER_CALLS")
                .ok()
                .and_then(|n| n.trim().parse().ok())
                .filter(|n| *n > 0)
        })
    }

    /// Counts an answered call, and aborts when it is the one asked for.
    pub(super) fn answered() {
        if let Some(limit) = limit() {
            if ANSWERED.fetch_add(1, Ordering::SeqCst) + 1 == limit {
                std::process::abort();
            }
        }
    }
}

/// One AWS resource type.
#[async_trait]
pub trait AwsResource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Plans like [`plan_by_schema`] unless the resource knows better.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        plan_by_schema(schema, request.prior, request.config)
    }
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError>;
    async fn update(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<Value, ProviderError>;
    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
    ) -> Result<(), ProviderError>;
    /// Reads the real object; `None` when it no longer exists.
    async fn read(
        &self,
        clients: &Clients,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError>;
    /// Reads many objects; resources whose API can describe many ids in one
    /// call override this to batch.
    async fn read_many(
        &self,
        clients: &Clients,
        currents: &[&Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out = Vec::with_capacity(currents.len());
        for current in currents {
            out.push(self.read(clients, current).await);
        }
        out
    }
    /// Finds an existing object by its id for `stack import`.
    async fn import(&self, clients: &Clients, id: &str) -> Result<Option<Value>, ProviderError>;
    /// The id [`AwsResource::import`] takes for an object Terraform's AWS
    /// provider recorded with `attributes`: its `id`, unless the type says
    /// otherwise.
    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        attribute_text(attributes, "id")
    }
    /// Finds the object a create with `operation_id` made, if any, by the
    /// token, `stack:intent` tag or name that create carried (`planned` is
    /// the value it was planned with, so user-chosen names are there), and
    /// returns what [`AwsResource::read`] would. Required, so that no
    /// resource type can forget it.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<Value>, ProviderError>;
}

/// One AWS data source.
#[async_trait]
pub trait AwsDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    async fn read(&self, clients: &Clients, config: &Value) -> Result<Value, ProviderError>;
}

pub struct AwsProvider {
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn AwsResource>>,
    data_sources: BTreeMap<&'static str, Box<dyn AwsDataSource>>,
    clients: OnceLock<Clients>,
    /// `default_tags` and `ignore_tags` of this provider block.
    tag_policy: OnceLock<tags::TagPolicy>,
    stats: Arc<CallStats>,
}

/// The services whose endpoints can be overridden in `endpoints { … }`.
pub const SERVICES: &[&str] = &[
    "ec2",
    "rds",
    "elasticache",
    "cloudfront",
    "elasticbeanstalk",
    "s3",
    "sts",
    "iam",
    "route53",
    "acm",
    "resourcegroupstaggingapi",
];

/// Terraform's names for the endpoints of services `stack` does not call:
/// accepted in `endpoints { … }` so that configurations written for
/// Terraform (emulator setups list dozens) load, and unused.
const OTHER_ENDPOINTS: &[&str] = &[
    "accessanalyzer",
    "account",
    "acmpca",
    "amp",
    "amplify",
    "apigateway",
    "apigatewayv2",
    "appautoscaling",
    "appconfig",
    "appflow",
    "appmesh",
    "apprunner",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "bedrock",
    "budgets",
    "ce",
    "cloudcontrol",
    "cloudformation",
    "cloudhsmv2",
    "cloudsearch",
    "cloudtrail",
    "cloudwatch",
    "cloudwatchlogs",
    "codeartifact",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognitoidentity",
    "cognitoidp",
    "comprehend",
    "configservice",
    "datasync",
    "dax",
    "directconnect",
    "dlm",
    "dms",
    "docdb",
    "ds",
    "dynamodb",
    "ecr",
    "ecrpublic",
    "ecs",
    "efs",
    "eks",
    "elasticsearch",
    "elb",
    "elbv2",
    "emr",
    "es",
    "events",
    "firehose",
    "fsx",
    "glacier",
    "glue",
    "guardduty",
    "inspector",
    "iot",
    "kafka",
    "kinesis",
    "kms",
    "lakeformation",
    "lambda",
    "lightsail",
    "logs",
    "memorydb",
    "mq",
    "neptune",
    "opensearch",
    "organizations",
    "pinpoint",
    "pipes",
    "qldb",
    "ram",
    "redshift",
    "resourcegroups",
    "route53domains",
    "route53resolver",
    "s3control",
    "sagemaker",
    "scheduler",
    "secretsmanager",
    "securityhub",
    "servicediscovery",
    "servicequotas",
    "ses",
    "sesv2",
    "sfn",
    "shield",
    "sns",
    "sqs",
    "ssm",
    "sso",
    "ssoadmin",
    "stepfunctions",
    "swf",
    "synthetics",
    "timestreamwrite",
    "transfer",
    "waf",
    "wafregional",
    "wafv2",
    "xray",
];

fn single_block(name: &'static str, schema: Schema) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::Single,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema,
    }
}

fn provider_schema() -> Schema {
    let mut endpoints =
        Schema::new("Per-service endpoint URLs, e.g. for an emulator on 127.0.0.1.");
    let mut names: Vec<&str> = SERVICES.iter().chain(OTHER_ENDPOINTS).copied().collect();
    names.sort_unstable();
    names.dedup();
    for service in names {
        endpoints = endpoints.attr(
            AttributeSchema::optional(service, AttrType::String)
                .describe("The endpoint URL for this service."),
        );
    }
    let strings = || AttrType::list_of(AttrType::String);
    let assume_role = Schema::new(
        "A role to assume through STS AssumeRole; its credentials make every call.",
    )
    .attr(
        AttributeSchema::optional("role_arn", AttrType::String)
            .describe("The ARN of the role to assume."),
    )
    .attr(
        AttributeSchema::optional("session_name", AttrType::String)
            .describe("The session name (shown in the assumed role's ARN)."),
    )
    .attr(
        AttributeSchema::optional("external_id", AttrType::String)
            .describe("The external id the role's trust policy asks for."),
    )
    .attr(
        AttributeSchema::optional("duration", AttrType::String).describe(
            "How long the session lasts, e.g. \"1h\" (15 minutes up to the role's maximum).",
        ),
    )
    .attr(
        AttributeSchema::optional("policy", AttrType::String)
            .describe("A policy JSON further restricting the session."),
    )
    .attr(
        AttributeSchema::optional("policy_arns", AttrType::set_of(AttrType::String))
            .describe("ARNs of policies further restricting the session."),
    )
    .attr(
        AttributeSchema::optional("source_identity", AttrType::String)
            .describe("The source identity of the session."),
    )
    .attr(
        AttributeSchema::optional("tags", AttrType::map_of(AttrType::String))
            .describe("Session tags."),
    )
    .attr(
        AttributeSchema::optional("transitive_tag_keys", AttrType::set_of(AttrType::String))
            .describe("Session tag keys passed on to later sessions."),
    );
    let web_identity = Schema::new(
        "A role assumed through STS AssumeRoleWithWebIdentity with an OpenID Connect token (CI, Kubernetes service accounts).",
    )
    .attr(
        AttributeSchema::optional("role_arn", AttrType::String)
            .describe("The ARN of the role to assume (else AWS_ROLE_ARN)."),
    )
    .attr(
        AttributeSchema::optional("session_name", AttrType::String)
            .describe("The session name (else AWS_ROLE_SESSION_NAME)."),
    )
    .attr(
        AttributeSchema::optional("web_identity_token", AttrType::String)
            .sensitive()
            .describe("The token itself; one of it and web_identity_token_file is needed."),
    )
    .attr(
        AttributeSchema::optional("web_identity_token_file", AttrType::String).describe(
            "A file holding the token, read again for each session (else AWS_WEB_IDENTITY_TOKEN_FILE).",
        ),
    )
    .attr(
        AttributeSchema::optional("duration", AttrType::String).describe(
            "How long the session lasts, e.g. \"1h\" (15 minutes up to the role's maximum).",
        ),
    )
    .attr(
        AttributeSchema::optional("policy", AttrType::String)
            .describe("A policy JSON further restricting the session."),
    )
    .attr(
        AttributeSchema::optional("policy_arns", AttrType::set_of(AttrType::String))
            .describe("ARNs of policies further restricting the session."),
    );
    let default_tags = Schema::new("Tags every taggable resource of this provider gets.").attr(
        AttributeSchema::optional("tags", AttrType::map_of(AttrType::String))
            .describe("Tags merged under each resource's own tags (the resource's value wins)."),
    );
    let ignore_tags = Schema::new("Tags managed elsewhere: never shown in diffs, never removed.")
        .attr(
            AttributeSchema::optional("keys", AttrType::set_of(AttrType::String))
                .describe("Tag keys to ignore."),
        )
        .attr(
            AttributeSchema::optional("key_prefixes", AttrType::set_of(AttrType::String))
                .describe("Prefixes of tag keys to ignore."),
        );
    Schema::new("Amazon Web Services.")
        .attr(AttributeSchema::optional("region", AttrType::String).describe("The AWS region; otherwise AWS_REGION or the profile's region."))
        .attr(AttributeSchema::optional("profile", AttrType::String).describe("A profile of the shared AWS config and credentials files."))
        .attr(AttributeSchema::optional("shared_config_files", strings()).describe("Shared config files to read instead of ~/.aws/config."))
        .attr(AttributeSchema::optional("shared_credentials_files", strings()).describe("Shared credentials files to read instead of ~/.aws/credentials."))
        .attr(AttributeSchema::optional("access_key", AttrType::String).sensitive().describe("An access key id; otherwise the standard credential chain."))
        .attr(AttributeSchema::optional("secret_key", AttrType::String).sensitive().describe("The secret access key that goes with access_key."))
        .attr(AttributeSchema::optional("token", AttrType::String).sensitive().describe("The session token of temporary credentials."))
        .attr(AttributeSchema::optional("allowed_account_ids", AttrType::set_of(AttrType::String)).describe("The only accounts the credentials may belong to."))
        .attr(AttributeSchema::optional("forbidden_account_ids", AttrType::set_of(AttrType::String)).describe("Accounts the credentials must not belong to."))
        .attr(AttributeSchema::optional("max_retries", AttrType::Number).describe("How many times a throttled or transiently failing call is retried (default 25, as Terraform's; else AWS_MAX_ATTEMPTS less one)."))
        .attr(AttributeSchema::optional("retry_mode", AttrType::String).describe("\"standard\" or \"adaptive\"; both mean stack's own backoff: exponential with full jitter, throttling and transient errors only."))
        .attr(AttributeSchema::optional("token_bucket_rate_limiter_capacity", AttrType::Number).describe("Accepted for Terraform compatibility: stack has no client-side retry quota, its backoff spreads retries instead."))
        .attr(AttributeSchema::optional("custom_ca_bundle", AttrType::String).describe("A PEM file of certificates trusted besides the system's (else AWS_CA_BUNDLE), e.g. a TLS-inspecting proxy's CA."))
        .attr(AttributeSchema::optional("http_proxy", AttrType::String).describe("The proxy for plain HTTP requests (else HTTP_PROXY)."))
        .attr(AttributeSchema::optional("https_proxy", AttrType::String).describe("The proxy for HTTPS requests (else HTTPS_PROXY); \"\" for none, to use http_proxy alone."))
        .attr(AttributeSchema::optional("no_proxy", AttrType::String).describe("Comma-separated hosts, IPs or CIDRs reached without a proxy (else NO_PROXY)."))
        .attr(AttributeSchema::optional("insecure", AttrType::Bool).describe("Only false is accepted: stack always verifies TLS certificates (see custom_ca_bundle)."))
        .attr(AttributeSchema::optional("use_fips_endpoint", AttrType::Bool).describe("Resolve every service's FIPS endpoint (a service's `endpoints` entry still wins)."))
        .attr(AttributeSchema::optional("use_dualstack_endpoint", AttrType::Bool).describe("Resolve every service's IPv4/IPv6 dual-stack endpoint."))
        .attr(AttributeSchema::optional("ec2_metadata_service_endpoint", AttrType::String).describe("The instance metadata service (IMDS) URL credentials are read from (else AWS_EC2_METADATA_SERVICE_ENDPOINT)."))
        .attr(AttributeSchema::optional("ec2_metadata_service_endpoint_mode", AttrType::String).describe("\"IPv4\" or \"IPv6\": which default IMDS address to use."))
        .attr(AttributeSchema::optional("s3_us_east_1_regional_endpoint", AttrType::String).describe("\"legacy\" or \"regional\"; the AWS SDK for Rust always calls S3's regional endpoint in us-east-1, which serves both."))
        .attr(
            AttributeSchema::optional("skip_credentials_validation", AttrType::Bool)
                .describe("Skip the STS GetCallerIdentity call that checks the credentials before any change."),
        )
        .attr(AttributeSchema::optional("skip_region_validation", AttrType::Bool).describe("Accept any region name (for AWS-compatible APIs with their own)."))
        .attr(AttributeSchema::optional("skip_requesting_account_id", AttrType::Bool).describe("Do not ask STS for the account id; ARNs stack builds then have an empty account."))
        .attr(AttributeSchema::optional("skip_metadata_api_check", AttrType::Bool).describe("Never take credentials from the EC2 instance metadata service."))
        .attr(AttributeSchema::optional("sts_region", AttrType::String).describe("The region STS is called in (for assume_role)."))
        .attr(AttributeSchema::optional("s3_use_path_style", AttrType::Bool).describe("Address S3 buckets in the path (https://s3.amazonaws.com/BUCKET) instead of the host name."))
        .attr(AttributeSchema::optional("poll_interval", AttrType::String).describe("How often to poll resources that are changing, e.g. \"5s\" (default 5s)."))
        .block(single_block("endpoints", endpoints))
        .block(single_block("assume_role", assume_role))
        .block(single_block("assume_role_with_web_identity", web_identity))
        .block(single_block("default_tags", default_tags))
        .block(single_block("ignore_tags", ignore_tags))
}

impl AwsProvider {
    pub fn new() -> AwsProvider {
        let mut resources: Vec<Box<dyn AwsResource>> = Vec::new();
        resources.extend(ec2::resources());
        resources.extend(rds::resources());
        resources.extend(elasticache::resources());
        resources.extend(s3::resources());
        resources.extend(cloudfront::resources());
        resources.extend(beanstalk::resources());
        resources.extend(iam::resources());
        resources.extend(parameter_group::resources());
        resources.extend(s3_config::resources());
        resources.extend(cloudfront_access::resources());
        resources.extend(route53::resources());
        resources.extend(acm::resources());
        let mut data_sources: Vec<Box<dyn AwsDataSource>> = Vec::new();
        data_sources.extend(ec2::data_sources());
        data_sources.extend(meta::data_sources());
        data_sources.push(Box::new(iam::policy_document::PolicyDocument));
        let mut schema = ProviderSchema {
            provider: provider_schema(),
            ..ProviderSchema::default()
        };
        for r in &resources {
            schema
                .resources
                .insert(r.type_name(), tags::with_tags_all(r.schema()));
        }
        for d in &data_sources {
            schema.data_sources.insert(d.type_name(), d.schema());
        }
        AwsProvider {
            schema,
            resources: resources.into_iter().map(|r| (r.type_name(), r)).collect(),
            data_sources: data_sources
                .into_iter()
                .map(|d| (d.type_name(), d))
                .collect(),
            clients: OnceLock::new(),
            tag_policy: OnceLock::new(),
            stats: Arc::new(CallStats::default()),
        }
    }

    fn clients(&self) -> Result<&Clients, ProviderError> {
        self.clients
            .get()
            .ok_or_else(|| ProviderError::new("the aws provider was used before it was configured"))
    }

    fn tag_policy(&self) -> &tags::TagPolicy {
        static NONE: OnceLock<tags::TagPolicy> = OnceLock::new();
        self.tag_policy
            .get()
            .unwrap_or_else(|| NONE.get_or_init(tags::TagPolicy::default))
    }

    fn taggable(&self, type_name: &str) -> bool {
        self.schema
            .resources
            .get(type_name)
            .is_some_and(tags::taggable)
    }

    /// A value a resource type returned, with `tags` and `tags_all` as the
    /// provider block's tag settings make them.
    fn tags_from_api(&self, type_name: &str, value: Value, configured: &Value) -> Value {
        if self.taggable(type_name) {
            self.tag_policy().from_api(value, configured)
        } else {
            value
        }
    }

    /// The same for the state an error keeps of an object it created.
    fn partial_from_api(
        &self,
        type_name: &str,
        mut error: ProviderError,
        configured: &Value,
    ) -> ProviderError {
        if let Some(partial) = error.partial_state.take() {
            error.partial_state = Some(self.tags_from_api(type_name, partial, configured));
        }
        error
    }

    fn resource(&self, type_name: &str) -> Result<&dyn AwsResource, ProviderError> {
        self.resources
            .get(type_name)
            .map(|r| r.as_ref())
            .ok_or_else(|| {
                ProviderError::new(format!("the aws provider has no resource type {type_name}"))
            })
    }
}

impl Default for AwsProvider {
    fn default() -> Self {
        AwsProvider::new()
    }
}

fn config_error(detail: impl Into<String>) -> Diagnostics {
    Diagnostic::error("Invalid AWS provider configuration", detail).into()
}

/// The attempt timeout: `STACK_AWS_ATTEMPT_TIMEOUT` (e.g. "90s", "2m") or
/// the default.
fn attempt_timeout() -> Result<Duration, Diagnostics> {
    match std::env::var("STACK_AWS_ATTEMPT_TIMEOUT") {
        Ok(text) if !text.trim().is_empty() => {
            match engine::builtin::time::parse_duration(text.trim()) {
                Ok(d) if !d.is_zero() => Ok(d),
                Ok(_) => Err(config_error(
                    "STACK_AWS_ATTEMPT_TIMEOUT must be longer than zero.",
                )),
                Err(e) => Err(config_error(format!(
                    "STACK_AWS_ATTEMPT_TIMEOUT {e}; write a duration such as \"90s\" or \"2m\"."
                ))),
            }
        }
        _ => Ok(DEFAULT_ATTEMPT_TIMEOUT),
    }
}

/// The SDK configuration the provider block asks for: region, HTTP client
/// (trusted certificates, proxies), endpoint variants, the credential
/// source and any role session on top of it.
async fn load_sdk_config(
    config: &Value,
    stats: &Arc<CallStats>,
) -> Result<(SdkConfig, String), Diagnostics> {
    use values::{bool_attr, str_attr};
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        // Our own retry seam does the retrying (see `retry`), so the SDK's is off.
        .retry_config(aws_config::retry::RetryConfig::disabled())
        // A hung request becomes a timeout, which the retry seam handles.
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(attempt_timeout()?)
                .build(),
        );
    if let Some(region) = str_attr(config, "region") {
        loader = loader.region(aws_config::Region::new(region));
    }
    if let Some(client) = http::http_client(config, &values::env_var)? {
        loader = loader.http_client(client);
    }
    if let Some(fips) = bool_attr(config, "use_fips_endpoint") {
        loader = loader.use_fips(fips);
    }
    if let Some(dual_stack) = bool_attr(config, "use_dualstack_endpoint") {
        loader = loader.use_dual_stack(dual_stack);
    }
    check_choices(config)?;
    let loader = credentials::configure_loader(config, loader).await?;
    let sdk = loader.load().await;
    let Some(region) = sdk
        .region()
        .map(|r| r.to_string())
        .filter(|r| !r.is_empty())
    else {
        return Err(config_error(
            "No AWS region is set. Set `region` in the provider \"aws\" block, or the AWS_REGION environment variable.",
        ));
    };
    credentials::check_region(config, &region)?;
    let sdk = match role_session::RoleSession::from_config(config)? {
        Some(session) => role_session::with_role_session(
            sdk,
            session,
            tags::block_str(config, "endpoints", "sts"),
            str_attr(config, "sts_region"),
            stats.clone(),
        ),
        None => sdk,
    };
    Ok((sdk, region))
}

/// The provider arguments that take one of a few words, checked before
/// anything is called.
fn check_choices(config: &Value) -> Result<(), Diagnostics> {
    let choices: [(&str, &[&str]); 3] = [
        ("retry_mode", &["standard", "adaptive"]),
        ("s3_us_east_1_regional_endpoint", &["legacy", "regional"]),
        ("ec2_metadata_service_endpoint_mode", &["IPv4", "IPv6"]),
    ];
    for (name, allowed) in choices {
        if let Some(value) = values::str_attr(config, name) {
            if !allowed.contains(&value.as_str()) {
                return Err(config_error(format!(
                    "`{name}` = \"{value}\" is not one of {}.",
                    allowed
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// Retries after the first attempt: `max_retries`, else `AWS_MAX_ATTEMPTS`
/// (which counts the first attempt too), else Terraform's default of 25.
fn max_retries(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Result<u32, Diagnostics> {
    if let Some(n) = values::number_attr(config, "max_retries") {
        return Ok(n.max(0.0) as u32);
    }
    match env("AWS_MAX_ATTEMPTS") {
        Some(text) => match text.trim().parse::<u32>() {
            Ok(attempts) => Ok(attempts.saturating_sub(1)),
            Err(_) => Err(config_error(format!(
                "AWS_MAX_ATTEMPTS = \"{text}\" is not a whole number of attempts."
            ))),
        },
        None => Ok(25),
    }
}

/// Loads the credentials once before anything is planned, so that missing
/// or broken ones are one clear error instead of a failure per call.
async fn check_credentials_load(sdk: &SdkConfig) -> Result<(), Diagnostics> {
    match sdk.credentials_provider() {
        Some(provider) => {
            if let Err(e) = provider.provide_credentials().await {
                return Err(Diagnostic::error(
                    "No valid AWS credentials",
                    format!(
                        "The AWS credentials could not be loaded: {}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use a profile (AWS_PROFILE or `profile`), or set access_key/secret_key in the provider block. Nothing was changed.",
                        engine::diagnostics::error_chain(&e)
                    ),
                )
                .into());
            }
        }
        None => {
            return Err(Diagnostic::error(
                "No valid AWS credentials",
                "No AWS credential provider is configured. Nothing was changed.",
            )
            .into());
        }
    }
    Ok(())
}

/// Builds the SDK configuration and clients from the `provider "aws"` block.
async fn build_clients(config: &Value, stats: Arc<CallStats>) -> Result<Clients, Diagnostics> {
    use values::{bool_attr, str_attr};
    let (sdk, region) = load_sdk_config(config, &stats).await?;
    let endpoints = config.get_attr("endpoints").cloned().unwrap_or(Value::Null);
    let endpoint = |service: &str| str_attr(&endpoints, service);
    check_credentials_load(&sdk).await?;
    let max_retries = max_retries(config, &values::env_var)?;
    let poll_interval = match str_attr(config, "poll_interval") {
        Some(text) => engine::builtin::time::parse_duration(&text)
            .map_err(|e| config_error(format!("poll_interval: {e}")))?,
        None => Duration::from_secs(5),
    };
    macro_rules! client {
        ($krate:ident, $service:literal) => {{
            let mut builder = $krate::config::Builder::from(&sdk);
            if let Some(url) = endpoint($service) {
                builder = builder.endpoint_url(url);
            }
            $krate::Client::from_conf(builder.build())
        }};
    }
    let s3 = {
        let mut builder = aws_sdk_s3::config::Builder::from(&sdk);
        let overridden = endpoint("s3").is_some()
            || bool_attr(config, "s3_use_path_style").unwrap_or(false)
            || std::env::var_os("AWS_ENDPOINT_URL").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        if let Some(url) = endpoint("s3") {
            builder = builder.endpoint_url(url);
        }
        // Virtual-host addressing needs DNS for BUCKET.host; an overridden
        // endpoint (an emulator on 127.0.0.1) only answers path-style.
        if overridden {
            builder = builder.force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    };
    let clients = Clients {
        region,
        ec2: client!(aws_sdk_ec2, "ec2"),
        rds: client!(aws_sdk_rds, "rds"),
        elasticache: client!(aws_sdk_elasticache, "elasticache"),
        cloudfront: client!(aws_sdk_cloudfront, "cloudfront"),
        beanstalk: client!(aws_sdk_elasticbeanstalk, "elasticbeanstalk"),
        s3,
        sts: client!(aws_sdk_sts, "sts"),
        iam: client!(aws_sdk_iam, "iam"),
        route53: client!(aws_sdk_route53, "route53"),
        acm: client!(aws_sdk_acm, "acm"),
        tagging: client!(aws_sdk_resourcegroupstagging, "resourcegroupstaggingapi"),
        stats,
        retry: RetryPolicy {
            max_retries,
            ..RetryPolicy::default()
        },
        poll_interval,
        identity: tokio::sync::OnceCell::new(),
        request_account_id: !bool_attr(config, "skip_requesting_account_id").unwrap_or(false),
    };
    if !bool_attr(config, "skip_credentials_validation").unwrap_or(false) {
        if let Err(e) = clients.caller_identity().await {
            return Err(Diagnostic::error(
                "Invalid AWS credentials",
                format!("Checking the AWS credentials with STS GetCallerIdentity failed: {e}. Fix the credentials (or the sts endpoint) before planning; nothing was changed."),
            )
            .into());
        }
    }
    let check_accounts = config
        .get_attr("allowed_account_ids")
        .is_some_and(|v| !v.is_null())
        || config
            .get_attr("forbidden_account_ids")
            .is_some_and(|v| !v.is_null());
    if check_accounts {
        let identity = clients.caller_identity().await.map_err(|e| {
            config_error(format!("allowed_account_ids and forbidden_account_ids need the account id, and STS GetCallerIdentity failed: {e}"))
        })?;
        credentials::check_account(config, &identity.account)?;
    }
    Ok(clients)
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &'static str {
        "aws"
    }

    /// A create sent by a process that died may be processed up to one
    /// attempt timeout later; after that the SDK would have given up on it.
    fn create_settle_time(&self) -> Duration {
        attempt_timeout().unwrap_or(DEFAULT_ATTEMPT_TIMEOUT)
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, request: ConfigureRequest) -> Result<(), Diagnostics> {
        if self.clients.get().is_some() {
            return Ok(());
        }
        let _ = self
            .tag_policy
            .set(tags::TagPolicy::from_config(&request.config));
        let clients = build_clients(&request.config, self.stats.clone()).await?;
        let _ = self.clients.set(clients);
        Ok(())
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        match (
            self.resources.get(request.type_name),
            self.schema.resources.get(request.type_name),
        ) {
            (Some(resource), Some(schema)) => {
                let mut response = resource.plan(schema, request);
                if tags::taggable(schema) && !response.planned.is_null() {
                    self.tag_policy().plan(&mut response.planned);
                }
                response
            }
            _ => plan_by_schema(&Schema::default(), request.prior, request.config),
        }
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let clients = self.clients()?;
        let resource = self.resource(request.type_name)?;
        let tagged = self.taggable(request.type_name);
        let policy = self.tag_policy();
        // The type writes the effective tags (`tags_all`); what it returns
        // is split back into `tags` and `tags_all`.
        let prior = request.prior.map(|p| policy.for_api(p));
        let planned = request.planned.map(|p| policy.for_api(p));
        let translated = ApplyRequest {
            type_name: request.type_name,
            prior: if tagged {
                prior.as_ref()
            } else {
                request.prior
            },
            planned: if tagged {
                planned.as_ref()
            } else {
                request.planned
            },
            config: request.config,
            planned_private: request.planned_private,
            operation_id: request.operation_id,
            progress: request.progress.clone(),
        };
        let configured = request.planned.cloned().unwrap_or(Value::Null);
        let to_state = |v: Value| self.tags_from_api(request.type_name, v, &configured);
        let new_state = match (request.prior, request.planned) {
            (None, Some(_)) => Some(
                resource
                    .create(clients, &translated)
                    .await
                    .map_err(|e| self.partial_from_api(request.type_name, e, &configured))
                    .map(to_state)?,
            ),
            (Some(_), Some(_)) => Some(
                resource
                    .update(clients, &translated)
                    .await
                    .map_err(|e| self.partial_from_api(request.type_name, e, &configured))
                    .map(to_state)?,
            ),
            (Some(_), None) => {
                resource.delete(clients, &translated).await?;
                None
            }
            (None, None) => None,
        };
        Ok(ApplyResponse {
            new_state,
            private: request.planned_private.cloned(),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn list(&self, type_name: &str) -> Result<Option<Vec<Listed>>, ProviderError> {
        listing::list(self.clients()?, type_name).await
    }

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let clients = self.clients()?;
        let new_state = self
            .resource(request.type_name)?
            .read(clients, request.current)
            .await?
            .map(|v| self.tags_from_api(request.type_name, v, request.current));
        Ok(ReadResponse {
            new_state,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read_many(
        &self,
        requests: Vec<ReadRequest<'_>>,
    ) -> Vec<Result<ReadResponse, ProviderError>> {
        let clients = match self.clients() {
            Ok(c) => c,
            Err(e) => return requests.iter().map(|_| Err(e.clone())).collect(),
        };
        // Group by type so each resource type can batch its reads.
        let mut by_type: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, request) in requests.iter().enumerate() {
            by_type.entry(request.type_name).or_default().push(i);
        }
        let mut out: Vec<Option<Result<ReadResponse, ProviderError>>> =
            requests.iter().map(|_| None).collect();
        for (type_name, indices) in by_type {
            match self.resource(type_name) {
                Ok(resource) => {
                    let currents: Vec<&Value> =
                        indices.iter().map(|&i| requests[i].current).collect();
                    let results = resource.read_many(clients, &currents).await;
                    for (&i, result) in indices.iter().zip(results) {
                        out[i] = Some(result.map(|new_state| {
                            ReadResponse {
                                new_state: new_state
                                    .map(|v| self.tags_from_api(type_name, v, requests[i].current)),
                                diagnostics: Diagnostics::new(),
                            }
                        }));
                    }
                }
                Err(e) => {
                    for &i in &indices {
                        out[i] = Some(Err(e.clone()));
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(ProviderError::new("no read result"))))
            .collect()
    }

    async fn read_data(&self, request: ReadDataRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let clients = self.clients()?;
        let source = self.data_sources.get(request.type_name).ok_or_else(|| {
            ProviderError::new(format!(
                "the aws provider has no data source {}",
                request.type_name
            ))
        })?;
        Ok(ReadResponse {
            new_state: Some(source.read(clients, request.config).await?),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn import(&self, request: ImportRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let clients = self.clients()?;
        let new_state = self
            .resource(request.type_name)?
            .import(clients, request.id)
            .await?
            .map(|v| self.tags_from_api(request.type_name, v, &Value::Null));
        Ok(ReadResponse {
            new_state,
            diagnostics: Diagnostics::new(),
        })
    }

    fn terraform_import_id(
        &self,
        type_name: &str,
        attributes: &serde_json::Value,
    ) -> Option<String> {
        self.resources
            .get(type_name)?
            .terraform_import_id(attributes)
    }

    async fn find_created(
        &self,
        request: FindCreatedRequest<'_>,
    ) -> Result<ReadResponse, ProviderError> {
        let clients = self.clients()?;
        let planned = if self.taggable(request.type_name) {
            self.tag_policy().for_api(request.planned)
        } else {
            request.planned.clone()
        };
        let new_state = self
            .resource(request.type_name)?
            .find_created(clients, request.operation_id, &planned)
            .await?
            .map(|v| self.tags_from_api(request.type_name, v, request.planned));
        Ok(ReadResponse {
            new_state,
            diagnostics: Diagnostics::new(),
        })
    }

    fn api_calls(&self) -> BTreeMap<String, u64> {
        self.stats.snapshot()
    }
}

/// The AWS partition a region belongs to.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A non-empty string attribute of Terraform's state JSON.
pub(crate) fn attribute_text(attributes: &serde_json::Value, name: &str) -> Option<String> {
    attributes
        .get(name)
        .and_then(serde_json::Value::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}
