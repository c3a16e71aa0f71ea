//! The HTTP service: the JSON API under `/api/v1` and the web catalogue
//! (`web`). Every API endpoint needs a token (`Authorization: Bearer`);
//! every read is filtered by what the caller may see, so a template they may
//! not see answers exactly like one that does not exist.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path as UrlPath, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use crate::access::{Access, Caller};
use crate::archive::{self, Limits};
use crate::db::{Db, NewVersion, TemplateDetail};
use crate::metadata::{self, Metadata};
use crate::store::Store;
use crate::{valid_name, Error};

/// Where a registry keeps its data.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`.
    pub database: String,
    /// A directory, or `s3://bucket/prefix`.
    pub archives: String,
    pub limits: Limits,
}

impl Settings {
    /// The defaults under a data directory: `DIR/registry.db` and `DIR/archives`.
    pub fn under(data: &Path, database: Option<String>, archives: Option<String>) -> Settings {
        Settings {
            database: database.unwrap_or_else(|| {
                format!("sqlite://{}?mode=rwc", data.join("registry.db").display())
            }),
            archives: archives.unwrap_or_else(|| data.join("archives").display().to_string()),
            limits: Limits::default(),
        }
    }
}

pub struct App {
    pub db: Db,
    pub store: Store,
    pub limits: Limits,
}

impl App {
    pub async fn open(settings: &Settings) -> Result<App, Error> {
        if let Some(path) = settings.database.strip_prefix("sqlite://") {
            let file = PathBuf::from(path.split('?').next().unwrap_or(path));
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Error::Storage(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        Ok(App {
            db: Db::connect(&settings.database).await?,
            store: Store::open(&settings.archives).await?,
            limits: settings.limits,
        })
    }
}

/// Serves the registry on a bound listener until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    axum::serve(listener, router(Arc::new(app))).await
}

pub fn router(app: Arc<App>) -> Router {
    // The body limit is above the archive limit so that `archive::inspect`
    // answers an oversized archive with its own message.
    let body_limit = app.limits.max_archive as usize + (1 << 20);
    let api = Router::new()
        .route("/whoami", get(whoami))
        .route("/templates", get(list))
        .route("/templates/{group}/{name}", get(show))
        .route("/templates/{group}/{name}/access", put(set_access))
        .route("/templates/{group}/{name}/versions/{version}", put(publish))
        .route(
            "/templates/{group}/{name}/versions/{version}/archive",
            get(download),
        )
        .route(
            "/templates/{group}/{name}/versions/{version}/yank",
            post(yank),
        )
        .route("/groups/{group}/default", get(group_default))
        .merge(crate::credentials::routes())
        .fallback(|| async { Error::NotFound("no such API endpoint".into()) });
    Router::new()
        .nest("/api/v1", api)
        .merge(crate::web::routes())
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(app)
}

/// The caller, from the `Authorization: Bearer TOKEN` header.
pub struct Authed(pub Caller);

impl FromRequestParts<Arc<App>> for Authed {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Error> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::Unauthorized(
                    "a token is required: send `Authorization: Bearer TOKEN` (`stack login URL` saves one)".into(),
                )
            })?;
        match app.db.caller(token).await? {
            Some(caller) => Ok(Authed(caller)),
            None => Err(Error::Unauthorized(
                "the token is unknown or revoked; ask an admin for a new one (`stack registry token create NAME`)".into(),
            )),
        }
    }
}

/// Path names that cannot exist are answered like absent templates.
fn template_path(group: &str, name: &str) -> Result<(), Error> {
    if valid_name(group) && valid_name(name) {
        Ok(())
    } else {
        Err(Error::template_not_found(group, name))
    }
}

async fn whoami(Authed(caller): Authed) -> Json<Caller> {
    Json(caller)
}

/// `?after=GROUP/NAME&limit=N`: a page of the list, in name order.
#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
    limit: Option<i64>,
}

/// A page of templates when the caller names no limit; at most `MAX_PAGE`.
pub const DEFAULT_PAGE: i64 = 100;
pub const MAX_PAGE: i64 = 1000;

/// One page of the templates the caller may see, and where the next one
/// starts (`next`, to pass as `after`), or `null` after the last.
async fn list(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, Error> {
    let Query(query) = query.map_err(|e| Error::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let after = match query.after.as_deref() {
        None | Some("") => None,
        Some(text) => match text.split_once('/') {
            Some((group, name)) => Some((group.to_string(), name.to_string())),
            None => {
                return Err(Error::BadRequest(format!(
                    "after must be GROUP/NAME, not {text:?}"
                )))
            }
        },
    };
    // One more than asked says whether another page follows.
    let page = crate::db::Page {
        after,
        limit: limit + 1,
    };
    let mut templates = app.db.list_visible(&caller, &page).await?;
    let next = if templates.len() as i64 > limit {
        templates.truncate(limit as usize);
        templates.last().map(|t| format!("{}/{}", t.group, t.name))
    } else {
        None
    };
    let answer = serde_json::json!({ "templates": templates, "next": next });
    Ok(Json(answer).into_response())
}

async fn show(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name)): UrlPath<(String, String)>,
) -> Result<Json<TemplateDetail>, Error> {
    template_path(&group, &name)?;
    Ok(Json(app.db.show(&caller, &group, &name).await?))
}

