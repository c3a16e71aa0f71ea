//! ACM: `aws_acm_certificate` (a certificate requested from ACM, issued by
//! a private CA, or imported) and `aws_acm_certificate_validation` (the
//! wait for a certificate to be issued, which has no object of its own).
//!
//! A requested certificate's `domain_validation_options` are planned with
//! their domain names known and their DNS records unknown, as Terraform's
//! provider plans them, so that validation records can be made with
//! `for_each` over them in the same apply. After RequestCertificate, the
//! create waits until ACM has published the records.
//!
//! One certificate is read with DescribeCertificate; several with one paged
//! ListCertificates. A listing does not say what a certificate was
//! requested with (names, validation records, options), none of which
//! changes once it exists except its options, so those are carried from the
//! state being refreshed ([`Managed::carried`]); ACM has no call that reads
//! the tags of several certificates, so tags cost one call each.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_acm::primitives::Blob;
// ACM no longer lets certificates opt out of transparency logs, and the SDK
// deprecates the setting; Terraform still documents it, so configurations
// that set it load and it is sent and read as before.
#[allow(deprecated)]
use aws_sdk_acm::types::{
    CertificateDetail, CertificateOptions, CertificateStatus, CertificateSummary,
    CertificateTransparencyLoggingPreference, DomainValidation, DomainValidationOption, Filters,
    KeyAlgorithm, Tag, ValidationMethod,
};
use engine::provider::{
    plan_by_schema, ApplyRequest, AttrType, AttributeSchema, BlockSchema, Nesting, PlanRequest,
    PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::managed::{create_tags, one_or_all, pages, Gone, Made, Managed, Seam, Tagging};
use super::retry::Poll;
use super::values::{
    blocks_attr, object, opt_string, required_str, str_attr, string, string_list, string_set,
    strings_attr, tags_attribute, timeout, timeouts_block,
};
use super::{made_by, AwsError, AwsResource, Clients};

/// The resource types of this module, for [`super::AwsProvider::new`].
pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(Seam(Certificate)),
        Box::new(Seam(CertificateValidation)),
    ]
}

/// Every key algorithm, for ListCertificates, which otherwise lists only
/// RSA 2048 certificates (API reference, ListCertificates, Includes).
const KEY_ALGORITHMS: &[&str] = &[
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
];

fn build_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(format!("could not build the ACM request: {e}"))
}

fn time_text(t: Option<&aws_sdk_acm::primitives::DateTime>) -> Value {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        .map(string)
        .unwrap_or(Value::Null)
}

/// An idempotency token from an operation id: RequestCertificate takes at
/// most 32 word characters, and the end of an operation id is its unique
/// part (time and random digits).
pub fn idempotency_token(operation_id: &str) -> String {
    let word: Vec<char> = operation_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    word[word.len().saturating_sub(32)..].iter().collect()
}

/// ACM's tags by certificate ARN.
pub(crate) struct AcmTags;

fn sdk_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_error))
        .collect()
}

