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

pub mod beanstalk;
pub mod cloudfront;
pub mod ec2;
pub mod elasticache;
pub mod iam;
pub mod managed;
pub mod meta;
pub mod rds;
pub mod retry;
pub mod s3;
pub mod values;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::provider::{
    plan_by_schema, ApplyRequest, ApplyResponse, AttrType, AttributeSchema, BlockSchema,
    ConfigureRequest, FindCreatedRequest, ImportRequest, Nesting, PlanRequest, PlanResponse,
    Provider, ProviderError, ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse, Schema,
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
    pub class: ErrorClass,
    /// No answer came back, or the server failed: the request may have been
    /// carried out, so a create must look before it sends again.
    pub may_have_taken_effect: bool,
}

impl AwsError {
    pub fn is_not_found(&self) -> bool {
        self.class == ErrorClass::NotFound
    }

    fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        error: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = error.code().map(str::to_string);
        let status = error.raw_response().map(|r| r.status().as_u16());
        let may_have_taken_effect = may_have_taken_effect(code.as_deref(), status);
        let message = match (error.message(), &error) {
            (Some(m), _) => m.to_string(),
            (None, SdkError::DispatchFailure(_)) | (None, SdkError::TimeoutError(_)) => {
                format!(
                    "could not reach the endpoint: {}",
                    engine::diagnostics::error_chain(&error)
                )
            }
            (None, _) => engine::diagnostics::error_chain(&error),
        };
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
            message,
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
        match &self.code {
            Some(code) => write!(
                f,
                "{} {} failed: {code}: {}",
                self.service, self.operation, self.message
            ),
            None => write!(
                f,
                "{} {} failed: {}",
                self.service, self.operation, self.message
            ),
        }
    }
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
    pub stats: Arc<CallStats>,
    pub retry: RetryPolicy,
    /// How often waiters poll; short against an emulator.
    pub poll_interval: Duration,
    /// Who the credentials belong to, asked of STS once per run.
    pub identity: tokio::sync::OnceCell<Identity>,
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
];

fn provider_schema() -> Schema {
    let mut endpoints =
        Schema::new("Per-service endpoint URLs, e.g. for an emulator on 127.0.0.1.");
    for service in SERVICES {
        endpoints = endpoints.attr(
            AttributeSchema::optional(service, AttrType::String)
                .describe("The endpoint URL for this service."),
        );
    }
    Schema::new("Amazon Web Services.")
        .attr(AttributeSchema::optional("region", AttrType::String).describe("The AWS region; otherwise AWS_REGION or the profile's region."))
        .attr(AttributeSchema::optional("profile", AttrType::String).describe("A profile of the shared AWS config and credentials files."))
        .attr(AttributeSchema::optional("access_key", AttrType::String).sensitive().describe("An access key id; otherwise the standard credential chain."))
        .attr(AttributeSchema::optional("secret_key", AttrType::String).sensitive().describe("The secret access key that goes with access_key."))
        .attr(AttributeSchema::optional("max_retries", AttrType::Number).describe("How many times a throttled or transiently failing call is retried (default 5)."))
        .attr(
            AttributeSchema::optional("skip_credentials_validation", AttrType::Bool)
                .describe("Skip the STS GetCallerIdentity call that checks the credentials before any change."),
        )
        .attr(AttributeSchema::optional("poll_interval", AttrType::String).describe("How often to poll resources that are changing, e.g. \"5s\" (default 5s)."))
        .block(BlockSchema {
            name: "endpoints",
            nesting: Nesting::Single,
            min_items: 0,
            max_items: Some(1),
            force_new: false,
            schema: endpoints,
        })
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
        let mut data_sources: Vec<Box<dyn AwsDataSource>> = Vec::new();
        data_sources.extend(ec2::data_sources());
        data_sources.extend(meta::data_sources());
        let mut schema = ProviderSchema {
            provider: provider_schema(),
            ..ProviderSchema::default()
        };
        for r in &resources {
            schema.resources.insert(r.type_name(), r.schema());
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
            stats: Arc::new(CallStats::default()),
        }
    }

    fn clients(&self) -> Result<&Clients, ProviderError> {
        self.clients
            .get()
            .ok_or_else(|| ProviderError::new("the aws provider was used before it was configured"))
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

/// Builds the SDK configuration and clients from the `provider "aws"` block.
async fn build_clients(config: &Value, stats: Arc<CallStats>) -> Result<Clients, Diagnostics> {
    use values::{bool_attr, number_attr, str_attr};
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
    if let Some(profile) = str_attr(config, "profile") {
        loader = loader.profile_name(profile);
    }
    match (
        str_attr(config, "access_key"),
        str_attr(config, "secret_key"),
    ) {
        (Some(access), Some(secret)) => {
            loader = loader.credentials_provider(aws_credential_types::Credentials::new(
                access,
                secret,
                None,
                None,
                "stack-provider-block",
            ));
        }
        (None, None) => {}
        _ => {
            return Err(config_error(
                "access_key and secret_key must be given together.",
            ))
        }
    }
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
    match sdk.credentials_provider() {
        Some(provider) => {
            if let Err(e) = provider.provide_credentials().await {
                return Err(Diagnostic::error(
                    "No valid AWS credentials",
                    format!(
                        "The AWS credentials could not be loaded: {e}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use a profile (AWS_PROFILE or `profile`), or set access_key/secret_key in the provider block. Nothing was changed."
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
    let endpoints = config.get_attr("endpoints").cloned().unwrap_or(Value::Null);
    let endpoint = |service: &str| str_attr(&endpoints, service);
    let max_retries = number_attr(config, "max_retries")
        .map(|n| n.max(0.0) as u32)
        .unwrap_or(5);
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
        stats,
        retry: RetryPolicy {
            max_retries,
            ..RetryPolicy::default()
        },
        poll_interval,
        identity: tokio::sync::OnceCell::new(),
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
        let clients = build_clients(&request.config, self.stats.clone()).await?;
        let _ = self.clients.set(clients);
        Ok(())
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        match (
            self.resources.get(request.type_name),
            self.schema.resources.get(request.type_name),
        ) {
            (Some(resource), Some(schema)) => resource.plan(schema, request),
            _ => plan_by_schema(&Schema::default(), request.prior, request.config),
        }
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let clients = self.clients()?;
        let resource = self.resource(request.type_name)?;
        let new_state = match (request.prior, request.planned) {
            (None, Some(_)) => Some(resource.create(clients, &request).await?),
            (Some(_), Some(_)) => Some(resource.update(clients, &request).await?),
            (Some(_), None) => {
                resource.delete(clients, &request).await?;
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

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let clients = self.clients()?;
        let new_state = self
            .resource(request.type_name)?
            .read(clients, request.current)
            .await?;
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
                        out[i] = Some(result.map(|new_state| ReadResponse {
                            new_state,
                            diagnostics: Diagnostics::new(),
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
            .await?;
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
        let new_state = self
            .resource(request.type_name)?
            .find_created(clients, request.operation_id, request.planned)
            .await?;
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
