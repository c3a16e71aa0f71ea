//! The layout of an apply: which steps it has and in what order they may
//! run, worked out from the configuration graph and the plan before
//! anything starts.
//!
//! A replacement is two steps so that Terraform's order falls out of the
//! edges: for destroy-then-create, the old object's [`Step::Destroy`] runs
//! before the resource's [`Step::Config`] creates the new one, and after the
//! destroys of everything that depends on it; for `create_before_destroy`,
//! the config step creates the new object and deposes the old one, and a
//! [`Step::DestroyDeposed`] deletes the old one once everything that
//! depends on the resource has been updated to use the new one.

use std::collections::{HashMap, HashSet};

use petgraph::graph::NodeIndex;

use crate::addrs::{InstanceAddr, ModulePath, ObjectAddr, ResourceAddr};
use crate::context::Context;
use crate::graph::Node;
use crate::plan::{parse_provider_ref, Action, Plan, ResourceChange};
use crate::schedule::{Schedule, ScheduleBuilder};

/// One unit of work of an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A configuration node: a variable, local, output or provider, or a
    /// resource block's creates, updates and reads.
    Config(NodeIndex),
    /// Deletes one object: a deletion, or the first half of a
    /// destroy-then-create replacement.
    Destroy(ObjectAddr),
    /// Deletes the object that a `create_before_destroy` replacement of
    /// this instance deposed, once what depends on it uses the new one.
    DestroyDeposed(InstanceAddr),
}

pub struct Layout {
    pub steps: Vec<Step>,
    pub schedule: Schedule,
}

/// Lays out the steps of applying `plan` and the edges between them.
pub fn lay_out(ctx: &Context, plan: &Plan) -> Layout {
    let mut builder = LayoutBuilder::default();
    if !plan.destroy {
        for &index in &ctx.graph.order {
            builder.config_slot.insert(index, builder.steps.len());
            builder.steps.push(Step::Config(index));
        }
    }
    for change in &plan.resource_changes {
        builder.add_change(change, plan.destroy);
    }
    let mut edges = ScheduleBuilder::new(builder.steps.len());
    builder.config_edges(ctx, &mut edges);
    builder.destroy_edges(ctx, plan, &mut edges);
    builder.deposed_edges(ctx, &mut edges);
    Layout {
        steps: builder.steps,
        schedule: edges.build(),
    }
}

#[derive(Default)]
struct LayoutBuilder<'p> {
    steps: Vec<Step>,
    config_slot: HashMap<NodeIndex, usize>,
    /// Destroy steps with the change each carries out.
    destroys: Vec<(usize, ObjectAddr, &'p ResourceChange)>,
    destroys_of: HashMap<ResourceAddr, Vec<usize>>,
    deposed: Vec<(usize, InstanceAddr)>,
}

impl<'p> LayoutBuilder<'p> {
    fn add_change(&mut self, change: &'p ResourceChange, destroying: bool) {
        let Ok(object) = change.address.parse::<ObjectAddr>() else {
            return;
        };
        let destroys = change.action == Action::Delete
            || (change.action == Action::Replace && !change.create_before_destroy);
        if destroys {
            let slot = self.steps.len();
            self.steps.push(Step::Destroy(object.clone()));
            self.destroys_of
                .entry(object.instance.resource.to_static())
                .or_default()
                .push(slot);
            self.destroys.push((slot, object, change));
        } else if change.action == Action::Replace && !destroying {
            let slot = self.steps.len();
            self.steps
                .push(Step::DestroyDeposed(object.instance.clone()));
            self.deposed.push((slot, object.instance));
        }
    }

    fn config_of(&self, ctx: &Context, node: &Node) -> Option<usize> {
        ctx.graph
            .index
            .get(node)
            .and_then(|i| self.config_slot.get(i))
            .copied()
    }

    fn config_edges(&self, ctx: &Context, edges: &mut ScheduleBuilder) {
        for (&index, &slot) in &self.config_slot {
            for dependency in ctx.graph.dependencies(index) {
                edges.edge(self.config_slot[&dependency], slot);
            }
        }
    }

