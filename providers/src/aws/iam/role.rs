//! The IAM resource types; see the module's documentation.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_iam::types::{InstanceProfile as SdkProfile, Role as SdkRole};
use engine::provider::{
    ApplyRequest, AttrType, AttributeSchema, PlanRequest, PlanResponse, ProviderError, Schema,
};
use engine::value::Value;

use super::exclusive::{self, attached};
use super::{generated_name, ours_by_name, plan_documents, policy, sdk_tags, IamTags};
use crate::aws::managed::{create_tags, each, one_or_all, pages, Gone, Made, Managed, Tagging};
use crate::aws::values::{
    changed, number_attr, object, opt_string, required_str, str_attr, string, tags_attribute,
};
use crate::aws::{AwsError, Clients};

fn name_args(schema: Schema) -> Schema {
    schema
        .attr(
            AttributeSchema::optional_computed("name", AttrType::String)
                .force_new()
                .describe("The name; generated from name_prefix or the operation when unset."),
        )
        .attr(
            AttributeSchema::optional("name_prefix", AttrType::String)
                .force_new()
                .describe("The start of a generated name."),
        )
        .attr(
            AttributeSchema::optional("path", AttrType::String)
                .force_new()
                .default("/")
                .describe("The IAM path."),
        )
}

fn the_name(planned: &Value, operation_id: &str, max: usize) -> String {
    str_attr(planned, "name").unwrap_or_else(|| generated_name(planned, operation_id, max))
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Value {
    opt_string(d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()))
}

// --------------------------------------------------------------------------
// aws_iam_role
// --------------------------------------------------------------------------

pub struct Role;

fn role_state(role: &SdkRole) -> Value {
    object([
        ("id", string(role.role_name())),
        ("name", string(role.role_name())),
        ("arn", string(role.arn())),
        ("unique_id", string(role.role_id())),
        ("path", string(role.path())),
        ("create_date", date(Some(role.create_date()))),
        (
            "assume_role_policy",
            opt_string(role.assume_role_policy_document().map(policy::decode)),
        ),
        ("description", opt_string(role.description())),
        // Not an API attribute: its default, unless the state says otherwise.
        ("force_detach_policies", Value::Bool(false)),
        (
            "max_session_duration",
            Value::number(f64::from(role.max_session_duration().unwrap_or(3600))),
        ),
        (
            "permissions_boundary",
            opt_string(
                role.permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn()),
            ),
        ),
    ])
}