#[async_trait]
impl Tagging for AcmTags {
    async fn update(
        &self,
        clients: &Clients,
        arn: &str,
        add: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<(), ProviderError> {
        let acm = &clients.acm;
        if !remove.is_empty() {
            let keys: Vec<Tag> = remove
                .iter()
                .map(|k| Tag::builder().key(k).build().map_err(build_error))
                .collect::<Result<_, _>>()?;
            clients
                .call("acm", "RemoveTagsFromCertificate", || {
                    acm.remove_tags_from_certificate()
                        .certificate_arn(arn)
                        .set_tags(Some(keys.clone()))
                        .send()
                })
                .await?;
        }
        if !add.is_empty() {
            let tags = sdk_tags(add)?;
            clients
                .call("acm", "AddTagsToCertificate", || {
                    acm.add_tags_to_certificate()
                        .certificate_arn(arn)
                        .set_tags(Some(tags.clone()))
                        .send()
                })
                .await?;
        }
        Ok(())
    }

    async fn list(
        &self,
        clients: &Clients,
        arn: &str,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let acm = &clients.acm;
        let out = clients
            .call("acm", "ListTagsForCertificate", || {
                acm.list_tags_for_certificate().certificate_arn(arn).send()
            })
            .await?;
        Ok(out
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------
// aws_acm_certificate
// ---------------------------------------------------------------------------

pub struct Certificate;

fn options_block() -> BlockSchema {
    BlockSchema {
        name: "options",
        nesting: Nesting::List,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        schema: Schema::new("Certificate options.")
            .attr(
                AttributeSchema::optional(
                    "certificate_transparency_logging_preference",
                    AttrType::String,
                )
                .default("ENABLED")
                .describe("ENABLED or DISABLED: whether the certificate goes into public transparency logs."),
            )
            .attr(
                AttributeSchema::optional_computed("export", AttrType::String)
                    .force_new()
                    .describe("ENABLED or DISABLED: whether the certificate may be exported."),
            ),
    }
}

fn validation_option_block() -> BlockSchema {
    BlockSchema {
        name: "validation_option",
        nesting: Nesting::Set,
        min_items: 0,
        max_items: None,
        force_new: true,
        schema: Schema::new("Where ACM sends validation e-mail for a domain.")
            .attr(
                AttributeSchema::required("domain_name", AttrType::String)
                    .describe("A domain name of the certificate."),
            )
            .attr(
                AttributeSchema::required("validation_domain", AttrType::String)
                    .describe("The domain (the name or a parent) whose addresses get the e-mail."),
            ),
    }
}

/// The domains a certificate validates: its name and alternative names,
/// each once.
fn domains(domain: &str, alternatives: &[String]) -> Vec<String> {
    let mut all = vec![domain.to_string()];
    for name in alternatives {
        if !all.contains(name) {
            all.push(name.clone());
        }
    }
    all
}

/// One `domain_validation_options` element.
fn validation_option(domain: &str, record: Option<(&str, &str, &str)>) -> Value {
    let part = |v: Option<&str>| v.map(string).unwrap_or(Value::Unknown);
    Value::Map(
        [
            ("domain_name", string(domain)),
            ("resource_record_name", part(record.map(|r| r.0))),
            ("resource_record_type", part(record.map(|r| r.1))),
            ("resource_record_value", part(record.map(|r| r.2))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    )
}

/// The validation options a new DNS-validated certificate will have: its
/// domains known, their records not yet. `None` while the domains are
/// unknown or the certificate is not validated by DNS.
fn planned_validation_options(config: &Value) -> Option<Value> {
    let method = config.get_attr("validation_method")?;
    if method.as_str() != Some("DNS") {
        return None;
    }
    let domain = config.get_attr("domain_name")?.as_str()?.to_string();
    let alternatives = match config.get_attr("subject_alternative_names") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) if v.is_unknown() => return None,
        Some(v) => {
            let items = v.as_list()?;
            if items.iter().any(Value::is_unknown) {
                return None;
            }
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        }
    };
    Some(Value::set_from(
        domains(&domain, &alternatives)
            .iter()
            .map(|d| validation_option(d, None))
            .collect(),
    ))
}

/// The `options` block as planned: what the configuration sets, and what
/// it leaves out as it is now (ACM always has options).
fn plan_options(config: &mut Value, prior: Option<&Value>) {
    let prior_options = prior.and_then(|p| blocks_attr(p, "options").into_iter().next());
    let Value::Map(map) = config else { return };
    let configured = map
        .get("options")
        .and_then(|v| v.as_list().and_then(|l| l.first().cloned()));
    let merged = match (configured, prior_options) {
        (None, Some(prior)) => prior,
        (Some(Value::Map(mut fields)), Some(prior)) => {
            if fields.get("export").is_none_or(Value::is_null) {
                if let Some(export) = prior.get_attr("export") {
                    fields.insert("export".to_string(), export.clone());
                }
            }
            Value::Map(fields)
        }
        (Some(configured), _) => configured,
        (None, None) => return,
    };
    map.insert("options".to_string(), Value::List(vec![merged]));
}

#[allow(deprecated)]
fn sdk_options(planned: &Value) -> Option<CertificateOptions> {
    let options = blocks_attr(planned, "options").into_iter().next()?;
    let logging = str_attr(&options, "certificate_transparency_logging_preference")
        .map(|p| CertificateTransparencyLoggingPreference::from(p.as_str()));
    let export = str_attr(&options, "export")
        .map(|e| aws_sdk_acm::types::CertificateExport::from(e.as_str()));
    Some(
        CertificateOptions::builder()
            .set_certificate_transparency_logging_preference(logging)
            .set_export(export)
            .build(),
    )
}

fn validation_record(d: &DomainValidation) -> Option<(&str, &str, &str)> {
    let r = d.resource_record()?;
    Some((r.name(), r.r#type().as_str(), r.value()))
}

/// A certificate's state from DescribeCertificate.
#[allow(deprecated)]
fn detail_state(c: &CertificateDetail) -> Value {
    let dns: Vec<&DomainValidation> = c
        .domain_validation_options()
        .iter()
        .filter(|d| d.validation_method() == Some(&ValidationMethod::Dns))
        .collect();
    let method = c
        .domain_validation_options()
        .first()
        .and_then(|d| d.validation_method())
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "NONE".to_string());
    let emails: Vec<String> = c
        .domain_validation_options()
        .iter()
        .flat_map(|d| d.validation_emails().iter().cloned())
        .collect();
    let options = c.options().map(|o| {
        object([
            (
                "certificate_transparency_logging_preference",
                opt_string(
                    o.certificate_transparency_logging_preference()
                        .map(|p| p.as_str()),
                ),
            ),
            ("export", opt_string(o.export().map(|e| e.as_str()))),
        ])
    });
    let renewal = c.renewal_summary().map(|r| {
        Value::Map(
            [
                ("renewal_status", string(r.renewal_status().as_str())),
                (
                    "renewal_status_reason",
                    opt_string(r.renewal_status_reason().map(|s| s.as_str())),
                ),
                ("updated_at", time_text(Some(r.updated_at()))),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        )
    });
    let pending = c
        .renewal_summary()
        .is_some_and(|r| r.renewal_status().as_str() == "PENDING_AUTO_RENEWAL");
    let mut state = base_state(
        c.certificate_arn().unwrap_or_default(),
        c.domain_name().unwrap_or_default(),
        c.status().map(|s| s.as_str()),
        c.r#type().map(|t| t.as_str()),
        c.key_algorithm().map(|k| k.as_str()),
        [c.not_before(), c.not_after()],
        c.renewal_eligibility().map(|r| r.as_str()),
    );
    if let Value::Map(map) = &mut state {
        let extra = [
            (
                "subject_alternative_names",
                string_set(
                    c.subject_alternative_names()
                        .iter()
                        .filter(|n| Some(n.as_str()) != c.domain_name())
                        .cloned(),
                ),
            ),
            (
                "domain_validation_options",
                Value::set_from(
                    dns.iter()
                        .map(|d| validation_option(d.domain_name(), validation_record(d)))
                        .collect(),
                ),
            ),
            ("validation_method", string(method)),
            ("validation_emails", string_list(emails)),
            ("options", Value::List(options.into_iter().collect())),
            (
                "renewal_summary",
                Value::List(renewal.into_iter().collect()),
            ),
            ("pending_renewal", Value::Bool(pending)),
            (
                "certificate_authority_arn",
                opt_string(c.certificate_authority_arn()),
            ),
        ];
        for (k, v) in extra {
            map.insert(k.to_string(), v);
        }
    }
    state
}

/// What both DescribeCertificate and ListCertificates tell.
fn base_state(
    arn: &str,
    domain: &str,
    status: Option<&str>,
    kind: Option<&str>,
    key_algorithm: Option<&str>,
    [not_before, not_after]: [Option<&aws_sdk_acm::primitives::DateTime>; 2],
    renewal_eligibility: Option<&str>,
) -> Value {
    object([
        ("id", string(arn)),
        ("arn", string(arn)),
        ("domain_name", string(domain)),
        ("status", opt_string(status)),
        ("type", opt_string(kind)),
        ("key_algorithm", opt_string(key_algorithm)),
        ("not_before", time_text(not_before)),
        ("not_after", time_text(not_after)),
        ("renewal_eligibility", opt_string(renewal_eligibility)),
    ])
}

fn summary_state(c: &CertificateSummary) -> Value {
    base_state(
        c.certificate_arn().unwrap_or_default(),
        c.domain_name().unwrap_or_default(),
        c.status().map(|s| s.as_str()),
        c.r#type().map(|t| t.as_str()),
        c.key_algorithm().map(|k| k.as_str()),
        [c.not_before(), c.not_after()],
        c.renewal_eligibility().map(|r| r.as_str()),
    )
}

/// One certificate; `None` when it is gone.
async fn describe_one(
    clients: &Clients,
    arn: &str,
) -> Result<Option<CertificateDetail>, ProviderError> {
    let acm = &clients.acm;
    Ok(clients
        .call("acm", "DescribeCertificate", || {
            acm.describe_certificate().certificate_arn(arn).send()
        })
        .await
        .or_gone()?
        .and_then(|out| out.certificate().cloned()))
}

/// Every certificate of the account and region, one page at a time.
async fn list_certificates(clients: &Clients) -> Result<Vec<CertificateSummary>, ProviderError> {
    let acm = &clients.acm;
    let filters = Filters::builder()
        .set_key_types(Some(
            KEY_ALGORITHMS
                .iter()
                .map(|k| KeyAlgorithm::from(*k))
                .collect(),
        ))
        .build();
    Ok(pages(|token| {
        let filters = filters.clone();
        async move {
            let out = clients
                .call("acm", "ListCertificates", || {
                    acm.list_certificates()
                        .includes(filters.clone())
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            Ok::<_, AwsError>((
                out.certificate_summary_list().to_vec(),
                out.next_token().map(str::to_string),
            ))
        }
    })
    .await?)
}

/// An ImportCertificate call with the planned certificate, key and chain.
fn import_call(
    clients: &Clients,
    planned: &Value,
) -> aws_sdk_acm::operation::import_certificate::builders::ImportCertificateFluentBuilder {
    let blob = |name: &str| str_attr(planned, name).map(|text| Blob::new(text.into_bytes()));
    clients
        .acm
        .import_certificate()
        .set_certificate(blob("certificate_body"))
        .set_private_key(blob("private_key"))
        .set_certificate_chain(blob("certificate_chain"))
}

fn validation_options(planned: &Value) -> Result<Vec<DomainValidationOption>, ProviderError> {
    blocks_attr(planned, "validation_option")
        .iter()
        .map(|b| {
            DomainValidationOption::builder()
                .domain_name(str_attr(b, "domain_name").unwrap_or_default())
                .validation_domain(str_attr(b, "validation_domain").unwrap_or_default())
                .build()
                .map_err(build_error)
        })
        .collect()
}

async fn request_certificate(
    clients: &Clients,
    planned: &Value,
    operation_id: &str,
) -> Result<String, ProviderError> {
    let acm = &clients.acm;
    let domain = required_str(planned, "domain_name")?;
    let alternatives = strings_attr(planned, "subject_alternative_names");
    let tags = sdk_tags(&create_tags(planned, operation_id))?;
    let method = str_attr(planned, "validation_method").map(|m| ValidationMethod::from(m.as_str()));
    let options = validation_options(planned)?;
    let out = clients
        .call("acm", "RequestCertificate", || {
            acm.request_certificate()
                .domain_name(&domain)
                .set_validation_method(method.clone())
                .set_subject_alternative_names(
                    (!alternatives.is_empty()).then(|| alternatives.clone()),
                )
                .idempotency_token(idempotency_token(operation_id))
                .set_domain_validation_options((!options.is_empty()).then(|| options.clone()))
                .set_options(sdk_options(planned))
                .set_certificate_authority_arn(str_attr(planned, "certificate_authority_arn"))
                .set_key_algorithm(
                    str_attr(planned, "key_algorithm").map(|k| KeyAlgorithm::from(k.as_str())),
                )
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    out.certificate_arn()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::new("RequestCertificate returned no ARN"))
}

/// `early_renewal_duration` as a duration, if set and well formed.
fn early_renewal(value: &Value) -> Option<Duration> {
    str_attr(value, "early_renewal_duration")
        .and_then(|text| engine::builtin::time::parse_duration(&text).ok())
}

/// Terraform's `pending_renewal`: a private certificate eligible for
/// managed renewal that expires within `early` of `now`.
fn renewal_due(state: &Value, early: Duration, now: std::time::SystemTime) -> bool {
    let private = str_attr(state, "type").as_deref() == Some("PRIVATE");
    let eligible = str_attr(state, "renewal_eligibility").as_deref() == Some("ELIGIBLE");
    let expiry = str_attr(state, "not_after").and_then(|text| {
        aws_smithy_types::DateTime::from_str(&text, aws_smithy_types::date_time::Format::DateTime)
            .ok()
            .and_then(|t| std::time::SystemTime::try_from(t).ok())
    });
    private && eligible && expiry.is_some_and(|expiry| now + early >= expiry)
}

/// Renews a private certificate early (RenewCertificate) when
/// `early_renewal_duration` says it is due, as Terraform's provider does
/// after a create and when `pending_renewal` was planned to clear.
async fn renew_if_due(clients: &Clients, arn: &str, planned: &Value) -> Result<(), ProviderError> {
    let Some(early) = early_renewal(planned) else {
        return Ok(());
    };
    let Some(c) = describe_one(clients, arn).await? else {
        return Ok(());
    };
    if !renewal_due(&detail_state(&c), early, std::time::SystemTime::now()) {
        return Ok(());
    }
    let acm = &clients.acm;
    clients
        .call("acm", "RenewCertificate", || {
            acm.renew_certificate().certificate_arn(arn).send()
        })
        .await?;
    Ok(())
}

/// Waits until ACM has published the DNS record of every domain of a
/// DNS-validated certificate, which takes it a few seconds.
async fn wait_for_records(
    clients: &Clients,
    request: &ApplyRequest<'_>,
    arn: &str,
) -> Result<(), ProviderError> {
    let progress = |status: &str| {
        if let Some(p) = &request.progress {
            p(status)
        }
    };
    clients
        .wait(
            "the certificate's validation records",
            Duration::from_secs(5 * 60),
            &progress,
            || async {
                let Some(c) = describe_one(clients, arn).await? else {
                    return Err(ProviderError::new(format!(
                        "the certificate {arn} vanished"
                    )));
                };
                let missing = c.domain_validation_options().iter().any(|d| {
                    d.validation_method() == Some(&ValidationMethod::Dns)
                        && d.resource_record().is_none()
                });
                Ok(if missing {
                    Poll::Pending("waiting for validation records".to_string())
                } else {
                    Poll::Ready(())
                })
            },
        )
        .await
}

#[async_trait]
impl Managed for Certificate {
    fn type_name(&self) -> &'static str {
        "aws_acm_certificate"
    }

    fn noun(&self) -> &'static str {
        "certificate"
    }

    fn schema(&self) -> Schema {
        let map = || AttrType::map_of(AttrType::String);
        Schema::new("A TLS certificate in ACM: requested (validated by DNS or e-mail), issued by a private CA, or imported.")
            .attr(AttributeSchema::optional_computed("domain_name", AttrType::String).force_new().describe("The domain the certificate is for."))
            .attr(AttributeSchema::optional_computed("subject_alternative_names", AttrType::set_of(AttrType::String)).force_new().describe("More domains the certificate is for."))
            .attr(AttributeSchema::optional_computed("validation_method", AttrType::String).force_new().describe("DNS or EMAIL (NONE for imported certificates)."))
            .attr(AttributeSchema::optional_computed("key_algorithm", AttrType::String).force_new().describe("RSA_2048, EC_prime256v1, …"))
            .attr(AttributeSchema::optional("certificate_authority_arn", AttrType::String).force_new().describe("The private CA (ACM PCA) that issues the certificate."))
            .attr(AttributeSchema::optional("private_key", AttrType::String).sensitive().describe("The PEM private key of an imported certificate."))
            .attr(AttributeSchema::optional("certificate_body", AttrType::String).describe("The PEM certificate to import."))
            .attr(AttributeSchema::optional("certificate_chain", AttrType::String).describe("The PEM chain of the imported certificate."))
            .attr(AttributeSchema::optional("early_renewal_duration", AttrType::String).describe("How long before expiry a private certificate is renewed, e.g. \"720h\"."))
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The certificate's ARN."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The certificate's ARN."))
            .attr(AttributeSchema::computed("domain_validation_options", AttrType::set_of(map())).describe("Per domain, the DNS record that validates it: domain_name, resource_record_name, resource_record_type, resource_record_value."))
            .attr(AttributeSchema::computed("status", AttrType::String).describe("PENDING_VALIDATION, ISSUED, …"))
            .attr(AttributeSchema::computed("type", AttrType::String).describe("AMAZON_ISSUED, PRIVATE or IMPORTED."))
            .attr(AttributeSchema::computed("validation_emails", AttrType::list_of(AttrType::String)).describe("Where validation e-mail went."))
            .attr(AttributeSchema::computed("not_before", AttrType::String).describe("When the certificate becomes valid (RFC 3339)."))
            .attr(AttributeSchema::computed("not_after", AttrType::String).describe("When the certificate expires (RFC 3339)."))
            .attr(AttributeSchema::computed("pending_renewal", AttrType::Bool).describe("Whether a renewal is under way."))
            .attr(AttributeSchema::computed("renewal_eligibility", AttrType::String).describe("ELIGIBLE or INELIGIBLE for managed renewal."))
            .attr(AttributeSchema::computed("renewal_summary", AttrType::list_of(map())).describe("The state of the managed renewal."))
            .block(options_block())
            .block(validation_option_block())
    }

    /// Plans by the schema, with the options ACM keeps and, for a new
    /// DNS-validated certificate, its validation options with known
    /// domains.
    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let mut config = request.config.clone();
        plan_options(&mut config, request.prior);
        let mut response = plan_by_schema(schema, request.prior, &config);
        let fresh = request.prior.is_none() || !response.requires_replace.is_empty();
        // A renewal due (read as `pending_renewal`) is an in-place update
        // that renews the certificate.
        let due = request
            .prior
            .and_then(|p| p.get_attr("pending_renewal"))
            .is_some_and(|v| matches!(v, Value::Bool(true)));
        if let (true, false, Value::Map(planned)) = (due, fresh, &mut response.planned) {
            if early_renewal(&config).is_some() {
                planned.insert("pending_renewal".to_string(), Value::Bool(false));
            }
        }
        if let (true, Value::Map(planned)) = (fresh, &mut response.planned) {
            if let Some(options) = planned_validation_options(&config) {
                planned.insert("domain_validation_options".to_string(), options);
            }
        }
        response
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        str_attr(state, "arn")
            .or_else(|| str_attr(state, "id"))
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ProviderError::new("the certificate's state has no ARN"))
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&AcmTags)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    fn kept(&self) -> &'static [&'static str] {
        &[
            "private_key",
            "certificate_body",
            "certificate_chain",
            "early_renewal_duration",
        ]
    }

    fn carried(&self) -> &'static [&'static str] {
        &[
            "subject_alternative_names",
            "domain_validation_options",
            "validation_method",
            "validation_emails",
            "options",
            "renewal_summary",
            "pending_renewal",
            "certificate_authority_arn",
        ]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let arn = if str_attr(planned, "certificate_body").is_some() {
            let tags = sdk_tags(&create_tags(planned, request.operation_id))?;
            clients
                .create(
                    "acm",
                    "ImportCertificate",
                    || {
                        import_call(clients, planned)
                            .set_tags(Some(tags.clone()))
                            .send()
                    },
                    || self.find_created(clients, request.operation_id, planned),
                )
                .await?
                .found_or(|out| out.certificate_arn().map(str::to_string))
                .ok_or_else(|| ProviderError::new("ImportCertificate returned no ARN"))?
        } else {
            request_certificate(clients, planned, request.operation_id).await?
        };
        Ok(Made::id(&arn).with("arn", string(&arn)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        arn: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if str_attr(planned, "validation_method").as_deref() == Some("DNS") {
            wait_for_records(clients, request, arn).await?;
        }
        renew_if_due(clients, arn, planned).await
    }

    /// `pending_renewal` from `early_renewal_duration`, which only the
    /// state knows: whether a renewal is under way, or due early.
    async fn complete(
        &self,
        _clients: &Clients,
        _arn: &str,
        value: &mut Value,
        known: &Value,
    ) -> Result<(), ProviderError> {
        if let Some(early) = early_renewal(known) {
            let due = renewal_due(value, early, std::time::SystemTime::now());
            if let Value::Map(map) = value {
                let pending = map
                    .entry("pending_renewal".to_string())
                    .or_insert(Value::Bool(false));
                if due {
                    *pending = Value::Bool(true);
                }
            }
        }
        Ok(())
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        arn: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        let reimport = ["certificate_body", "private_key", "certificate_chain"]
            .iter()
            .any(|name| super::values::changed(prior, planned, name));
        if reimport && str_attr(planned, "certificate_body").is_some() {
            clients
                .call("acm", "ImportCertificate", || {
                    import_call(clients, planned).certificate_arn(arn).send()
                })
                .await?;
        }
        if super::values::changed(prior, planned, "pending_renewal") {
            renew_if_due(clients, arn, planned).await?;
        }
        if super::values::changed(prior, planned, "options") {
            if let Some(options) = sdk_options(planned) {
                let acm = &clients.acm;
                clients
                    .call("acm", "UpdateCertificateOptions", || {
                        acm.update_certificate_options()
                            .certificate_arn(arn)
                            .options(options.clone())
                            .send()
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// A certificate a CloudFront distribution or load balancer still uses
    /// cannot be deleted; services let go of it a while after they are
    /// deleted, so the delete is retried until then.
    async fn delete(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        arn: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let acm = &clients.acm;
        let progress = |status: &str| {
            if let Some(p) = &request.progress {
                p(status)
            }
        };
        clients
            .wait(
                &format!("certificate {arn} to be deleted"),
                Duration::from_secs(20 * 60),
                &progress,
                || async {
                    match clients
                        .call("acm", "DeleteCertificate", || {
                            acm.delete_certificate().certificate_arn(arn).send()
                        })
                        .await
                    {
                        Ok(_) => Ok(Poll::Ready(())),
                        Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                        Err(e) if e.code.as_deref() == Some("ResourceInUseException") => {
                            Ok(Poll::Pending("still in use".to_string()))
                        }
                        Err(e) => Err(e.into()),
                    }
                },
            )
            .await
    }

    async fn describe(
        &self,
        clients: &Clients,
        arns: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        one_or_all(
            arns,
            |arn| async move { Ok(describe_one(clients, &arn).await?.map(|c| detail_state(&c))) },
            || async {
                Ok(list_certificates(clients)
                    .await?
                    .iter()
                    .filter_map(|c| Some((c.certificate_arn()?.to_string(), summary_state(c))))
                    .collect())
            },
        )
        .await
    }

    /// By the intent tag, among the certificates for the planned domain.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let domain = str_attr(planned, "domain_name");
        for summary in list_certificates(clients).await? {
            let Some(arn) = summary.certificate_arn() else {
                continue;
            };
            if domain.is_some() && summary.domain_name() != domain.as_deref() {
                continue;
            }
            if made_by(&AcmTags.list(clients, arn).await?, operation_id) {
                return Ok(Some(arn.to_string()));
            }
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------
// aws_acm_certificate_validation
// ---------------------------------------------------------------------------

pub struct CertificateValidation;

/// The time a certificate was issued, as Terraform's provider writes the
/// validation's id (Go's `time.Time.String()` in UTC).
fn issued_id(issued: &aws_sdk_acm::primitives::DateTime) -> String {
    let text = issued
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    // RFC 3339 "2024-01-02T03:04:05Z" → "2024-01-02 03:04:05 +0000 UTC".
    let trimmed = text.trim_end_matches('Z').replacen('T', " ", 1);
    format!("{trimmed} +0000 UTC")
}

/// The validation records a DNS-validated certificate needs that
/// `fqdns` does not name; empty when every one is there.
fn missing_records(certificate: &CertificateDetail, fqdns: &[String]) -> Vec<String> {
    let have: Vec<String> = fqdns
        .iter()
        .map(|f| f.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    certificate
        .domain_validation_options()
        .iter()
        .filter_map(|d| d.resource_record().map(|r| r.name()))
        .map(|name| name.trim_end_matches('.').to_ascii_lowercase())
        .filter(|name| !have.contains(name))
        .collect()
}

fn validation_state(arn: &str, issued: Option<&aws_sdk_acm::primitives::DateTime>) -> Value {
    object([
        ("certificate_arn", string(arn)),
        (
            "id",
            issued.map(|t| string(issued_id(t))).unwrap_or(Value::Null),
        ),
    ])
}

#[async_trait]
impl Managed for CertificateValidation {
    fn type_name(&self) -> &'static str {
        "aws_acm_certificate_validation"
    }

    fn noun(&self) -> &'static str {
        "certificate validation"
    }

    fn schema(&self) -> Schema {
        Schema::new("Waits for an ACM certificate to be issued (it makes nothing in AWS).")
            .attr(
                AttributeSchema::required("certificate_arn", AttrType::String)
                    .force_new()
                    .describe("The certificate to wait for."),
            )
            .attr(
                AttributeSchema::optional("validation_record_fqdns", AttrType::set_of(AttrType::String))
                    .force_new()
                    .describe("The DNS records that validate it; each one the certificate needs must be here."),
            )
            .attr(
                AttributeSchema::computed("id", AttrType::String)
                    .describe("When the certificate was issued."),
            )
            .block(timeouts_block())
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        str_attr(state, "certificate_arn")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ProviderError::new("the validation's state has no certificate_arn"))
    }

    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        super::attribute_text(attributes, "certificate_arn")
    }

    fn kept(&self) -> &'static [&'static str] {
        &["validation_record_fqdns", "timeouts"]
    }

    /// Checks the records named, then waits until the certificate is
    /// issued (75 minutes by default, as Terraform's provider waits).
    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let arn = required_str(planned, "certificate_arn")?;
        let fqdns = strings_attr(planned, "validation_record_fqdns");
        let limit = timeout(planned, "create", Duration::from_secs(75 * 60));
        let progress = |status: &str| {
            if let Some(p) = &request.progress {
                p(status)
            }
        };
        let mut checked = fqdns.is_empty();
        clients
            .wait(
                &format!("certificate {arn} to be issued"),
                limit,
                &progress,
                || {
                    let check = !checked;
                    checked = true;
                    let (arn, fqdns) = (arn.clone(), fqdns.clone());
                    async move { issued(clients, &arn, check.then_some(fqdns.as_slice())).await }
                },
            )
            .await?;
        Ok(Made {
            key: arn.clone(),
            known: vec![("certificate_arn", string(&arn))],
        })
    }

    /// Nothing to delete in AWS.
    async fn delete(
        &self,
        _clients: &Clients,
        _request: &ApplyRequest<'_>,
        _key: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Only issued certificates have a validation: one no longer issued
    /// (revoked, expired) is gone, and planned again.
    async fn describe(
        &self,
        clients: &Clients,
        arns: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let all = one_or_all(
            arns,
            |arn| async move {
                Ok(describe_one(clients, &arn).await?.and_then(|c| {
                    (c.status() == Some(&CertificateStatus::Issued))
                        .then(|| validation_state(&arn, c.issued_at()))
                }))
            },
            || async {
                Ok(list_certificates(clients)
                    .await?
                    .iter()
                    .filter(|c| c.status() == Some(&CertificateStatus::Issued))
                    .filter_map(|c| {
                        let arn = c.certificate_arn()?;
                        Some((arn.to_string(), validation_state(arn, c.issued_at())))
                    })
                    .collect())
            },
        )
        .await?;
        Ok(all)
    }

    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let Some(arn) = str_attr(planned, "certificate_arn") else {
            return Ok(None);
        };
        Ok(self
            .describe(clients, std::slice::from_ref(&arn))
            .await?
            .contains_key(&arn)
            .then_some(arn))
    }
}

/// One look at a certificate being validated: issued, still pending, or
/// failed (with ACM's reason). `fqdns`, on the first look, are checked
/// against the validation records the certificate needs.
async fn issued(
    clients: &Clients,
    arn: &str,
    fqdns: Option<&[String]>,
) -> Result<Poll<()>, ProviderError> {
    let Some(c) = describe_one(clients, arn).await? else {
        return Err(ProviderError::new(format!(
            "the certificate {arn} does not exist"
        )));
    };
    if let Some(fqdns) = fqdns {
        if c.r#type().map(|t| t.as_str()) == Some("AMAZON_ISSUED") {
            let missing = missing_records(&c, fqdns);
            if !missing.is_empty() {
                return Err(ProviderError::new(format!(
                    "validation_record_fqdns lacks the validation record of {}; list the fqdn of every aws_route53_record made from domain_validation_options",
                    missing.join(", ")
                )));
            }
        }
    }
    match c.status() {
        Some(CertificateStatus::Issued) => Ok(Poll::Ready(())),
        Some(CertificateStatus::PendingValidation) | None => {
            Ok(Poll::Pending("PENDING_VALIDATION".to_string()))
        }
        Some(other) => Err(ProviderError::new(format!(
            "the certificate {arn} will not be issued: its status is {}{}",
            other.as_str(),
            c.failure_reason()
                .map(|r| format!(" ({})", r.as_str()))
                .unwrap_or_default()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_tokens_are_the_unique_end_of_the_operation_id() {
        let token = idempotency_token("stack-awsacmcertificatesite-65f1a2b3-0123456789ab");
        assert_eq!(token.len(), 32);
        assert!(token.ends_with("65f1a2b30123456789ab"));
        assert_eq!(idempotency_token("a-b"), "ab");
    }

    #[test]
    fn a_private_eligible_certificate_is_due_within_the_early_renewal_duration() {
        let cert = |kind: &str, eligibility: &str| {
            object([
                ("type", string(kind)),
                ("renewal_eligibility", string(eligibility)),
                ("not_after", string("2030-01-31T00:00:00Z")),
            ])
        };
        let day = Duration::from_secs(86_400);
        let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_895_529_600); // 2030-01-25
        assert!(renewal_due(&cert("PRIVATE", "ELIGIBLE"), 7 * day, now));
        assert!(!renewal_due(&cert("PRIVATE", "ELIGIBLE"), 5 * day, now));
        assert!(!renewal_due(
            &cert("AMAZON_ISSUED", "ELIGIBLE"),
            7 * day,
            now
        ));
        assert!(!renewal_due(&cert("PRIVATE", "INELIGIBLE"), 7 * day, now));
        let text = object([("early_renewal_duration", string("720h"))]);
        assert_eq!(early_renewal(&text), Some(30 * day));
    }

    fn config(method: &str, alternatives: Value) -> Value {
        object([
            ("domain_name", string("example.com")),
            ("validation_method", string(method)),
            ("subject_alternative_names", alternatives),
        ])
    }

    #[test]
    fn dns_validation_options_are_planned_with_known_domains() {
        let planned = planned_validation_options(&config(
            "DNS",
            string_set(["www.example.com", "example.com"]),
        ))
        .expect("planned");
        let items = planned.as_list().unwrap();
        assert_eq!(items.len(), 2);
        let names: Vec<_> = items
            .iter()
            .map(|i| str_attr(i, "domain_name").unwrap())
            .collect();
        assert!(names.contains(&"example.com".to_string()));
        assert!(names.contains(&"www.example.com".to_string()));
        assert!(items[0]
            .get_attr("resource_record_value")
            .unwrap()
            .is_unknown());
        assert!(planned_validation_options(&config("EMAIL", Value::Null)).is_none());
        assert!(planned_validation_options(&config("DNS", Value::Unknown)).is_none());
    }

    #[test]
    fn options_left_out_are_planned_as_they_are() {
        let prior = object([(
            "options",
            Value::List(vec![object([
                (
                    "certificate_transparency_logging_preference",
                    string("ENABLED"),
                ),
                ("export", string("DISABLED")),
            ])]),
        )]);
        let mut config = object([]);
        plan_options(&mut config, Some(&prior));
        assert_eq!(config.get_attr("options"), prior.get_attr("options"));
        let mut config = object([(
            "options",
            Value::List(vec![object([(
                "certificate_transparency_logging_preference",
                string("DISABLED"),
            )])]),
        )]);
        plan_options(&mut config, Some(&prior));
        let options = blocks_attr(&config, "options");
        assert_eq!(str_attr(&options[0], "export").as_deref(), Some("DISABLED"));
        assert_eq!(
            str_attr(&options[0], "certificate_transparency_logging_preference").as_deref(),
            Some("DISABLED")
        );
    }

    #[test]
    fn validation_ids_are_written_as_terraform_writes_them() {
        let t = aws_sdk_acm::primitives::DateTime::from_secs(1_700_000_000);
        assert_eq!(issued_id(&t), "2023-11-14 22:13:20 +0000 UTC");
    }
}
