//! `stack migrate terraform`: a Terraform state (format version 4) becomes
//! a `stack` state.
//!
//! Every managed object keeps its address (module path, `count` and
//! `for_each` keys) and its status (tainted, deposed). Cloud objects are
//! imported through their provider's import by the id Terraform recorded,
//! so their attributes come from the cloud, never from Terraform's schema;
//! built-in objects have no cloud, so their attributes are carried over
//! (`carry`). Data sources are left to be read again by the next plan.
//! Root outputs are carried over, so `stack output` answers at once as
//! `terraform output` did; the next apply recomputes them.
//!
//! Objects that cannot be migrated are left out and listed with the
//! reason: a type `stack` does not support, an address without a block in
//! the templates, an instance of a module with `count`/`for_each` (not yet
//! supported), an object the cloud no longer has.

pub mod carry;
pub mod tfstate;

use std::collections::BTreeMap;
use std::sync::Arc;

use state::{OutputState, ResourceState, Status};

use crate::addrs::ObjectAddr;
use crate::config::{ProviderRef, Resource as Block};
use crate::context::Context;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::import::{record, Importer, Lookup};
use crate::provider::{Provider, Schema};
use crate::value::Value;
use tfstate::{AddressError, Instance, Resource, TerraformState};

/// The result: the state entries to write and what happened to each object.
#[derive(Debug, Default)]
pub struct Migration {
    /// New state entries by object address.
    pub resources: BTreeMap<String, ResourceState>,
    pub outputs: BTreeMap<String, OutputState>,
    /// In address order.
    pub migrated: Vec<Migrated>,
    /// In address order.
    pub skipped: Vec<Skipped>,
    /// Data source instances in Terraform's state: read again, not migrated.
    pub data_sources: usize,
}

/// How an object came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Found in the cloud through the provider's import.
    Imported,
    /// A built-in object: Terraform's attributes, as they were.
    CarriedOver,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The state key (an instance address, with `#deposed:KEY` for a deposed object).
    pub address: String,
    pub resource_type: String,
    /// The id it was imported by, or its `id`; `None` when that is sensitive.
    pub id: Option<String>,
    pub how: How,
    pub tainted: bool,
}

/// Why an object was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    UnsupportedType,
    NotInTemplates,
    NotFound,
    NoImportId,
}

impl SkipKind {
    /// The name used in `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipKind::UnsupportedType => "unsupported_type",
            SkipKind::NotInTemplates => "not_in_templates",
            SkipKind::NotFound => "not_found",
            SkipKind::NoImportId => "no_import_id",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub address: String,
    pub resource_type: String,
    pub kind: SkipKind,
    /// A full sentence saying why and what to do.
    pub reason: String,
}

/// One object waiting for its provider's lookup.
struct Job<'c> {
    object: ObjectAddr,
    block: &'c Block,
    instance: &'c Instance,
    id: String,
}

/// Builds the state entries for `source`'s objects; see the module
/// documentation. Errors are problems of the file or of a provider (an
/// import that failed, not one that found nothing): then nothing is to be
/// written.
pub async fn migrate(ctx: &Context, source: &TerraformState) -> Result<Migration, Diagnostics> {
    let mut migration = Migration::default();
    let mut providers = Providers::default();
    let mut jobs: BTreeMap<ProviderRef, Vec<Job<'_>>> = BTreeMap::new();
    for resource in &source.resources {
        if !resource.is_managed() {
            migration.data_sources += resource.instances.len();
            continue;
        }
        for instance in &resource.instances {
            let Some((object, block)) =
                locate(ctx, resource, instance, &mut providers, &mut migration)?
            else {
                continue;
            };
            let provider = providers.get(ctx, &block.provider.name);
            let Some(provider) = provider else { continue };
            if crate::builtin::is_builtin(&block.provider.name) {
                carry(ctx, &provider, block, &object, instance, &mut migration);
                continue;
            }
            let attributes = instance.attributes.clone().unwrap_or_default();
            match provider.terraform_import_id(&resource.resource_type, &attributes) {
                Some(id) => jobs.entry(block.provider.clone()).or_default().push(Job {
                    object,
                    block,
                    instance,
                    id,
                }),
                None => migration.skipped.push(Skipped {
                    address: object.to_string(),
                    resource_type: resource.resource_type.clone(),
                    kind: SkipKind::NoImportId,
                    reason: "Terraform's state records no id to import it by; import it with `stack import` once migrated.".to_string(),
                }),
            }
        }
    }
    import_all(ctx, jobs, &mut migration).await?;
    for (name, output) in &source.outputs {
        migration.outputs.insert(
            name.clone(),
            OutputState {
                value: output.value.clone(),
                sensitive: output.sensitive,
            },
        );
    }
    migration.migrated.sort_by(|a, b| a.address.cmp(&b.address));
    migration.skipped.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(migration)
}