#[async_trait]
impl Managed for Role {
    fn type_name(&self) -> &'static str {
        "aws_iam_role"
    }

    fn noun(&self) -> &'static str {
        "IAM role"
    }

    fn schema(&self) -> Schema {
        name_args(Schema::new("An IAM role, assumed by services or users."))
            .attr(
                AttributeSchema::required("assume_role_policy", AttrType::String)
                    .describe("Who may assume the role: a policy document (JSON)."),
            )
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .describe("A description of the role."),
            )
            .attr(
                AttributeSchema::optional("force_detach_policies", AttrType::Bool)
                    .default(false)
                    .describe("Whether to detach policies from the role before deleting it."),
            )
            .attr(
                AttributeSchema::optional("max_session_duration", AttrType::Number)
                    .default(3600.0)
                    .describe("The longest session, in seconds (3600 to 43200)."),
            )
            .attr(
                AttributeSchema::optional("permissions_boundary", AttrType::String)
                    .describe("The ARN of the policy that bounds the role's permissions."),
            )
            .attr(exclusive::managed_attribute())
            .block(exclusive::inline_block())
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The role's name."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The role's ARN."))
            .attr(
                AttributeSchema::computed("unique_id", AttrType::String)
                    .describe("The role's stable id."),
            )
            .attr(
                AttributeSchema::computed("create_date", AttrType::String)
                    .describe("When the role was made."),
            )
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        let config = exclusive::plan_config(request.config, request.prior);
        let request = PlanRequest {
            config: &config,
            ..request
        };
        plan_documents(schema, request, &["assume_role_policy"])
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&IamTags::Role)
    }

    fn tag_target(&self) -> &'static str {
        "name"
    }

    fn kept(&self) -> &'static [&'static str] {
        &["force_detach_policies", "name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = the_name(planned, request.operation_id, 64);
        let tags = sdk_tags(&create_tags(planned, request.operation_id));
        let iam = &clients.iam;
        let document = required_str(planned, "assume_role_policy")?;
        clients
            .create(
                "iam",
                "CreateRole",
                || {
                    iam.create_role()
                        .role_name(&name)
                        .assume_role_policy_document(&document)
                        .path(str_attr(planned, "path").unwrap_or_else(|| "/".into()))
                        .set_description(str_attr(planned, "description"))
                        .set_max_session_duration(
                            number_attr(planned, "max_session_duration").map(|n| n as i32),
                        )
                        .set_permissions_boundary(str_attr(planned, "permissions_boundary"))
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    /// The exclusive inline policies and attachments the plan sets.
    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        exclusive::write(clients, name, &Value::Null, planned).await
    }

    async fn complete(
        &self,
        clients: &Clients,
        name: &str,
        value: &mut Value,
        known: &Value,
    ) -> Result<(), ProviderError> {
        exclusive::complete(clients, name, value, known).await
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        exclusive::write(clients, name, prior, planned).await?;
        let iam = &clients.iam;
        if changed(prior, planned, "assume_role_policy") {
            let document = required_str(planned, "assume_role_policy")?;
            clients
                .call("iam", "UpdateAssumeRolePolicy", || {
                    iam.update_assume_role_policy()
                        .role_name(name)
                        .policy_document(&document)
                        .send()
                })
                .await?;
        }
        if changed(prior, planned, "description") || changed(prior, planned, "max_session_duration")
        {
            clients
                .call("iam", "UpdateRole", || {
                    iam.update_role()
                        .role_name(name)
                        .description(str_attr(planned, "description").unwrap_or_default())
                        .set_max_session_duration(
                            number_attr(planned, "max_session_duration").map(|n| n as i32),
                        )
                        .send()
                })
                .await?;
        }
        if changed(prior, planned, "permissions_boundary") {
            match str_attr(planned, "permissions_boundary") {
                Some(arn) => {
                    clients
                        .call("iam", "PutRolePermissionsBoundary", || {
                            iam.put_role_permissions_boundary()
                                .role_name(name)
                                .permissions_boundary(&arn)
                                .send()
                        })
                        .await?;
                }
                None => {
                    clients
                        .call("iam", "DeleteRolePermissionsBoundary", || {
                            iam.delete_role_permissions_boundary()
                                .role_name(name)
                                .send()
                        })
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes the role; with `force_detach_policies` its managed and
    /// inline policies go first. Instance profiles holding the role let it
    /// go first, as Terraform's provider does.
    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let iam = &clients.iam;
        let profiles = clients
            .call("iam", "ListInstanceProfilesForRole", || {
                iam.list_instance_profiles_for_role().role_name(name).send()
            })
            .await
            .or_gone()?;
        let Some(profiles) = profiles else {
            return Ok(());
        };
        for p in profiles.instance_profiles() {
            clients
                .call("iam", "RemoveRoleFromInstanceProfile", || {
                    iam.remove_role_from_instance_profile()
                        .instance_profile_name(p.instance_profile_name())
                        .role_name(name)
                        .send()
                })
                .await
                .gone_ok()?;
        }
        if crate::aws::values::bool_attr(prior, "force_detach_policies").unwrap_or(false) {
            for arn in attached(clients, name).await? {
                exclusive::detach(clients, name, &arn).await?;
            }
            for policy in exclusive::inline_names(clients, name).await? {
                exclusive::delete_inline(clients, name, &policy).await?;
            }
        } else {
            exclusive::clear(clients, name, prior).await?;
        }
        clients
            .call("iam", "DeleteRole", || {
                iam.delete_role().role_name(name).send()
            })
            .await
            .gone_ok()
    }

    /// GetRole for one role, ListRoles (paged) for several.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let iam = &clients.iam;
        one_or_all(
            names,
            |name| async move {
                Ok(clients
                    .call("iam", "GetRole", || iam.get_role().role_name(&name).send())
                    .await
                    .or_gone()?
                    .and_then(|out| out.role().map(role_state)))
            },
            || async {
                let roles = pages(|marker| async move {
                    let page = clients
                        .call("iam", "ListRoles", || {
                            iam.list_roles().set_marker(marker.clone()).send()
                        })
                        .await?;
                    Ok::<_, AwsError>((page.roles().to_vec(), page.marker().map(str::to_string)))
                })
                .await?;
                Ok(roles
                    .iter()
                    .map(|r| (r.role_name().to_string(), role_state(r)))
                    .collect())
            },
        )
        .await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = the_name(planned, operation_id, 64);
        ours_by_name(self, clients, Some(name), operation_id).await
    }
}

// --------------------------------------------------------------------------
// aws_iam_instance_profile
// --------------------------------------------------------------------------

pub struct InstanceProfile;

fn profile_state(p: &SdkProfile) -> Value {
    object([
        ("id", string(p.instance_profile_name())),
        ("name", string(p.instance_profile_name())),
        ("arn", string(p.arn())),
        ("unique_id", string(p.instance_profile_id())),
        ("path", string(p.path())),
        ("create_date", date(Some(p.create_date()))),
        (
            "role",
            opt_string(p.roles().first().map(|r| r.role_name().to_string())),
        ),
        (
            "roles",
            crate::aws::values::string_set(p.roles().iter().map(|r| r.role_name())),
        ),
    ])
}

#[async_trait]
impl Managed for InstanceProfile {
    fn type_name(&self) -> &'static str {
        "aws_iam_instance_profile"
    }

    fn noun(&self) -> &'static str {
        "instance profile"
    }

    fn schema(&self) -> Schema {
        name_args(Schema::new(
            "An instance profile: how a machine carries an IAM role.",
        ))
        .attr(
            AttributeSchema::optional("role", AttrType::String)
                .describe("The name of the role the profile carries; changes in place."),
        )
        .attr(
            AttributeSchema::computed("roles", AttrType::set_of(AttrType::String))
                .describe("Deprecated in Terraform's documentation: the roles the profile carries, as IAM lists them."),
        )
        .attr(tags_attribute())
        .attr(AttributeSchema::computed("id", AttrType::String).describe("The profile's name."))
        .attr(AttributeSchema::computed("arn", AttrType::String).describe("The profile's ARN."))
        .attr(
            AttributeSchema::computed("unique_id", AttrType::String)
                .describe("The profile's stable id."),
        )
        .attr(
            AttributeSchema::computed("create_date", AttrType::String)
                .describe("When the profile was made."),
        )
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&IamTags::InstanceProfile)
    }

    fn tag_target(&self) -> &'static str {
        "name"
    }

    fn kept(&self) -> &'static [&'static str] {
        &["name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = the_name(planned, request.operation_id, 128);
        let tags = sdk_tags(&create_tags(planned, request.operation_id));
        let iam = &clients.iam;
        clients
            .create(
                "iam",
                "CreateInstanceProfile",
                || {
                    iam.create_instance_profile()
                        .instance_profile_name(&name)
                        .path(str_attr(planned, "path").unwrap_or_else(|| "/".into()))
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?;
        Ok(Made::id(&name).with("name", string(&name)))
    }

    async fn after_create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        match str_attr(planned, "role") {
            Some(role) => add_role(clients, name, &role).await,
            None => Ok(()),
        }
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !changed(prior, planned, "role") {
            return Ok(());
        }
        if let Some(old) = str_attr(prior, "role") {
            remove_role(clients, name, &old).await?;
        }
        match str_attr(planned, "role") {
            Some(role) => add_role(clients, name, &role).await,
            None => Ok(()),
        }
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        name: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        if let Some(role) = str_attr(prior, "role") {
            remove_role(clients, name, &role).await?;
        }
        let iam = &clients.iam;
        clients
            .call("iam", "DeleteInstanceProfile", || {
                iam.delete_instance_profile()
                    .instance_profile_name(name)
                    .send()
            })
            .await
            .gone_ok()
    }

    /// GetInstanceProfile for one, ListInstanceProfiles (paged) for several.
    async fn describe(
        &self,
        clients: &Clients,
        names: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let iam = &clients.iam;
        one_or_all(
            names,
            |name| async move {
                Ok(clients
                    .call("iam", "GetInstanceProfile", || {
                        iam.get_instance_profile()
                            .instance_profile_name(&name)
                            .send()
                    })
                    .await
                    .or_gone()?
                    .and_then(|out| out.instance_profile().map(profile_state)))
            },
            || async {
                let found = pages(|marker| async move {
                    let page = clients
                        .call("iam", "ListInstanceProfiles", || {
                            iam.list_instance_profiles()
                                .set_marker(marker.clone())
                                .send()
                        })
                        .await?;
                    Ok::<_, AwsError>((
                        page.instance_profiles().to_vec(),
                        page.marker().map(str::to_string),
                    ))
                })
                .await?;
                Ok(found
                    .iter()
                    .map(|p| (p.instance_profile_name().to_string(), profile_state(p)))
                    .collect())
            },
        )
        .await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = the_name(planned, operation_id, 128);
        ours_by_name(self, clients, Some(name), operation_id).await
    }
}

async fn add_role(clients: &Clients, profile: &str, role: &str) -> Result<(), ProviderError> {
    let iam = &clients.iam;
    match clients
        .call("iam", "AddRoleToInstanceProfile", || {
            iam.add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
        })
        .await
    {
        // Sent again after a lost answer: the role is already there.
        Err(e) if e.code.as_deref() == Some("LimitExceeded") => Ok(()),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

async fn remove_role(clients: &Clients, profile: &str, role: &str) -> Result<(), ProviderError> {
    let iam = &clients.iam;
    clients
        .call("iam", "RemoveRoleFromInstanceProfile", || {
            iam.remove_role_from_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
        })
        .await
        .gone_ok()
}

// --------------------------------------------------------------------------
// aws_iam_role_policy
// --------------------------------------------------------------------------

/// An inline policy of a role, keyed `ROLE:NAME` as Terraform imports it.
/// PutRolePolicy sets the document whole, so sending it again is harmless;
/// inline policies carry no tags, so one found by name is ours only if its
/// document is the planned one.
pub struct RolePolicy;

fn split_role_policy(key: &str) -> Result<(&str, &str), ProviderError> {
    key.split_once(':').ok_or_else(|| {
        ProviderError::new(format!(
            "`{key}` is not a role policy id: it is ROLE_NAME:POLICY_NAME"
        ))
    })
}

#[async_trait]
impl Managed for RolePolicy {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy"
    }

    fn noun(&self) -> &'static str {
        "role policy"
    }

    fn schema(&self) -> Schema {
        Schema::new("An inline policy of an IAM role.")
            .attr(
                AttributeSchema::optional_computed("name", AttrType::String)
                    .force_new()
                    .describe("The policy's name; generated when unset."),
            )
            .attr(
                AttributeSchema::optional("name_prefix", AttrType::String)
                    .force_new()
                    .describe("The start of a generated name."),
            )
            .attr(
                AttributeSchema::required("role", AttrType::String)
                    .force_new()
                    .describe("The name of the role."),
            )
            .attr(
                AttributeSchema::required("policy", AttrType::String)
                    .describe("The policy document (JSON); changes in place."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("ROLE:NAME."))
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        plan_documents(schema, request, &["policy"])
    }

    fn kept(&self) -> &'static [&'static str] {
        &["name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = the_name(planned, request.operation_id, 128);
        let role = required_str(planned, "role")?;
        exclusive::put_inline(clients, &role, &name, &required_str(planned, "policy")?).await?;
        Ok(Made::id(format!("{role}:{name}")).with("name", string(&name)))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if changed(prior, planned, "policy") {
            let (role, name) = split_role_policy(key)?;
            exclusive::put_inline(clients, role, name, &required_str(planned, "policy")?).await?;
        }
        Ok(())
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let (role, name) = split_role_policy(key)?;
        exclusive::delete_inline(clients, role, name).await
    }

    /// GetRolePolicy for each: IAM lists inline policies only by name.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        each(keys, |key| async move {
            let (role, name) = split_role_policy(&key)?;
            let found = exclusive::get_inline(clients, role, name).await?;
            Ok(found.map(|document| {
                object([
                    ("id", string(&key)),
                    ("role", string(role)),
                    ("name", string(name)),
                    ("policy", string(document)),
                ])
            }))
        })
        .await
    }

    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = the_name(planned, operation_id, 128);
        let key = format!("{}:{name}", required_str(planned, "role")?);
        let wanted = str_attr(planned, "policy").unwrap_or_default();
        let found = self.describe(clients, std::slice::from_ref(&key)).await?;
        Ok(found
            .get(&key)
            .and_then(|v| str_attr(v, "policy"))
            .filter(|doc| policy::equivalent(doc, &wanted))
            .map(|_| key))
    }
}

