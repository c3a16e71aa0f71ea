//! The web catalogue: server-rendered pages (minijinja) over the same
//! database queries as the API, so the access rules are the same. Signing in
//! puts the API token in an HttpOnly cookie.

use std::sync::{Arc, OnceLock};

use axum::extract::{Form, Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment};
use serde::Deserialize;

use crate::access::Caller;
use crate::server::App;
use crate::{valid_name, Error};

const COOKIE: &str = "stack_token";

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let pages = [
            ("base.html", include_str!("../templates/base.html")),
            ("login.html", include_str!("../templates/login.html")),
            (
                "catalogue.html",
                include_str!("../templates/catalogue.html"),
            ),
            ("template.html", include_str!("../templates/template.html")),
            (
                "not_found.html",
                include_str!("../templates/not_found.html"),
            ),
        ];
        for (name, source) in pages {
            // The templates are compiled into the binary; a syntax error is caught by the tests.
            env.add_template(name, source)
                .expect("the catalogue's templates are valid");
        }
        env
    })
}

fn render(status: StatusCode, page: &str, ctx: minijinja::Value) -> Response {
    match environment().get_template(page).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            eprintln!("registry: rendering {page}: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "rendering failed").into_response()
        }
    }
}

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(catalogue))
        .route("/login", get(login_form).post(login))
        .route("/logout", get(logout))
        .route("/t/{group}/{name}", get(template))
}

/// The signed-in caller, from the cookie; `None` sends them to the sign-in page.
async fn signed_in(app: &App, headers: &HeaderMap) -> Result<Option<Caller>, Error> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix("stack_token="));
    match token {
        Some(token) if !token.is_empty() => app.db.caller(token).await,
        _ => Ok(None),
    }
}

#[derive(serde::Serialize)]
struct GroupView {
    name: String,
    templates: Vec<crate::db::TemplateInfo>,
}

async fn catalogue(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Error> {
    let Some(caller) = signed_in(&app, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let mut groups: Vec<GroupView> = Vec::new();
    for t in app
        .db
        .list_visible(&caller, &crate::db::Page::all())
        .await?
    {
        match groups.last_mut() {
            Some(g) if g.name == t.group => g.templates.push(t),
            _ => groups.push(GroupView {
                name: t.group.clone(),
                templates: vec![t],
            }),
        }
    }
    Ok(render(
        StatusCode::OK,
        "catalogue.html",
        context! { user => caller.name, groups },
    ))
}

async fn login_form() -> Response {
    render(StatusCode::OK, "login.html", context! {})
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
    /// The page to go to once signed in (a path on this site).
    next: Option<String>,
}

/// Only a local path is followed after sign-in, never another site.
fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/",
    }
}

async fn login(
    State(app): State<Arc<App>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    let token = form.token.trim();
    if token.is_empty() || app.db.caller(token).await?.is_none() {
        let error = "That token is unknown or revoked.";
        return Ok(render(
            StatusCode::UNAUTHORIZED,
            "login.html",
            context! { error },
        ));
    }
    // Lax, not Strict: the cookie must come along when a link from elsewhere
    // (a chat message, a README) opens a catalogue page.
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
    let next = local_path(form.next.as_deref());
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response())
}

async fn logout() -> Response {
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

async fn template(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath((group, name)): UrlPath<(String, String)>,
) -> Result<Response, Error> {
    let Some(caller) = signed_in(&app, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let found = if valid_name(&group) && valid_name(&name) {
        app.db.show(&caller, &group, &name).await
    } else {
        Err(Error::template_not_found(&group, &name))
    };
    let detail = match found {
        Ok(detail) => detail,
        Err(Error::NotFound(message)) => {
            return Ok(render(
                StatusCode::NOT_FOUND,
                "not_found.html",
                context! { user => caller.name, message },
            ))
        }
        Err(e) => return Err(e),
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("HOST")
        .to_string();
    Ok(render(
        StatusCode::OK,
        "template.html",
        context! {
            user => caller.name,
            t => detail.template,
            versions => detail.versions,
            metadata => detail.metadata,
            host,
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_after_sign_in() {
        assert_eq!(
            super::local_path(Some("/t/platform/web")),
            "/t/platform/web"
        );
        assert_eq!(super::local_path(Some("//evil.example")), "/");
        assert_eq!(super::local_path(Some("https://evil.example")), "/");
        assert_eq!(super::local_path(None), "/");
    }

    #[test]
    fn templates_compile() {
        let env = super::environment();
        for page in [
            "login.html",
            "catalogue.html",
            "template.html",
            "not_found.html",
        ] {
            assert!(env.get_template(page).is_ok(), "{page}");
        }
    }
}
