//! The registry client used by the `stack` binary: saved logins, the API
//! calls, and choosing a version for a constraint.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::credentials::CredentialRef;
use crate::db::{TemplateDetail, TemplateInfo};
use crate::Error;

/// Saved logins: `credentials.json` in the user's config directory (0600).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Credentials {
    /// The registry `stack template …` uses: the last one logged in to.
    pub default: Option<String>,
    /// Tokens by registry URL.
    pub tokens: BTreeMap<String, String>,
}

/// `$STACK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/stack`, else `~/.config/stack`.
pub fn config_dir() -> Option<PathBuf> {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("STACK_CONFIG_DIR")
        .or_else(|| env("XDG_CONFIG_HOME").map(|d| d.join("stack")))
        .or_else(|| env("HOME").map(|d| d.join(".config").join("stack")))
}

impl Credentials {
    fn path() -> Result<PathBuf, Error> {
        config_dir()
            .map(|d| d.join("credentials.json"))
            .ok_or_else(|| {
                Error::Client("no config directory: set HOME or STACK_CONFIG_DIR".into())
            })
    }

    pub fn load() -> Result<Credentials, Error> {
        let path = Self::path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                Error::Client(format!(
                    "{} is not valid: {e}; log in again with `stack login URL`",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
            Err(e) => Err(Error::Client(format!("reading {}: {e}", path.display()))),
        }
    }

    /// Writes the file readable by its owner only.
    pub fn save(&self) -> Result<PathBuf, Error> {
        use std::io::Write;
        let path = Self::path()?;
        let fail = |e: std::io::Error| Error::Client(format!("writing {}: {e}", path.display()));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(0o600);
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .map_err(fail)?;
            }
        }
        let mut file = options.open(&path).map_err(fail)?;
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        file.write_all(text.as_bytes()).map_err(fail)?;
        Ok(path)
    }
}