// --------------------------------------------------------------------------
// aws_iam_role_policy_attachment
// --------------------------------------------------------------------------

/// A managed policy attached to a role, keyed `ROLE/POLICY_ARN` as
/// Terraform imports it. Attaching twice is harmless, and an attachment is
/// the pair itself, so finding it is asking whether the pair exists.
pub struct Attachment;

fn split_attachment(key: &str) -> Result<(&str, &str), ProviderError> {
    key.split_once('/').ok_or_else(|| {
        ProviderError::new(format!(
            "`{key}` is not a role policy attachment id: it is ROLE_NAME/POLICY_ARN"
        ))
    })
}

#[async_trait]
impl Managed for Attachment {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy_attachment"
    }

    fn noun(&self) -> &'static str {
        "role policy attachment"
    }

    fn schema(&self) -> Schema {
        Schema::new("A managed IAM policy attached to a role.")
            .attr(
                AttributeSchema::required("role", AttrType::String)
                    .force_new()
                    .describe("The name of the role."),
            )
            .attr(
                AttributeSchema::required("policy_arn", AttrType::String)
                    .force_new()
                    .describe("The ARN of the policy."),
            )
            .attr(AttributeSchema::computed("id", AttrType::String).describe("ROLE/POLICY_ARN."))
    }

    fn terraform_import_id(&self, attributes: &serde_json::Value) -> Option<String> {
        Some(format!(
            "{}/{}",
            crate::aws::attribute_text(attributes, "role")?,
            crate::aws::attribute_text(attributes, "policy_arn")?
        ))
    }

    fn key(&self, state: &Value) -> Result<String, ProviderError> {
        Ok(format!(
            "{}/{}",
            required_str(state, "role")?,
            required_str(state, "policy_arn")?
        ))
    }

    async fn create(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let role = required_str(planned, "role")?;
        let arn = required_str(planned, "policy_arn")?;
        exclusive::attach(clients, &role, &arn).await?;
        Ok(Made::id(format!("{role}/{arn}")))
    }

    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        key: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let (role, arn) = split_attachment(key)?;
        exclusive::detach(clients, role, arn).await
    }

    /// One ListAttachedRolePolicies (paged) per role, however many of its
    /// attachments are refreshed.
    async fn describe(
        &self,
        clients: &Clients,
        keys: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let mut by_role: BTreeMap<&str, Vec<(&str, &String)>> = BTreeMap::new();
        for key in keys {
            let (role, arn) = split_attachment(key)?;
            by_role.entry(role).or_default().push((arn, key));
        }
        let mut out = BTreeMap::new();
        for (role, wanted) in by_role {
            let arns = match attached(clients, role).await {
                Err(e) if e.message.contains("NoSuchEntity") => Vec::new(),
                other => other?,
            };
            for (arn, key) in wanted {
                if arns.iter().any(|a| a == arn) {
                    out.insert(
                        key.clone(),
                        object([
                            ("id", string(key)),
                            ("role", string(role)),
                            ("policy_arn", string(arn)),
                        ]),
                    );
                }
            }
        }
        Ok(out)
    }

    async fn find_created(
        &self,
        clients: &Clients,
        _operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let key = self.key(planned)?;
        Ok(self
            .describe(clients, std::slice::from_ref(&key))
            .await?
            .contains_key(&key)
            .then_some(key))
    }
}

