//! The templates' `backend "TYPE" { … }` block (in `terraform {}` or
//! `stack {}`), evaluated into the arguments the state layer builds its
//! backend from. As in Terraform, its arguments are literal values: they are
//! read before any variable is, so they may not refer to any.

use std::collections::BTreeMap;

use hcl_edit::structure::{Body, Structure};
use state::BackendConfig;

use crate::config::{BackendBody, Config, Expr};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::eval::{references, Namespace, Scope};

/// The root module's backend, `None` for the default local one.
pub fn backend_config(config: &Config) -> Result<Option<BackendConfig>, Diagnostics> {
    let settings = &config.root().settings;
    let Some(kind) = settings.backend.clone() else {
        return Ok(None);
    };
    let mut diags = Diagnostics::new();
    let arguments = match &settings.backend_body {
        Some(block) => body_arguments(&block.body, block, &mut diags),
        None => BTreeMap::new(),
    };
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Some(BackendConfig { kind, arguments }))
}

/// Attributes become values; nested blocks (`endpoints { s3 = … }`) objects.
fn body_arguments(
    body: &Body,
    block: &BackendBody,
    diags: &mut Diagnostics,
) -> BTreeMap<String, serde_json::Value> {
    let namespace = Namespace::default();
    let scope = Scope::new(&namespace, block.file.clone());
    let mut out = BTreeMap::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let expr = Expr::new(attr.value.clone(), &block.file);
                if let Some(value) = literal(&scope, &expr, diags) {
                    out.insert(attr.key.as_str().to_string(), value);
                }
            }
            Structure::Block(inner) => {
                let nested = body_arguments(&inner.body, block, diags);
                out.insert(
                    inner.ident.as_str().to_string(),
                    serde_json::Value::Object(nested.into_iter().collect()),
                );
            }
        }
    }
    out
}

fn literal(scope: &Scope<'_>, expr: &Expr, diags: &mut Diagnostics) -> Option<serde_json::Value> {
    if !references(&expr.expr).is_empty() {
        diags.push(
            Diagnostic::error(
                "Variables not allowed",
                "A backend block is read before any variable, local or resource, so its arguments must be literal values. Write the value itself, or set it in the environment the backend reads (AWS_PROFILE, STACK_STATE_KEY).",
            )
            .with_span(expr.span.clone()),
        );
        return None;
    }
    match scope.eval(&expr.expr) {
        Ok(value) => Some(value.to_json()),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_of(template: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), template).unwrap();
        crate::config::load(dir.path()).0
    }

    #[test]
    fn an_s3_backend_block_becomes_its_arguments() {
        let config = config_of(
            r#"
terraform {
  backend "s3" {
    bucket         = "team-state"
    key            = "web/terraform.tfstate"
    use_path_style = true
    endpoints {
      s3 = "http://127.0.0.1:5000"
    }
  }
}
"#,
        );
        let backend = backend_config(&config).unwrap().unwrap();
        assert_eq!(backend.kind, "s3");
        assert_eq!(backend.arguments["bucket"], "team-state");
        assert_eq!(backend.arguments["use_path_style"], true);
        assert_eq!(
            backend.arguments["endpoints"]["s3"],
            "http://127.0.0.1:5000"
        );
    }

    #[test]
    fn no_backend_block_is_the_local_backend_and_variables_are_refused() {
        assert_eq!(backend_config(&config_of("")).unwrap(), None);
        let config = config_of(
            r#"
variable "bucket" {
  type = string
}
terraform {
  backend "s3" {
    bucket = var.bucket
  }
}
"#,
        );
        let err = backend_config(&config).unwrap_err();
        assert!(err.to_string().contains("Variables not allowed"), "{err}");
    }
}
