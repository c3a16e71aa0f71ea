//! Credential references: a group shares *how* to reach its AWS account (a
//! role to assume, its region, an optional external id), never a secret.
//! Each user's own credentials assume the role, so the role's trust policy
//! still decides who gets in, and the registry holds nothing worth stealing.
//! A request carrying anything that looks like a secret is refused whole.
//!
//! References have an owner, a group and an access level like templates,
//! and the same visibility rule (`db::VISIBLE`): one the caller may not see
//! answers exactly like one that does not exist.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::access::{Access, Caller};
use crate::db::{is_unique_violation, Db, VISIBLE};
use crate::server::{App, Authed};
use crate::{now, valid_name, Error};

/// One credential reference, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRef {
    pub group: String,
    pub name: String,
    pub owner: String,
    pub access: Access,
    pub role_arn: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// What a caller may register: checked by [`NewCredential::from_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    pub role_arn: String,
    pub region: String,
    pub external_id: Option<String>,
    pub access: Access,
}

/// Field names that only ever carry secrets. Matched case-insensitively
/// and ignoring `_`/`-`, so `AWS_SECRET_ACCESS_KEY` and `secretKey` alike
/// are caught.
const SECRET_FIELDS: [&str; 7] = [
    "accesskey",
    "accesskeyid",
    "secretkey",
    "secretaccesskey",
    "sessiontoken",
    "token",
    "password",
];

const FIELDS: [&str; 4] = ["role_arn", "region", "external_id", "access"];

const NO_SECRETS: &str = "the registry never takes AWS secrets: register a role to assume \
     (role_arn, region, external_id) and let each user's own credentials assume it";

impl NewCredential {
    /// Checks a request body. Secrets are refused before anything else is
    /// looked at, and the message never repeats a value from the request.
    pub fn from_request(body: &serde_json::Value) -> Result<NewCredential, Error> {
        let object = body.as_object().ok_or_else(|| {
            Error::BadRequest("expected a JSON object with role_arn and region".into())
        })?;
        for (key, value) in object {
            let folded: String = key
                .chars()
                .filter(|c| *c != '_' && *c != '-')
                .flat_map(char::to_lowercase)
                .collect();
            if SECRET_FIELDS.contains(&folded.as_str()) || folded.contains("secret") {
                return Err(Error::BadRequest(format!(
                    "field `{key}` refused: {NO_SECRETS}"
                )));
            }
            if value.as_str().is_some_and(looks_like_access_key_id) {
                return Err(Error::BadRequest(format!(
                    "field `{key}` holds what looks like an AWS access key id: {NO_SECRETS}"
                )));
            }
        }
        if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(Error::BadRequest(format!(
                "unknown field `{unknown}`; a credential reference has {}",
                FIELDS.join(", ")
            )));
        }
        let text = |key: &str| -> Result<Option<String>, Error> {
            match object.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::BadRequest(format!("`{key}` must be a string"))),
            }
        };
        let role_arn =
            text("role_arn")?.ok_or_else(|| Error::BadRequest("`role_arn` is required".into()))?;
        let region =
            text("region")?.ok_or_else(|| Error::BadRequest("`region` is required".into()))?;
        let external_id = text("external_id")?;
        check_role_arn(&role_arn)?;
        check_region(&region)?;
        if let Some(id) = &external_id {
            check_external_id(id)?;
        }
        let access = match text("access")? {
            None => Access::Group,
            Some(level) => Access::parse(&level).ok_or_else(|| {
                Error::BadRequest(format!(
                    "unknown access level {level:?}; use private, group or public"
                ))
            })?,
        };
        Ok(NewCredential {
            role_arn,
            region,
            external_id,
            access,
        })
    }
}