/// `host[:port]` of a URL, as written in `registry://HOST/…` sources.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Client {
        Client {
            base: base.trim_end_matches('/').to_string(),
            token,
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The registry logged in to last (or `STACK_REGISTRY_URL`), with its
    /// token (or `STACK_REGISTRY_TOKEN`).
    pub fn from_login() -> Result<Client, Error> {
        let creds = Credentials::load()?;
        let url = std::env::var("STACK_REGISTRY_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .or(creds.default.clone())
            .ok_or_else(|| {
                Error::Client("not logged in to a registry: run `stack login URL` first".into())
            })?;
        let token = env_token().or_else(|| creds.tokens.get(&url).cloned());
        Ok(Client::new(&url, token))
    }

    /// The client for `registry://HOST/…`: the saved login whose URL has that
    /// host (keeping its scheme), else `https://HOST`.
    pub fn for_host(host: &str) -> Result<Client, Error> {
        let creds = Credentials::load()?;
        let saved = creds.tokens.iter().find(|(url, _)| url_host(url) == host);
        Ok(match saved {
            Some((url, token)) => Client::new(url, env_token().or(Some(token.clone()))),
            None => Client::new(&format!("https://{host}"), env_token()),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Error> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        let response = request.send().await.map_err(|e| {
            Error::Client(format!("cannot reach the registry at {}: {e}", self.base))
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let message = match response.json::<ErrorBody>().await {
            Ok(body) => body.error,
            Err(_) => status.canonical_reason().unwrap_or("error").to_string(),
        };
        Err(Error::Client(format!(
            "the registry answered {}: {message}",
            status.as_u16()
        )))
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Error> {
        self.send(request)
            .await?
            .json()
            .await
            .map_err(|e| Error::Client(format!("unexpected answer from the registry: {e}")))
    }

    pub async fn whoami(&self) -> Result<serde_json::Value, Error> {
        self.json(self.http.get(self.url("/whoami"))).await
    }

    /// Every template the caller may see, page after page.
    pub async fn list(&self) -> Result<Vec<TemplateInfo>, Error> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("limit", crate::server::MAX_PAGE.to_string())];
            if let Some(after) = &after {
                query.push(("after", after.clone()));
            }
            let page: ListPage = self
                .json(self.http.get(self.url("/templates")).query(&query))
                .await?;
            all.extend(page.templates);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    pub async fn show(&self, group: &str, name: &str) -> Result<TemplateDetail, Error> {
        self.json(
            self.http
                .get(self.url(&format!("/templates/{group}/{name}"))),
        )
        .await
    }

    pub async fn publish(
        &self,
        template: &TemplateRef,
        version: &str,
        access: Option<&str>,
        description: Option<&str>,
        archive: Vec<u8>,
    ) -> Result<serde_json::Value, Error> {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(access) = access {
            query.push(("access", access));
        }
        if let Some(description) = description {
            query.push(("description", description));
        }
        let path = format!(
            "/templates/{}/{}/versions/{version}",
            template.group, template.name
        );
        let request = self
            .http
            .put(self.url(&path))
            .query(&query)
            .header(reqwest::header::CONTENT_TYPE, "application/gzip")
            .body(archive);
        self.json(request).await
    }

    pub async fn set_access(&self, template: &TemplateRef, access: &str) -> Result<(), Error> {
        let path = format!("/templates/{}/{}/access", template.group, template.name);
        let body = serde_json::json!({ "access": access });
        self.send(self.http.put(self.url(&path)).json(&body))
            .await
            .map(|_| ())
    }

    pub async fn yank(&self, template: &TemplateRef, version: &str) -> Result<(), Error> {
        let path = format!(
            "/templates/{}/{}/versions/{version}/yank",
            template.group, template.name
        );
        self.send(self.http.post(self.url(&path))).await.map(|_| ())
    }

    /// A version's archive, checked against the digest the registry lists for it.
    pub async fn download(
        &self,
        group: &str,
        name: &str,
        version: &str,
        listed: &str,
    ) -> Result<Vec<u8>, Error> {
        let path = format!("/templates/{group}/{name}/versions/{version}/archive");
        let response = self.send(self.http.get(self.url(&path))).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::Client(format!("downloading {group}/{name} {version}: {e}")))?
            .to_vec();
        let digest = crate::archive::digest(&bytes);
        if digest != listed {
            return Err(Error::Client(format!(
                "the archive of {group}/{name} {version} has digest {digest}, but the registry lists {listed}; refusing it"
            )));
        }
        Ok(bytes)
    }

    pub async fn credentials(&self, group: &str) -> Result<Vec<CredentialRef>, Error> {
        let path = format!("/groups/{group}/credentials");
        self.json(self.http.get(self.url(&path))).await
    }

    pub async fn credential(&self, group: &str, name: &str) -> Result<CredentialRef, Error> {
        let path = format!("/groups/{group}/credentials/{name}");
        self.json(self.http.get(self.url(&path))).await
    }

    /// Registers (or replaces) a reference; `body` holds role_arn, region,
    /// external_id and access.
    pub async fn put_credential(
        &self,
        group: &str,
        name: &str,
        body: &serde_json::Value,
    ) -> Result<(), Error> {
        let path = format!("/groups/{group}/credentials/{name}");
        self.send(self.http.put(self.url(&path)).json(body))
            .await
            .map(|_| ())
    }

    pub async fn delete_credential(&self, group: &str, name: &str) -> Result<(), Error> {
        let path = format!("/groups/{group}/credentials/{name}");
        self.send(self.http.delete(self.url(&path)))
            .await
            .map(|_| ())
    }

    pub async fn group_default(&self, group: &str) -> Result<Option<String>, Error> {
        let answer: serde_json::Value = self
            .json(self.http.get(self.url(&format!("/groups/{group}/default"))))
            .await?;
        Ok(answer["default_template"].as_str().map(str::to_string))
    }
}

/// One page of `GET /templates`.
#[derive(Deserialize)]
struct ListPage {
    templates: Vec<TemplateInfo>,
    next: Option<String>,
}

fn env_token() -> Option<String> {
    std::env::var("STACK_REGISTRY_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
}

/// `GROUP/NAME` with an optional `@CONSTRAINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRef {
    pub group: String,
    pub name: String,
    pub constraint: Option<String>,
}

impl TemplateRef {
    pub fn parse(text: &str) -> Result<TemplateRef, Error> {
        let (path, constraint) = match text.split_once('@') {
            Some((path, c)) => (path, Some(c.trim().to_string())),
            None => (text, None),
        };
        let bad = || {
            Error::Client(format!(
                "{text:?} is not GROUP/NAME (optionally @VERSION or @CONSTRAINT)"
            ))
        };
        let (group, name) = path.split_once('/').ok_or_else(bad)?;
        if !crate::valid_name(group) || !crate::valid_name(name) {
            return Err(bad());
        }
        Ok(TemplateRef {
            group: group.to_string(),
            name: name.to_string(),
            constraint: constraint.filter(|c| !c.is_empty()),
        })
    }
}

/// The newest version that is not yanked and meets the constraint
/// (Terraform's syntax: `1.2.0`, `~> 1.2`, `>= 1.0, < 2.0`).
pub fn choose_version(detail: &TemplateDetail, constraint: Option<&str>) -> Result<String, Error> {
    let constraints = match constraint {
        Some(c) => engine::version::parse_constraints(c).map_err(|_| {
            Error::Client(format!(
                "{c:?} is not a version constraint such as 1.2.0 or ~> 1.2"
            ))
        })?,
        None => Vec::new(),
    };
    let t = &detail.template;
    detail
        .versions
        .iter()
        .filter(|v| !v.yanked)
        .filter_map(|v| semver::Version::parse(&v.version).ok().map(|s| (s, v)))
        .filter(|(s, _)| s.pre.is_empty())
        .filter(|(_, v)| {
            engine::version::parse_version(&v.version)
                .is_ok_and(|parsed| engine::version::allows_all(&constraints, &parsed))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v.version.clone())
        .ok_or_else(|| {
            Error::Client(format!(
                "{}/{} has no version matching {:?} that is not yanked",
                t.group,
                t.name,
                constraint.unwrap_or("any")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_refs() {
        let r = TemplateRef::parse("platform/web@~> 1.2").unwrap();
        assert_eq!((r.group.as_str(), r.name.as_str()), ("platform", "web"));
        assert_eq!(r.constraint.as_deref(), Some("~> 1.2"));
        assert!(TemplateRef::parse("web").is_err());
        assert!(TemplateRef::parse("../x/web").is_err());
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(url_host("http://127.0.0.1:8470"), "127.0.0.1:8470");
        assert_eq!(url_host("https://reg.example.com/"), "reg.example.com");
    }
}