#[derive(Deserialize)]
struct AccessBody {
    access: String,
}

fn parse_access(text: &str) -> Result<Access, Error> {
    Access::parse(text).ok_or_else(|| {
        Error::BadRequest(format!(
            "unknown access level {text:?}; use private, group or public"
        ))
    })
}

async fn set_access(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name)): UrlPath<(String, String)>,
    body: Result<Json<AccessBody>, JsonRejection>,
) -> Result<StatusCode, Error> {
    template_path(&group, &name)?;
    let Json(body) = body.map_err(|e| Error::BadRequest(e.body_text()))?;
    let access = parse_access(&body.access)?;
    app.db.set_access(&caller, &group, &name, access).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn yank(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name, version)): UrlPath<(String, String, String)>,
) -> Result<StatusCode, Error> {
    template_path(&group, &name)?;
    app.db.yank(&caller, &group, &name, &version).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PublishQuery {
    access: Option<String>,
    description: Option<String>,
}

async fn publish(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name, version)): UrlPath<(String, String, String)>,
    Query(query): Query<PublishQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), Error> {
    if !valid_name(&group) || !valid_name(&name) {
        return Err(Error::BadRequest(format!(
            "{group}/{name} is not a valid template name: use lowercase letters, digits, - and _"
        )));
    }
    let version = semver::Version::parse(&version).map_err(|e| {
        Error::BadRequest(format!(
            "{version:?} is not a semantic version such as 1.2.0: {e}"
        ))
    })?;
    let access = query.access.as_deref().map(parse_access).transpose()?;
    if !caller.is_member(&group) {
        return Err(Error::Forbidden(format!(
            "you are not a member of group {group}, so you cannot publish there"
        )));
    }
    // Everything is checked before anything is written.
    let metadata = check_template(&body, app.limits).await?;
    let digest = archive::digest(&body);
    let key = format!("{group}/{name}/{version}-{}.tar.gz", &digest[7..23]);
    let new = NewVersion {
        group: &group,
        name: &name,
        version: &version,
        access,
        description: query.description.as_deref(),
        digest: &digest,
        size: body.len() as i64,
        archive_key: &key,
        metadata: &metadata,
    };
    app.db
        .publish(&caller, &new, || app.store.put(&key, &body))
        .await?;
    let answer = serde_json::json!({
        "group": group, "name": name, "version": version.to_string(), "digest": digest,
    });
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Checks an archive and the template in it: safe entries within the limits,
/// template files at the top, and a template the engine loads without errors.
async fn check_template(bytes: &[u8], limits: Limits) -> Result<Metadata, Error> {
    let entries = archive::inspect(bytes, limits)?;
    let has_template = entries.iter().any(|e| {
        e.path.components().count() == 1
            && matches!(e.kind, archive::Kind::File(_))
            && e.path
                .extension()
                .is_some_and(|x| x == "tf" || x == "hcl" || x == "json")
    });
    if !has_template {
        return Err(Error::BadRequest(
            "the archive holds no template files (*.tf, *.hcl) at its top level".into(),
        ));
    }
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().map_err(|e| Error::Storage(e.to_string()))?;
        let root = dir.path().join("template");
        archive::extract(&entries, &root).map_err(|e| Error::Storage(e.to_string()))?;
        metadata::read(&root).map_err(|errors| {
            Error::Invalid(format!(
                "the template does not load:\n{}",
                errors.join("\n")
            ))
        })
    })
    .await
    .map_err(|e| Error::Storage(e.to_string()))?
}

async fn download(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath((group, name, version)): UrlPath<(String, String, String)>,
) -> Result<Response, Error> {
    template_path(&group, &name)?;
    let detail = app.db.show(&caller, &group, &name).await?;
    let found = detail
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| Error::NotFound(format!("{group}/{name} has no version {version}")))?;
    let bytes = app.store.get(&found.archive_key).await?;
    let headers = [
        (header::CONTENT_TYPE, "application/gzip".to_string()),
        (
            header::HeaderName::from_static("x-stack-digest"),
            found.digest.clone(),
        ),
    ];
    Ok((headers, bytes).into_response())
}

async fn group_default(
    State(app): State<Arc<App>>,
    Authed(caller): Authed,
    UrlPath(group): UrlPath<String>,
) -> Result<Json<serde_json::Value>, Error> {
    let template = app.db.group_default(&caller, &group).await?;
    Ok(Json(
        serde_json::json!({ "group": group, "default_template": template }),
    ))
}