    /// A destroy runs after its provider is configured, after the destroys
    /// of everything that depended on its resource, and before its own
    /// resource (the create half of a replacement) and the resources it
    /// depended on are created or updated.
    fn destroy_edges(&self, ctx: &Context, plan: &Plan, edges: &mut ScheduleBuilder) {
        let dependencies = dependencies_by_resource(plan);
        let module_of: HashMap<usize, &ModulePath> = self
            .destroys
            .iter()
            .map(|(slot, object, _)| (*slot, &object.instance.resource.module))
            .collect();
        for (slot, object, change) in &self.destroys {
            let provider = Node::Provider(parse_provider_ref(&change.provider));
            if let Some(provider_slot) = self.config_of(ctx, &provider) {
                edges.edge(provider_slot, *slot);
            }
            // Ordering is by resource block: destroys in different instances
            // of a module are ordered as if they were one, which is safe.
            let resource = &object.instance.resource.to_static();
            if let Some(own) = self.config_of(ctx, &Node::Resource(resource.clone())) {
                edges.edge(*slot, own);
            }
            for dependency in dependencies.get(resource).into_iter().flatten() {
                if let Some(target) = self.config_of(ctx, &Node::Resource(dependency.clone())) {
                    edges.edge(*slot, target);
                }
            }
            let own_module = &object.instance.resource.module;
            for (before, same_instance) in self.destroyed_dependencies(resource, &dependencies) {
                for &other in &self.destroys_of[&before] {
                    if same_instance && module_of[&other] != own_module {
                        continue;
                    }
                    edges.edge(*slot, other);
                }
            }
        }
    }

    /// The nearest resources `resource` depends on, directly or through
    /// resources that are not destroyed, that have destroy steps: a walk
    /// that stops at each one found, since their own edges carry the order
    /// further. Each comes with whether it is reached only through
    /// resources of the same module: references inside a module stay in
    /// one instance of it, so then only the destroys in the same module
    /// instance need to wait (ordering every instance after every other
    /// made the edges quadratic in the number of instances). A path that
    /// leaves the module may join different instances, and keeps the order
    /// across all of them.
    fn destroyed_dependencies(
        &self,
        resource: &ResourceAddr,
        dependencies: &HashMap<ResourceAddr, Vec<ResourceAddr>>,
    ) -> Vec<(ResourceAddr, bool)> {
        let mut found: HashMap<&ResourceAddr, bool> = HashMap::new();
        let mut seen: HashSet<(&ResourceAddr, bool)> = HashSet::new();
        let local = |addr: &ResourceAddr, so_far: bool| so_far && addr.module == resource.module;
        let mut stack: Vec<(&ResourceAddr, bool)> = dependencies
            .get(resource)
            .into_iter()
            .flatten()
            .map(|d| (d, local(d, true)))
            .collect();
        while let Some((next, same_instance)) = stack.pop() {
            if next == resource || !seen.insert((next, same_instance)) {
                continue;
            }
            if self.destroys_of.contains_key(next) {
                let only_local = found.entry(next).or_insert(true);
                *only_local &= same_instance;
            } else {
                let further = dependencies.get(next).into_iter().flatten();
                stack.extend(further.map(|d| (d, local(d, same_instance))));
            }
        }
        let mut found: Vec<(ResourceAddr, bool)> =
            found.into_iter().map(|(a, l)| (a.clone(), l)).collect();
        found.sort();
        found
    }

    /// The old object of a `create_before_destroy` replacement is deleted
    /// after its resource and everything depending on it have run.
    fn deposed_edges(&self, ctx: &Context, edges: &mut ScheduleBuilder) {
        for (slot, instance) in &self.deposed {
            let node = Node::Resource(instance.resource.to_static());
            let Some(&index) = ctx.graph.index.get(&node) else {
                continue;
            };
            edges.edge(self.config_slot[&index], *slot);
            for dependent in ctx.graph.descendants(index) {
                if let Some(&dependent_slot) = self.config_slot.get(&dependent) {
                    edges.edge(dependent_slot, *slot);
                }
            }
        }
    }
}

/// The resources each resource depended on, as the plan records them (from
/// the configuration, or from state for what left it).
fn dependencies_by_resource(plan: &Plan) -> HashMap<ResourceAddr, Vec<ResourceAddr>> {
    let mut out: HashMap<ResourceAddr, Vec<ResourceAddr>> = HashMap::new();
    for change in &plan.resource_changes {
        let Ok(object) = change.address.parse::<ObjectAddr>() else {
            continue;
        };
        let entry = out.entry(object.instance.resource.to_static()).or_default();
        for dependency in &change.dependencies {
            if let Ok(parsed) = dependency.parse::<ResourceAddr>() {
                let parsed = parsed.to_static();
                if !entry.contains(&parsed) {
                    entry.push(parsed);
                }
            }
        }
    }
    out
}
