//! `stack import ADDR ID`: brings an existing object under management.
//!
//! As in Terraform, the resource block must already be in the templates;
//! the provider finds the object by its id and the result is recorded in
//! state, so the next plan shows only the differences between the object
//! and its template.

use state::{Mode, ResourceState, State, Status};

use crate::addrs::{InstanceAddr, ResourceMode};
use crate::context::{Context, Walker};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use crate::encoding::encode;
use crate::graph::Node;
use crate::provider::ImportRequest;

pub async fn import(
    ctx: &Context,
    state: &State,
    addr: &InstanceAddr,
    id: &str,
) -> Result<ResourceState, Diagnostics> {
    if addr.resource.mode == ResourceMode::Data {
        return Err(Diagnostic::error(
            "Invalid import address",
            "Data sources are read, not imported; import a managed resource.",
        )
        .into());
    }
    let Some(resource) = ctx.config.resource(&addr.resource) else {
        let known: Vec<String> = ctx
            .config
            .all_resources()
            .map(|r| r.addr.to_string())
            .collect();
        return Err(Diagnostic::error(
            "Configuration for import target does not exist",
            format!(
                "The templates have no block for {}. Write the resource block first (its arguments can be filled in after the import), then import.{}",
                addr.resource,
                did_you_mean(&addr.resource.to_string(), known.iter().map(String::as_str))
            ),
        )
        .into());
    };
    let address = addr.to_string();
    if state.resources.contains_key(&address) {
        return Err(Diagnostic::error(
            "Resource already managed",
            format!("{address} is already in the state. To manage another object there, remove it from the templates or import to another address."),
        )
        .into());
    }
    // Evaluate only what the provider configuration needs (variables, locals).
    let mut walker = Walker::new(ctx, false, false);
    let provider_node = Node::Provider(resource.provider.clone());
    if let Some(&index) = ctx.graph.index.get(&provider_node) {
        let mut needed = ctx.graph.ancestors(index);
        needed.push(index);
        let order: Vec<_> = ctx
            .graph
            .order
            .iter()
            .filter(|i| needed.contains(i))
            .copied()
            .collect();
        for i in order {
            let node = ctx.graph.node(i).clone();
            let diags = walker.visit_value_node(&node).await;
            if diags.has_errors() {
                return Err(diags);
            }
        }
    }
    let provider = walker
        .provider_for(&resource.provider, resource)
        .await
        .map_err(Diagnostics::from)?;
    let response = provider
        .import(ImportRequest {
            type_name: &addr.resource.resource_type,
            id,
        })
        .await
        .map_err(|e| {
            Diagnostics::from(Diagnostic::error(
                "Import failed",
                format!("Importing {address} with id {id:?} failed: {e}"),
            ))
        })?;
    let Some(value) = response.new_state else {
        return Err(Diagnostic::error(
            "Cannot import non-existent remote object",
            format!("No {} with id {id:?} was found. Check the id and the provider's region and endpoint.", addr.resource.resource_type),
        )
        .into());
    };
    let encoded = encode(&value);
    let dependencies = ctx
        .graph
        .index
        .get(&Node::Resource(addr.resource.clone()))
        .map(|&i| {
            ctx.graph
                .resource_dependencies(i)
                .iter()
                .map(ToString::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(ResourceState {
        mode: Mode::Managed,
        resource_type: addr.resource.resource_type.clone(),
        provider: resource.provider.to_string(),
        status: Status::Ready,
        attributes: encoded.json,
        sensitive_paths: encoded.sensitive,
        dependencies,
        create_before_destroy: resource.lifecycle.create_before_destroy,
        private: None,
    })
}