// --------------------------------------------------------------------------
// aws_iam_policy
// --------------------------------------------------------------------------

/// A managed policy, keyed by its ARN. A new document is a new default
/// version (CreatePolicyVersion), the oldest non-default version deleted
/// first when IAM's limit of five is reached.
pub struct Policy;

#[async_trait]
impl Managed for Policy {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy"
    }

    fn noun(&self) -> &'static str {
        "IAM policy"
    }

    fn schema(&self) -> Schema {
        name_args(Schema::new("A managed IAM policy."))
            .attr(
                AttributeSchema::optional("description", AttrType::String)
                    .force_new()
                    .describe("A description of the policy."),
            )
            .attr(
                AttributeSchema::required("policy", AttrType::String)
                    .describe("The policy document (JSON); changes in place."),
            )
            .attr(tags_attribute())
            .attr(AttributeSchema::computed("id", AttrType::String).describe("The policy's ARN."))
            .attr(AttributeSchema::computed("arn", AttrType::String).describe("The policy's ARN."))
            .attr(
                AttributeSchema::computed("policy_id", AttrType::String)
                    .describe("The policy's stable id."),
            )
            .attr(
                AttributeSchema::computed("attachment_count", AttrType::Number)
                    .describe("How many users, groups and roles it is attached to."),
            )
    }

    fn plan(&self, schema: &Schema, request: PlanRequest<'_>) -> PlanResponse {
        plan_documents(schema, request, &["policy"])
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(&IamTags::Policy)
    }

    fn tag_target(&self) -> &'static str {
        "arn"
    }

    fn kept(&self) -> &'static [&'static str] {
        &["name_prefix"]
    }

    async fn create(
        &self,
        clients: &Clients,
        request: &ApplyRequest<'_>,
        planned: &Value,
    ) -> Result<Made, ProviderError> {
        let name = the_name(planned, request.operation_id, 128);
        let tags = sdk_tags(&create_tags(planned, request.operation_id));
        let document = required_str(planned, "policy")?;
        let iam = &clients.iam;
        let arn = clients
            .create(
                "iam",
                "CreatePolicy",
                || {
                    iam.create_policy()
                        .policy_name(&name)
                        .path(str_attr(planned, "path").unwrap_or_else(|| "/".into()))
                        .policy_document(&document)
                        .set_description(str_attr(planned, "description"))
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || self.find_created(clients, request.operation_id, planned),
            )
            .await?
            .found_or(|out| out.policy()?.arn().map(str::to_string))
            .ok_or_else(|| ProviderError::new("CreatePolicy returned no ARN"))?;
        Ok(Made::id(&arn)
            .with("arn", string(&arn))
            .with("name", string(&name)))
    }

    async fn update(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        arn: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<(), ProviderError> {
        if !changed(prior, planned, "policy") {
            return Ok(());
        }
        let iam = &clients.iam;
        let versions = clients
            .call("iam", "ListPolicyVersions", || {
                iam.list_policy_versions().policy_arn(arn).send()
            })
            .await?;
        if versions.versions().len() >= 5 {
            let oldest = versions
                .versions()
                .iter()
                .filter(|v| !v.is_default_version())
                .min_by_key(|v| v.create_date().map(|d| d.secs()));
            if let Some(id) = oldest.and_then(|v| v.version_id()) {
                clients
                    .call("iam", "DeletePolicyVersion", || {
                        iam.delete_policy_version()
                            .policy_arn(arn)
                            .version_id(id)
                            .send()
                    })
                    .await?;
            }
        }
        let document = required_str(planned, "policy")?;
        clients
            .call("iam", "CreatePolicyVersion", || {
                iam.create_policy_version()
                    .policy_arn(arn)
                    .policy_document(&document)
                    .set_as_default(true)
                    .send()
            })
            .await?;
        Ok(())
    }

    /// Deletes the versions that are not the default, then the policy.
    async fn delete(
        &self,
        clients: &Clients,
        _request: &ApplyRequest<'_>,
        arn: &str,
        _prior: &Value,
    ) -> Result<(), ProviderError> {
        let iam = &clients.iam;
        let Some(versions) = clients
            .call("iam", "ListPolicyVersions", || {
                iam.list_policy_versions().policy_arn(arn).send()
            })
            .await
            .or_gone()?
        else {
            return Ok(());
        };
        for v in versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
        {
            if let Some(id) = v.version_id() {
                clients
                    .call("iam", "DeletePolicyVersion", || {
                        iam.delete_policy_version()
                            .policy_arn(arn)
                            .version_id(id)
                            .send()
                    })
                    .await
                    .gone_ok()?;
            }
        }
        clients
            .call("iam", "DeletePolicy", || {
                iam.delete_policy().policy_arn(arn).send()
            })
            .await
            .gone_ok()
    }

    /// GetPolicy and its default version's document, for each: IAM has no
    /// call that returns several documents.
    async fn describe(
        &self,
        clients: &Clients,
        arns: &[String],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let iam = &clients.iam;
        each(arns, |arn| async move {
            let Some(out) = clients
                .call("iam", "GetPolicy", || {
                    iam.get_policy().policy_arn(&arn).send()
                })
                .await
                .or_gone()?
            else {
                return Ok(None);
            };
            let Some(p) = out.policy() else {
                return Ok(None);
            };
            let version = p.default_version_id().unwrap_or("v1").to_string();
            let document = clients
                .call("iam", "GetPolicyVersion", || {
                    iam.get_policy_version()
                        .policy_arn(&arn)
                        .version_id(&version)
                        .send()
                })
                .await?
                .policy_version()
                .and_then(|v| v.document())
                .map(policy::decode);
            Ok(Some(object([
                ("id", string(&arn)),
                ("arn", string(&arn)),
                ("name", opt_string(p.policy_name())),
                ("path", opt_string(p.path())),
                ("description", opt_string(p.description())),
                ("policy_id", opt_string(p.policy_id())),
                (
                    "attachment_count",
                    Value::number(f64::from(p.attachment_count().unwrap_or(0))),
                ),
                ("policy", opt_string(document)),
                (
                    "tags",
                    crate::aws::values::string_map(crate::aws::user_tags(super::tag_map(p.tags()))),
                ),
            ])))
        })
        .await
    }

    /// The policy named as planned in this account, if it carries our
    /// intent tag.
    async fn find_created(
        &self,
        clients: &Clients,
        operation_id: &str,
        planned: &Value,
    ) -> Result<Option<String>, ProviderError> {
        let name = the_name(planned, operation_id, 128);
        let path = str_attr(planned, "path").unwrap_or_else(|| "/".into());
        let account = clients.caller_identity().await?.account.clone();
        let arn = format!(
            "arn:{}:iam::{account}:policy{path}{name}",
            crate::aws::partition(&clients.region)
        );
        ours_by_name(self, clients, Some(arn), operation_id).await
    }
}