/// The object's address and its block in the templates, or `None` when it
/// is left out (recorded in `migration.skipped`).
fn locate<'c>(
    ctx: &'c Context,
    resource: &Resource,
    instance: &Instance,
    providers: &mut Providers,
    migration: &mut Migration,
) -> Result<Option<(ObjectAddr, &'c Block)>, Diagnostics> {
    let skip = |migration: &mut Migration, address: String, kind, reason: String| {
        migration.skipped.push(Skipped {
            address,
            resource_type: resource.resource_type.clone(),
            kind,
            reason,
        });
    };
    let object = match resource.object_addr(instance) {
        Ok(object) => object,
        Err(e @ AddressError::Malformed(..)) => {
            return Err(Diagnostic::error(
                "Invalid Terraform state",
                format!(
                    "The resource {} has an address stack cannot read: {e}.",
                    resource.display()
                ),
            )
            .into())
        }
    };
    let block = ctx.config.resource(&object.instance.resource);
    let provider_name = match block {
        Some(block) => block.provider.name.clone(),
        None => tfstate::ProviderAddr::parse(&resource.provider)
            .map(|p| p.type_name().to_string())
            .unwrap_or_else(|| type_prefix(&resource.resource_type)),
    };
    if providers
        .schema(ctx, &provider_name, &resource.resource_type)
        .is_none()
    {
        skip(migration, object.to_string(), SkipKind::UnsupportedType, format!(
            "stack does not support the resource type {} (provider \"{provider_name}\"); remove its block from the templates and manage it another way.",
            resource.resource_type
        ));
        return Ok(None);
    }
    let Some(block) = block else {
        skip(migration, object.to_string(), SkipKind::NotInTemplates, format!(
            "the templates have no block for {}; Terraform would destroy it on its next apply. Write the block and run `stack import`, or leave it to Terraform.",
            object.instance.resource
        ));
        return Ok(None);
    };
    Ok(Some((object, block)))
}

/// The provider a resource type belongs to by its name (`aws_vpc` → `aws`).
fn type_prefix(type_name: &str) -> String {
    type_name.split('_').next().unwrap_or(type_name).to_string()
}

/// A built-in object: Terraform's attributes become the state record.
fn carry(
    ctx: &Context,
    provider: &Arc<dyn Provider>,
    block: &Block,
    object: &ObjectAddr,
    instance: &Instance,
    migration: &mut Migration,
) {
    let type_name = &block.addr.resource_type;
    let schema = provider.schema().resources.get(type_name.as_str());
    let schema = schema.cloned().unwrap_or_default();
    let attributes = instance.attributes.clone().unwrap_or_default();
    let value = carry::carry_over(&schema, type_name, &attributes, &instance.sensitive_paths());
    add(
        ctx,
        block,
        object,
        instance,
        &value,
        How::CarriedOver,
        migration,
    );
}

/// Records one object found or carried over.
fn add(
    ctx: &Context,
    block: &Block,
    object: &ObjectAddr,
    instance: &Instance,
    value: &Value,
    how: How,
    migration: &mut Migration,
) {
    let mut entry = record(ctx, block, &object.instance, value);
    if instance.tainted() {
        entry.status = Status::Tainted;
    }
    let id_hidden = entry
        .sensitive_paths
        .iter()
        .any(|p| p.first() == Some(&state::PathStep::Key("id".to_string())));
    let id = entry.attributes.get("id").and_then(|v| v.as_str());
    migration.migrated.push(Migrated {
        address: object.to_string(),
        resource_type: block.addr.resource_type.clone(),
        id: id.filter(|_| !id_hidden).map(str::to_string),
        how,
        tainted: instance.tainted(),
    });
    migration.resources.insert(object.to_string(), entry);
}

/// Looks every cloud object up, one batch per provider configuration.
async fn import_all(
    ctx: &Context,
    jobs: BTreeMap<ProviderRef, Vec<Job<'_>>>,
    migration: &mut Migration,
) -> Result<(), Diagnostics> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut importer = Importer::new(ctx);
    importer.prepare_all().await?;
    let mut errors = Diagnostics::new();
    for jobs in jobs.into_values() {
        let provider = importer.provider(jobs[0].block).await?;
        let lookups = jobs
            .iter()
            .map(|job| Lookup {
                type_name: job.block.addr.resource_type.clone(),
                id: job.id.clone(),
            })
            .collect();
        let results = Importer::lookup_many(provider, lookups).await;
        for (job, result) in jobs.iter().zip(results) {
            match result {
                Ok(Some(value)) => {
                    let value = carry::mark(value, &job.instance.sensitive_paths());
                    add(ctx, job.block, &job.object, job.instance, &value, How::Imported, migration);
                }
                Ok(None) => migration.skipped.push(Skipped {
                    address: job.object.to_string(),
                    resource_type: job.block.addr.resource_type.clone(),
                    kind: SkipKind::NotFound,
                    reason: format!("no {} with id {:?} exists any more (Terraform's state is older than the cloud); the next plan creates it.", job.block.addr.resource_type, job.id),
                }),
                Err(e) => errors.push(Diagnostic::error(
                    "Import failed",
                    format!("Importing {} with id {:?} failed: {e}", job.object, job.id),
                )),
            }
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    Ok(())
}

/// Provider instances and schemas by provider name, made once each.
#[derive(Default)]
struct Providers {
    instances: BTreeMap<String, Option<Arc<dyn Provider>>>,
}

impl Providers {
    fn get(&mut self, ctx: &Context, name: &str) -> Option<Arc<dyn Provider>> {
        self.instances
            .entry(name.to_string())
            .or_insert_with(|| ctx.providers.instantiate(name))
            .clone()
    }

    fn schema(&mut self, ctx: &Context, provider: &str, type_name: &str) -> Option<Schema> {
        let provider = self.get(ctx, provider)?;
        provider.schema().resources.get(type_name).cloned()
    }
}

#[cfg(test)]
mod tests;
