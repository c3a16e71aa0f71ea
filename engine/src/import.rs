//! `stack import ADDR ID`: brings an existing object under management.
//!
//! As in Terraform, the resource block must already be in the templates;
//! the provider finds the object by its id and the result is recorded in
//! state, so the next plan shows only the differences between the object
//! and its template.
//!
//! [`Importer`] is the seam for importing many objects in one run (`stack
//! migrate terraform`): each provider is configured once, and the objects
//! are looked up concurrently.

use std::sync::Arc;

use state::{Mode, ResourceState, State, Status};
use tokio::sync::Semaphore;

use crate::addrs::{InstanceAddr, ResourceMode};
use crate::config::Resource;
use crate::context::{Context, Walker};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use crate::encoding::encode;
use crate::graph::Node;
use crate::provider::{ImportRequest, Provider, ProviderError};
use crate::value::Value;

/// How many lookups one batch runs at once.
const PARALLEL_IMPORTS: usize = 10;

pub async fn import(
    ctx: &Context,
    state: &State,
    addr: &InstanceAddr,
    id: &str,
) -> Result<ResourceState, Diagnostics> {
    let resource = importable_block(ctx, addr)?;
    let address = addr.to_string();
    if state.resources.contains_key(&address) {
        return Err(Diagnostic::error(
            "Resource already managed",
            format!("{address} is already in the state. To manage another object there, remove it from the templates or import to another address."),
        )
        .into());
    }
    let mut importer = Importer::new(ctx);
    importer.prepare_provider(resource).await?;
    let provider = importer.provider(resource).await?;
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
    Ok(record(ctx, resource, addr, &value))
}

/// The resource block an import at `addr` needs, or why there is none.
fn importable_block<'c>(
    ctx: &'c Context,
    addr: &InstanceAddr,
) -> Result<&'c Resource, Diagnostics> {
    if addr.resource.mode == ResourceMode::Data {
        return Err(Diagnostic::error(
            "Invalid import address",
            "Data sources are read, not imported; import a managed resource.",
        )
        .into());
    }
    ctx.config.resource(&addr.resource).ok_or_else(|| {
        let known: Vec<String> = ctx
            .config
            .all_resources()
            .map(|r| r.addr.to_string())
            .collect();
        Diagnostic::error(
            "Configuration for import target does not exist",
            format!(
                "The templates have no block for {}. Write the resource block first (its arguments can be filled in after the import), then import.{}",
                addr.resource,
                did_you_mean(&addr.resource.to_string(), known.iter().map(String::as_str))
            ),
        )
        .into()
    })
}

/// The state record of an object found or carried over at `addr`: its
/// value, the dependencies its block has in the templates and its
/// lifecycle, as an apply would have recorded them.
pub fn record(
    ctx: &Context,
    resource: &Resource,
    addr: &InstanceAddr,
    value: &Value,
) -> ResourceState {
    let encoded = encode(value);
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
    ResourceState {
        mode: Mode::Managed,
        resource_type: addr.resource.resource_type.clone(),
        provider: resource.provider.to_string(),
        status: Status::Ready,
        attributes: encoded.json,
        sensitive_paths: encoded.sensitive,
        dependencies,
        create_before_destroy: resource.lifecycle.create_before_destroy,
        private: None,
    }
}

/// One object to look up: its resource type and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub type_name: String,
    pub id: String,
}

/// Imports objects through configured providers; each provider
/// configuration is evaluated and configured once for the whole run.
pub struct Importer<'c> {
    walker: Walker<'c>,
}

impl<'c> Importer<'c> {
    pub fn new(ctx: &'c Context) -> Importer<'c> {
        Importer {
            walker: Walker::new(ctx, false, false),
        }
    }

    /// Evaluates what every provider configuration needs (variables,
    /// locals), once, before [`Importer::provider`] is asked for any.
    pub async fn prepare_all(&mut self) -> Result<(), Diagnostics> {
        let diags = self.walker.prepare_providers().await;
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(())
    }

    /// Evaluates only what `resource`'s provider configuration needs.
    async fn prepare_provider(&mut self, resource: &Resource) -> Result<(), Diagnostics> {
        let ctx = self.walker.ctx;
        let provider_node = Node::Provider(resource.provider.clone());
        let Some(&index) = ctx.graph.index.get(&provider_node) else {
            return Ok(());
        };
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
            let diags = self.walker.visit_value_node(&node).await;
            if diags.has_errors() {
                return Err(diags);
            }
        }
        Ok(())
    }

    /// The configured provider of `resource`'s block.
    pub async fn provider(
        &mut self,
        resource: &Resource,
    ) -> Result<Arc<dyn Provider>, Diagnostics> {
        self.walker
            .provider_for(&resource.provider, resource)
            .await
            .map_err(Diagnostics::from)
    }

    /// Looks objects up through one provider, several at once. Each answer
    /// is in the order asked: the object's value, `None` when no such object
    /// exists, or the provider's error.
    pub async fn lookup_many(
        provider: Arc<dyn Provider>,
        lookups: Vec<Lookup>,
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let limit = Arc::new(Semaphore::new(PARALLEL_IMPORTS));
        let mut tasks = tokio::task::JoinSet::new();
        let count = lookups.len();
        for (i, lookup) in lookups.into_iter().enumerate() {
            let (provider, limit) = (provider.clone(), limit.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire().await;
                let request = ImportRequest {
                    type_name: &lookup.type_name,
                    id: &lookup.id,
                };
                (i, provider.import(request).await.map(|r| r.new_state))
            });
        }
        let mut out: Vec<Option<Result<Option<Value>, ProviderError>>> =
            (0..count).map(|_| None).collect();
        // A task that panicked leaves its slot empty: that lookup failed.
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, result)) = joined {
                out[i] = Some(result);
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(ProviderError::new("the lookup stopped unexpectedly")))
            })
            .collect()
    }
}