/// `AKIA…`/`ASIA…` followed by 16 upper-case letters or digits: the shape
/// of an access key id (long-term or temporary).
fn looks_like_access_key_id(text: &str) -> bool {
    let text = text.trim();
    (text.starts_with("AKIA") || text.starts_with("ASIA"))
        && text.len() == 20
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, as IAM documents role ARNs.
fn check_role_arn(arn: &str) -> Result<(), Error> {
    let bad = || {
        Error::BadRequest(format!(
            "{arn:?} is not an IAM role ARN such as arn:aws:iam::123456789012:role/deploy"
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return Err(bad());
    };
    let name = resource.strip_prefix("role/").ok_or_else(bad)?;
    let name_ok = !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c));
    let ok = scheme == "arn"
        && partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && name_ok;
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`: letters, dashes, a digit.
fn check_region(region: &str) -> Result<(), Error> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "{region:?} is not an AWS region such as eu-west-1"
        )))
    }
}

/// STS AssumeRole's ExternalId: 2 to 1224 characters of `[\w+=,.@:/-]`.
fn check_external_id(id: &str) -> Result<(), Error> {
    let ok = (2..=1224).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(
            "`external_id` must be 2 to 1224 letters, digits or _+=,.@:/-".into(),
        ))
    }
}

fn not_found(group: &str, name: &str) -> Error {
    Error::NotFound(format!("credential reference {group}/{name} not found"))
}

fn credential_of(row: &sqlx::any::AnyRow) -> Result<CredentialRef, Error> {
    let access: String = row.try_get("access")?;
    Ok(CredentialRef {
        group: row.try_get("group_name")?,
        name: row.try_get("name")?,
        owner: row.try_get("owner")?,
        access: Access::parse(&access).unwrap_or(Access::Private),
        role_arn: row.try_get("role_arn")?,
        region: row.try_get("region")?,
        external_id: row.try_get("external_id")?,
    })
}

const COLUMNS: &str =
    "t.group_name, t.name, t.owner, t.access, t.role_arn, t.region, t.external_id";

impl Db {
    /// The references of a group the caller may see, by name.
    pub async fn list_credentials(
        &self,
        caller: &Caller,
        group: &str,
    ) -> Result<Vec<CredentialRef>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM credential_refs t WHERE t.group_name = $2 AND {VISIBLE} \
             ORDER BY t.name"
        );
        let rows = sqlx::query(&sql)
            .bind(&caller.name)
            .bind(group)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(credential_of).collect()
    }

    /// One reference, or `NotFound` when it is absent or invisible to the caller.
    pub async fn credential(
        &self,
        caller: &Caller,
        group: &str,
        name: &str,
    ) -> Result<CredentialRef, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM credential_refs t \
             WHERE t.group_name = $2 AND t.name = $3 AND {VISIBLE}"
        );
        let row = sqlx::query(&sql)
            .bind(&caller.name)
            .bind(group)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(credential_of)
            .transpose()?
            .ok_or_else(|| not_found(group, name))
    }

    /// Registers a reference, or replaces one the caller manages. Only
    /// members of the group register there; only the owner or a group
    /// admin replaces.
    pub async fn put_credential(
        &self,
        caller: &Caller,
        group: &str,
        name: &str,
        new: &NewCredential,
    ) -> Result<(), Error> {
        if !caller.is_member(group) {
            return Err(Error::Forbidden(format!(
                "you are not a member of group {group}, so you cannot register credentials there"
            )));
        }
        let exists = self.may_replace(caller, group, name).await?;
        let mut tx = self.pool.begin().await?;
        let written = if exists {
            sqlx::query(
                "UPDATE credential_refs SET access = $1, role_arn = $2, region = $3, \
                 external_id = $4 WHERE group_name = $5 AND name = $6",
            )
            .bind(new.access.as_str())
            .bind(&new.role_arn)
            .bind(&new.region)
            .bind(new.external_id.clone())
            .bind(group)
            .bind(name)
            .execute(&mut *tx)
            .await
        } else {
            sqlx::query(
                "INSERT INTO credential_refs (group_name, name, access, role_arn, region, \
                 external_id, owner, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(group)
            .bind(name)
            .bind(new.access.as_str())
            .bind(&new.role_arn)
            .bind(&new.region)
            .bind(new.external_id.clone())
            .bind(&caller.name)
            .bind(now())
            .execute(&mut *tx)
            .await
        };
        match written {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict(format!(
                    "the name {group}/{name} was taken meanwhile; choose another"
                )))
            }
            other => other?,
        };
        // The role ARN and region are not secrets; the external id is kept
        // out of the log all the same, as AWS advises treating it carefully.
        let detail = format!(
            "role_arn={} region={} access={}",
            new.role_arn,
            new.region,
            new.access.as_str()
        );
        let target = format!("{group}/{name}");
        Self::audit(&mut *tx, &caller.name, "credential.put", &target, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `group/name` exists, failing when the caller may not replace
    /// it. A taken name the caller cannot see is a conflict that says
    /// nothing about what holds it.
    async fn may_replace(&self, caller: &Caller, group: &str, name: &str) -> Result<bool, Error> {
        let existing = sqlx::query(
            "SELECT owner, access FROM credential_refs WHERE group_name = $1 AND name = $2",
        )
        .bind(group)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = existing else {
            return Ok(false);
        };
        let owner: String = row.try_get("owner")?;
        let access: String = row.try_get("access")?;
        let access = Access::parse(&access).unwrap_or(Access::Private);
        if !caller.may_see(&owner, group, access) {
            return Err(Error::Conflict(format!(
                "the name {group}/{name} is taken; choose another"
            )));
        }
        if !caller.may_manage(&owner, group) {
            return Err(Error::Forbidden(format!(
                "only the owner of {group}/{name} ({owner}) or an admin of group {group} may change it"
            )));
        }
        Ok(true)
    }

    /// Removes a reference the caller manages.
    pub async fn delete_credential(
        &self,
        caller: &Caller,
        group: &str,
        name: &str,
    ) -> Result<(), Error> {
        let found = self.credential(caller, group, name).await?;
        if !caller.may_manage(&found.owner, group) {
            return Err(Error::Forbidden(format!(
                "only the owner of {group}/{name} ({}) or an admin of group {group} may remove it",
                found.owner
            )));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM credential_refs WHERE group_name = $1 AND name = $2")
            .bind(group)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let target = format!("{group}/{name}");
        Self::audit(&mut *tx, &caller.name, "credential.delete", &target, "").await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The API routes, under `/api/v1`.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/groups/{group}/credentials", get(list))
        .route(
            "/groups/{group}/credentials/{name}",
            get(show).put(put).delete(delete),
        )
}

/// Names that cannot exist are answered like absent references.
fn checked_path(group: &str, name: &str) -> Result<(), Error> {
    if valid_name(group) && valid_name(name) {
        Ok(())
    } else {
        Err(not_found(group, name))
    }
}

async fn list(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath(group): UrlPath<String>,
) -> Result<Json<Vec<CredentialRef>>, Error> {
    Ok(Json(app.db.list_credentials(&caller, &group).await?))
}

async fn show(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name)): UrlPath<(String, String)>,
) -> Result<Json<CredentialRef>, Error> {
    checked_path(&group, &name)?;
    Ok(Json(app.db.credential(&caller, &group, &name).await?))
}

async fn put(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name)): UrlPath<(String, String)>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<StatusCode, Error> {
    if !valid_name(&group) || !valid_name(&name) {
        return Err(Error::BadRequest(format!(
            "{group}/{name} is not a valid name: use lowercase letters, digits, - and _"
        )));
    }
    let Json(body) = body.map_err(|e| Error::BadRequest(e.body_text()))?;
    let new = NewCredential::from_request(&body)?;
    app.db.put_credential(&caller, &group, &name, &new).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name)): UrlPath<(String, String)>,
) -> Result<StatusCode, Error> {
    checked_path(&group, &name)?;
    app.db.delete_credential(&caller, &group, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The provider configuration a new stack gets for a reference: the region
/// and the role its users' own credentials assume.
pub fn provider_block(reference: &CredentialRef) -> String {
    let mut role = format!(
        "    role_arn     = {}\n    session_name = \"stack\"\n",
        quote(&reference.role_arn)
    );
    if let Some(id) = &reference.external_id {
        role.push_str(&format!("    external_id  = {}\n", quote(id)));
    }
    format!(
        "# Credentials by reference from the registry ({}/{}): each user's own AWS\n\
         # credentials assume this role. No secret is kept here or in the registry.\n\
         provider \"aws\" {{\n  region = {}\n\n  assume_role {{\n{role}  }}\n}}\n",
        reference.group,
        reference.name,
        quote(&reference.region)
    )
}

/// Configures a new stack's AWS provider with a reference: the template's
/// own unaliased `provider "aws"` block gets the `assume_role` (and the
/// region when it names none); a template without one gets
/// `credentials.tf`. Returns the file written.
pub fn configure_stack(
    dir: &std::path::Path,
    reference: &CredentialRef,
) -> Result<std::path::PathBuf, Error> {
    let io = |path: &std::path::Path, e: std::io::Error| {
        Error::Client(format!("{}: {e}", path.display()))
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let Some(edited) = with_assumed_role(&text, reference, &path)? else {
            continue;
        };
        std::fs::write(&path, edited).map_err(|e| io(&path, e))?;
        return Ok(path);
    }
    let path = dir.join("credentials.tf");
    if path.exists() {
        return Err(Error::Client(format!(
            "{} exists already; the template keeps a file of that name",
            path.display()
        )));
    }
    std::fs::write(&path, provider_block(reference)).map_err(|e| io(&path, e))?;
    Ok(path)
}

/// `text` with the reference added to its unaliased `provider "aws"`
/// block, or `None` when the file has no such block.
fn with_assumed_role(
    text: &str,
    reference: &CredentialRef,
    path: &std::path::Path,
) -> Result<Option<String>, Error> {
    use hcl_edit::Span as _;
    // A file that does not parse is left for `stack validate` to report.
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return Ok(None);
    };
    let block = body.get_blocks("provider").find(|block| {
        block.labels.first().map(|l| l.as_str()) == Some("aws")
            && !block.body.has_attribute("alias")
    });
    let Some(block) = block else {
        return Ok(None);
    };
    if block.body.get_blocks("assume_role").next().is_some() {
        return Err(Error::Client(format!(
            "the template's provider \"aws\" block in {} already assumes a role; \
             create the stack without --credential",
            path.display()
        )));
    }
    let closing = block
        .span()
        .and_then(|span| text[..span.end].rfind('}'))
        .ok_or_else(|| Error::Client(format!("cannot edit {}", path.display())))?;
    let mut added = String::new();
    if !block.body.has_attribute("region") {
        added.push_str(&format!("region = {}\n", quote(&reference.region)));
    }
    let role = provider_block(reference);
    let assume = &role[role.find("  assume_role").unwrap_or(0)..role.rfind('}').unwrap_or(0)];
    added.push_str(&format!(
        "# Assumed by reference from the registry ({}/{}).\n{assume}",
        reference.group, reference.name
    ));
    let edited = format!("{}\n{added}{}", &text[..closing], &text[closing..]);
    engine::format::format_source(&edited)
        .map(Some)
        .map_err(|e| Error::Client(format!("cannot edit {}: {e}", path.display())))
}

fn quote(text: &str) -> String {
    engine::value::quote_string(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(body: serde_json::Value) -> Result<NewCredential, String> {
        NewCredential::from_request(&body).map_err(|e| e.to_string())
    }

    #[test]
    fn a_role_reference_is_accepted_with_group_access_by_default() {
        let new = request(json!({
            "role_arn": "arn:aws:iam::123456789012:role/deploy/web",
            "region": "eu-west-1",
            "external_id": "platform-42",
        }))
        .unwrap();
        assert_eq!(new.access, Access::Group);
        assert_eq!(new.external_id.as_deref(), Some("platform-42"));
    }

    #[test]
    fn secrets_are_refused_without_being_repeated() {
        for body in [
            json!({"role_arn": "arn:aws:iam::123456789012:role/x", "region": "us-east-1", "secret_key": "wJalrXUtnFEMI/K7MDENG"}),
            json!({"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG"}),
            json!({"sessionToken": "wJalrXUtnFEMI/K7MDENG"}),
            json!({"region": "us-east-1", "role_arn": "AKIAIOSFODNN7EXAMPLE"}),
        ] {
            let message = request(body).unwrap_err();
            assert!(message.contains("never takes AWS secrets"), "{message}");
            assert!(!message.contains("wJalrXUtnFEMI"), "{message}");
            assert!(!message.contains("AKIAIOSFODNN7EXAMPLE"), "{message}");
        }
    }

    #[test]
    fn malformed_fields_say_what_is_expected() {
        let cases = [
            (
                json!({"role_arn": "deploy", "region": "us-east-1"}),
                "not an IAM role ARN",
            ),
            (
                json!({"role_arn": "arn:aws:iam::123:role/x", "region": "us-east-1"}),
                "not an IAM role ARN",
            ),
            (
                json!({"role_arn": "arn:aws:iam::123456789012:role/x", "region": "Europe"}),
                "not an AWS region",
            ),
            (
                json!({"role_arn": "arn:aws:iam::123456789012:role/x", "region": "us-east-1", "colour": "red"}),
                "unknown field `colour`",
            ),
            (
                json!({"role_arn": "arn:aws:iam::123456789012:role/x", "region": 5}),
                "`region` must be a string",
            ),
            (json!(["x"]), "expected a JSON object"),
            (
                json!({"role_arn": "arn:aws:iam::123456789012:role/x", "region": "us-east-1", "access": "world"}),
                "unknown access level",
            ),
        ];
        for (body, expected) in cases {
            let message = request(body).unwrap_err();
            assert!(message.contains(expected), "{message}");
        }
    }

    fn reference() -> CredentialRef {
        CredentialRef {
            group: "platform".into(),
            name: "prod".into(),
            owner: "alice".into(),
            access: Access::Group,
            role_arn: "arn:aws:iam::123456789012:role/deploy".into(),
            region: "eu-west-1".into(),
            external_id: None,
        }
    }

    #[test]
    fn a_template_without_a_provider_block_gets_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), "variable \"x\" {}\n").unwrap();
        let written = configure_stack(dir.path(), &reference()).unwrap();
        assert_eq!(written, dir.path().join("credentials.tf"));
        let text = std::fs::read_to_string(written).unwrap();
        assert!(text.contains("assume_role {"), "{text}");
    }

    #[test]
    fn the_templates_own_provider_block_gets_the_role() {
        let dir = tempfile::tempdir().unwrap();
        let main = "provider \"aws\" {\n  default_tags {\n    tags = { team = \"web\" }\n  }\n}\n\nprovider \"aws\" {\n  alias  = \"us\"\n  region = \"us-east-1\"\n}\n";
        std::fs::write(dir.path().join("main.tf"), main).unwrap();
        configure_stack(dir.path(), &reference()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("main.tf")).unwrap();
        assert!(!dir.path().join("credentials.tf").exists());
        let first = &text[..text.find("alias").unwrap()];
        assert!(first.contains(r#"region = "eu-west-1""#), "{text}");
        assert!(first.contains("assume_role {"), "{text}");
        assert!(first.contains("default_tags {"), "{text}");
        assert_eq!(text.matches("assume_role").count(), 1, "{text}");
        assert_eq!(engine::format::format_source(&text).unwrap(), text);
        // A second reference on top of the first is refused.
        let again = configure_stack(dir.path(), &reference()).unwrap_err();
        assert!(
            again.to_string().contains("already assumes a role"),
            "{again}"
        );
    }

    #[test]
    fn the_provider_block_assumes_the_role_in_the_region() {
        let block = provider_block(&CredentialRef {
            group: "platform".into(),
            name: "prod".into(),
            owner: "alice".into(),
            access: Access::Group,
            role_arn: "arn:aws:iam::123456789012:role/deploy".into(),
            region: "eu-west-1".into(),
            external_id: Some("ext-1".into()),
        });
        let formatted = engine::format::format_source(&block).unwrap();
        assert_eq!(formatted, block, "the block is written in canonical style");
        assert!(block.contains(r#"region = "eu-west-1""#));
        assert!(block.contains(r#"role_arn     = "arn:aws:iam::123456789012:role/deploy""#));
        assert!(block.contains(r#"external_id  = "ext-1""#));
    }
}
