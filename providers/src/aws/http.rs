//! The HTTP client every AWS call goes through, as the provider block and
//! the environment shape it: extra trusted certificates
//! (`custom_ca_bundle` or `AWS_CA_BUNDLE`, for a TLS-inspecting corporate
//! proxy or a private endpoint) and proxies (`http_proxy`, `https_proxy`,
//! `no_proxy`, else the `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` variables, as
//! Terraform's provider reads them).
//!
//! The SDK's default client trusts the system's roots and uses no proxy;
//! this builds the same client (rustls with aws-lc, the SDK's own choice)
//! with those settings, from the SDK's own `aws-smithy-http-client`
//! rather than a second HTTP stack.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use engine::diagnostics::{Diagnostic, Diagnostics};
use engine::value::Value;

use super::values::{bool_attr, str_attr};

fn config_error(detail: impl Into<String>) -> Diagnostics {
    Diagnostic::error("Invalid AWS provider configuration", detail).into()
}

/// The proxy settings, from the block first and the environment after.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proxies {
    pub http: Option<String>,
    pub https: Option<String>,
    pub no_proxy: Option<String>,
}

impl Proxies {
    /// An empty `https_proxy` in the block means "no HTTPS proxy", so that
    /// an HTTP proxy can be used alone (as Terraform documents).
    pub fn from_config(config: &Value, env: &dyn Fn(&str) -> Option<String>) -> Proxies {
        let either = |name: &str, upper: &str| {
            str_attr(config, name).or_else(|| env(upper).or_else(|| env(name)))
        };
        let non_empty = |value: Option<String>| value.filter(|v| !v.is_empty());
        Proxies {
            http: non_empty(either("http_proxy", "HTTP_PROXY")),
            https: non_empty(either("https_proxy", "HTTPS_PROXY")),
            no_proxy: non_empty(either("no_proxy", "NO_PROXY")),
        }
    }

    fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The SDK's proxy configuration. The client has one proxy per
    /// scheme at most; when both are given and differ, HTTPS traffic (all
    /// of AWS's) takes `https_proxy`, plain HTTP (emulators) `http_proxy`.
    fn to_config(&self) -> Result<ProxyConfig, Diagnostics> {
        let bad = |name: &str, url: &str, e: &dyn std::fmt::Display| {
            config_error(format!("`{name}` = \"{url}\" is not a proxy URL: {e}"))
        };
        let config = match (&self.http, &self.https) {
            (Some(http), Some(https)) if http == https => {
                ProxyConfig::all(http).map_err(|e| bad("http_proxy", http, &e))?
            }
            (_, Some(https)) => {
                ProxyConfig::https(https).map_err(|e| bad("https_proxy", https, &e))?
            }
            (Some(http), None) => {
                ProxyConfig::http(http).map_err(|e| bad("http_proxy", http, &e))?
            }
            (None, None) => return Ok(ProxyConfig::disabled()),
        };
        Ok(match &self.no_proxy {
            Some(rules) => config.no_proxy(rules),
            None => config,
        })
    }
}

/// The certificates `custom_ca_bundle` (else `AWS_CA_BUNDLE`) names, read
/// and checked now so that a wrong path is a configuration error, not a
/// failed handshake later.
fn ca_bundle(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Vec<u8>>, Diagnostics> {
    let Some(path) = str_attr(config, "custom_ca_bundle").or_else(|| env("AWS_CA_BUNDLE")) else {
        return Ok(None);
    };
    let pem = std::fs::read(&path).map_err(|e| {
        config_error(format!(
            "custom_ca_bundle: the certificate bundle {path} could not be read: {e}"
        ))
    })?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(config_error(format!(
            "custom_ca_bundle: {path} holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")."
        )));
    }
    Ok(Some(pem))
}

/// The client for the provider block, or `None` when nothing differs from
/// the SDK's default client.
pub fn http_client(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<SharedHttpClient>, Diagnostics> {
    if bool_attr(config, "insecure").unwrap_or(false) {
        return Err(config_error(
            "insecure = true is not supported: stack always verifies the endpoint's TLS certificate. Give the certificate of the CA that signed it with `custom_ca_bundle` (or AWS_CA_BUNDLE) instead.",
        ));
    }
    let proxies = Proxies::from_config(config, env);
    let bundle = ca_bundle(config, env)?;
    if proxies.is_empty() && bundle.is_none() {
        return Ok(None);
    }
    let proxy = proxies.to_config()?;
    let mut trust = TrustStore::default().with_native_roots(true);
    if let Some(pem) = bundle {
        trust = trust.with_pem_certificate(pem);
    }
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| config_error(format!("custom_ca_bundle: {e}")))?;
    let rustls = tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc);
    // The connector is made per client settings (timeouts) and runtime
    // (sleep), as the SDK's default client makes its own.
    Ok(Some(Builder::new().build_with_connector_fn(
        move |settings, components| {
            let mut connector = Connector::builder()
                .proxy_config(proxy.clone())
                .connector_settings(settings.cloned().unwrap_or_default());
            if let Some(sleep) = components.and_then(|c| c.sleep_impl()) {
                connector = connector.sleep_impl(sleep);
            }
            connector
                .tls_provider(rustls.clone())
                .tls_context(context.clone())
                .build()
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_block_wins_over_the_environment_and_empty_means_none() {
        let env = |name: &str| match name {
            "HTTP_PROXY" => Some("http://env-proxy:3128".to_string()),
            "HTTPS_PROXY" => Some("http://env-proxy:3129".to_string()),
            "no_proxy" => Some("localhost".to_string()),
            _ => None,
        };
        let from_env = Proxies::from_config(&config(&[]), &env);
        assert_eq!(from_env.http.as_deref(), Some("http://env-proxy:3128"));
        assert_eq!(from_env.https.as_deref(), Some("http://env-proxy:3129"));
        assert_eq!(from_env.no_proxy.as_deref(), Some("localhost"));
        let block = config(&[
            ("http_proxy", Value::string("http://block:8080")),
            ("https_proxy", Value::string("")),
        ]);
        let from_block = Proxies::from_config(&block, &env);
        assert_eq!(from_block.http.as_deref(), Some("http://block:8080"));
        assert_eq!(from_block.https, None);
    }

    #[test]
    fn nothing_set_keeps_the_default_client() {
        assert!(http_client(&config(&[]), &no_env).unwrap().is_none());
    }

    #[test]
    fn bad_settings_are_configuration_errors() {
        let insecure = config(&[("insecure", Value::Bool(true))]);
        assert!(http_client(&insecure, &no_env).is_err());
        let missing = config(&[("custom_ca_bundle", Value::string("/nonexistent/ca.pem"))]);
        let error = format!("{:?}", http_client(&missing, &no_env).unwrap_err());
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
        let not_pem = tempfile_with(b"hello");
        let block = config(&[("custom_ca_bundle", Value::string(not_pem.to_str().unwrap()))]);
        assert!(http_client(&block, &no_env).is_err());
        let proxy = config(&[("https_proxy", Value::string("not a url"))]);
        assert!(http_client(&proxy, &no_env).is_err());
    }

    fn tempfile_with(bytes: &[u8]) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("stack-http-test-{}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }
}
