//! The dependency graph of a configuration.
//!
//! Nodes are the things that produce values: variables, locals, outputs,
//! resources (one node per block; its instances are expanded when the node is
//! visited) and provider configurations. Edges go from a dependency to its
//! dependent, so a topological order is an evaluation order and the reverse
//! graph is the destroy order. A cycle is reported with every member's
//! location, found with Tarjan's algorithm.

use std::collections::{HashMap, HashSet};
use std::fmt;

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::addrs::{ModulePath, ResourceAddr};
use crate::config::{Config, Expr, ProviderRef};
use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::eval::{references, Reference, SpannedReference};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Provider(ProviderRef),
    Variable(ModulePath, String),
    Local(ModulePath, String),
    Output(ModulePath, String),
    Resource(ResourceAddr),
    /// A module block, by the static path of the module it calls: visiting
    /// it expands `count`/`for_each` into the module's instances, before
    /// anything inside the module is evaluated.
    Module(ModulePath),
}

impl Node {
    pub fn module(&self) -> ModulePath {
        match self {
            Node::Provider(_) => ModulePath::root(),
            Node::Variable(m, _) | Node::Local(m, _) | Node::Output(m, _) => m.clone(),
            Node::Resource(addr) => addr.module.clone(),
            Node::Module(path) => path.parent().unwrap_or_default(),
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = |m: &ModulePath| {
            if m.is_root() {
                String::new()
            } else {
                format!("{m}.")
            }
        };
        match self {
            Node::Provider(p) => write!(f, "{p}"),
            Node::Variable(m, n) => write!(f, "{}var.{n}", prefix(m)),
            Node::Local(m, n) => write!(f, "{}local.{n}", prefix(m)),
            Node::Output(m, n) => write!(f, "{}output.{n}", prefix(m)),
            Node::Resource(addr) => write!(f, "{addr}"),
            Node::Module(path) => write!(f, "{path}"),
        }
    }
}

pub struct Graph {
    pub graph: DiGraph<Node, ()>,
    pub index: HashMap<Node, NodeIndex>,
    /// Nodes in dependency order (every node after all its dependencies).
    pub order: Vec<NodeIndex>,
}

impl Graph {
    pub fn node(&self, index: NodeIndex) -> &Node {
        &self.graph[index]
    }

    pub fn dependencies(&self, index: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(index, Direction::Incoming)
    }

    pub fn dependents(&self, index: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(index, Direction::Outgoing)
    }

    /// The resources a node depends on, directly or through locals,
    /// variables and outputs (used to record each resource's dependencies).
    pub fn resource_dependencies(&self, index: NodeIndex) -> Vec<ResourceAddr> {
        // A set of the nodes visited, not a flag per node of the graph: this
        // runs once per resource, and clearing a whole-graph array each time
        // made planning quadratic in the number of resources.
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<NodeIndex> = self.dependencies(index).collect();
        let mut out = Vec::new();
        while let Some(next) = stack.pop() {
            if !seen.insert(next) {
                continue;
            }
            match &self.graph[next] {
                Node::Resource(addr) => out.push(addr.clone()),
                Node::Provider(_) => {}
                _ => stack.extend(self.dependencies(next)),
            }
        }
        out.sort();
        out
    }

    /// Every node that depends on `index`, directly or not.
    pub fn descendants(&self, index: NodeIndex) -> Vec<NodeIndex> {
        self.walk(index, Direction::Outgoing)
    }

    /// Every node `index` depends on, directly or not.
    pub fn ancestors(&self, index: NodeIndex) -> Vec<NodeIndex> {
        self.walk(index, Direction::Incoming)
    }

    fn walk(&self, index: NodeIndex, direction: Direction) -> Vec<NodeIndex> {
        // A set, not a flag per node: callers walk from many nodes.
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![index];
        let mut out = Vec::new();
        while let Some(next) = stack.pop() {
            for n in self.graph.neighbors_directed(next, direction) {
                if seen.insert(n) {
                    out.push(n);
                    stack.push(n);
                }
            }
        }
        out
    }

    /// Graphviz DOT, nodes and edges sorted for deterministic output.
    pub fn to_dot(&self) -> String {
        let mut lines = Vec::new();
        for edge in self.graph.edge_indices() {
            if let Some((from, to)) = self.graph.edge_endpoints(edge) {
                lines.push(format!(
                    "  \"{}\" -> \"{}\";",
                    self.graph[to], self.graph[from]
                ));
            }
        }
        lines.sort();
        let mut nodes: Vec<String> = self
            .graph
            .node_indices()
            .map(|i| {
                let shape = match &self.graph[i] {
                    Node::Resource(_) => "box",
                    Node::Provider(_) => "diamond",
                    Node::Module(_) => "folder",
                    _ => "note",
                };
                format!("  \"{}\" [shape={shape}];", self.graph[i])
            })
            .collect();
        nodes.sort();
        format!(
            "digraph stack {{\n  rankdir = \"RL\";\n{}\n{}\n}}\n",
            nodes.join("\n"),
            lines.join("\n")
        )
    }
}

/// Builds the graph. Errors: cycles (with every member's location).
pub fn build(config: &Config) -> Result<Graph, Diagnostics> {
    let mut graph: DiGraph<Node, ()> = DiGraph::new();
    let mut index: HashMap<Node, NodeIndex> = HashMap::new();
    let mut spans: HashMap<NodeIndex, Option<Span>> = HashMap::new();
    fn add(
        graph: &mut DiGraph<Node, ()>,
        index: &mut HashMap<Node, NodeIndex>,
        spans: &mut HashMap<NodeIndex, Option<Span>>,
        node: Node,
        span: Option<Span>,
    ) {
        let i = graph.add_node(node.clone());
        index.insert(node, i);
        spans.insert(i, span);
    }
    for module in config.modules.values() {
        let m = &module.path;
        for v in module.variables.values() {
            add(
                &mut graph,
                &mut index,
                &mut spans,
                Node::Variable(m.clone(), v.name.clone()),
                v.span.clone(),
            );
        }
        for l in module.locals.values() {
            add(
                &mut graph,
                &mut index,
                &mut spans,
                Node::Local(m.clone(), l.name.clone()),
                l.expr.span.clone(),
            );
        }
        for o in module.outputs.values() {
            add(
                &mut graph,
                &mut index,
                &mut spans,
                Node::Output(m.clone(), o.name.clone()),
                o.span.clone(),
            );
        }
        for r in module.resources.values() {
            add(
                &mut graph,
                &mut index,
                &mut spans,
                Node::Resource(r.addr.clone()),
                r.span.clone(),
            );
        }
        for call in module.module_calls.values() {
            let child = m.child(&call.name);
            if config.modules.contains_key(&child) {
                add(
                    &mut graph,
                    &mut index,
                    &mut spans,
                    Node::Module(child),
                    call.span.clone(),
                );
            }
        }
    }
    let root = config.root();
    for p in &root.providers {
        let node = Node::Provider(ProviderRef {
            name: p.name.clone(),
            alias: p.alias.clone(),
        });
        if !index.contains_key(&node) {
            add(&mut graph, &mut index, &mut spans, node, p.span.clone());
        }
    }

    let mut edges: Vec<(Node, Node)> = Vec::new();
    let mut self_references: Vec<Diagnostic> = Vec::new();
    let link = |module: &ModulePath, exprs: &[&Expr], to: &Node, edges: &mut Vec<(Node, Node)>| {
        for expr in exprs {
            for r in references(&expr.expr) {
                for from in reference_nodes(config, module, &r.reference) {
                    edges.push((from, to.clone()));
                }
            }
        }
    };
    module_edges(config, &index, &mut edges);
    for module in config.modules.values() {
        let m = &module.path;
        for l in module.locals.values() {
            link(
                m,
                &[&l.expr],
                &Node::Local(m.clone(), l.name.clone()),
                &mut edges,
            );
        }
        for o in module.outputs.values() {
            let node = Node::Output(m.clone(), o.name.clone());
            let mut exprs: Vec<&Expr> = o.depends_on.iter().collect();
            exprs.extend(o.expr.iter());
            for condition in &o.preconditions {
                exprs.push(&condition.condition);
                exprs.push(&condition.error_message);
            }
            link(m, &exprs, &node, &mut edges);
        }
        for v in module.variables.values() {
            let node = Node::Variable(m.clone(), v.name.clone());
            // Validation conditions may refer to other variables of the module.
            let conditions: Vec<&Expr> = v.validations.iter().map(|c| &c.condition).collect();
            let mut deps = Vec::new();
            link(m, &conditions, &node, &mut deps);
            edges.extend(deps.into_iter().filter(|(from, _)| from != &node));
            // A child module's variable depends on the parent's argument expression.
            if let Some(parent) = m.parent() {
                let call_name = m.call_name().unwrap_or_default().to_string();
                if let Some(call) = config
                    .modules
                    .get(&parent)
                    .and_then(|p| p.module_calls.get(&call_name))
                {
                    if let Some(arg) = call.arguments.get(&v.name) {
                        link(&parent, &[arg], &node, &mut edges);
                    }
                }
            }
        }
        for r in module.resources.values() {
            let node = Node::Resource(r.addr.clone());
            let mut exprs: Vec<&Expr> = Vec::new();
            exprs.extend(r.count.iter());
            exprs.extend(r.for_each.iter());
            exprs.extend(r.depends_on.iter());
            exprs.extend(r.lifecycle.prevent_destroy.iter());
            exprs.extend(r.lifecycle.replace_triggered_by.iter());
            let conditions = r
                .lifecycle
                .preconditions
                .iter()
                .chain(&r.lifecycle.postconditions);
            for condition in conditions {
                exprs.push(&condition.condition);
                exprs.push(&condition.error_message);
            }
            link(m, &exprs, &node, &mut edges);
            // An import block's id is evaluated (in the root module) when
            // its target resource is planned, so what it refers to comes first.
            let import_ids: Vec<&Expr> = crate::refactor::imports(config)
                .filter(|i| i.to.resource.to_static() == r.addr)
                .map(|i| &i.id)
                .collect();
            link(&ModulePath::root(), &import_ids, &node, &mut edges);
            // Provisioners receive the stack's configuration map.
            if !r.provisioners.is_empty() {
                if let Some(configuration) = &root.settings.configuration {
                    link(&ModulePath::root(), &[configuration], &node, &mut edges);
                }
            }
            // Create-time provisioners run once the object exists, and what
            // they refer to must be known by then (destroy-time ones may
            // refer only to the object itself).
            let provisioner_bodies = r
                .provisioners
                .iter()
                .filter(|p| p.when == crate::provisioner::When::Create)
                .map(|p| &p.body);
            let body_refs = std::iter::once(&*r.body)
                .chain(provisioner_bodies)
                .flat_map(body_references);
            for body_ref in body_refs {
                for from in reference_nodes(config, m, &body_ref.reference) {
                    if from == node {
                        self_references.push(
                            Diagnostic::error(
                                "Self-referential block",
                                format!("Configuration for {} may not refer to itself. Use `self` in provisioner and connection blocks, or refer to another resource.", r.addr),
                            )
                            .with_span(body_ref.range.clone().map(|range| Span::new(r.file.clone(), range))),
                        );
                    } else {
                        edges.push((from, node.clone()));
                    }
                }
            }
            // A module's `depends_on` applies to everything inside it.
            let mut ancestor = m.clone();
            while let Some(parent) = ancestor.parent() {
                let call_name = ancestor.call_name().unwrap_or_default().to_string();
                if let Some(call) = config
                    .modules
                    .get(&parent)
                    .and_then(|p| p.module_calls.get(&call_name))
                {
                    let deps: Vec<&Expr> = call.depends_on.iter().collect();
                    link(&parent, &deps, &node, &mut edges);
                }
                ancestor = parent;
            }
            let provider = Node::Provider(r.provider.clone());
            if index.contains_key(&provider) {
                edges.push((provider, node.clone()));
            }
        }
    }
    for p in &root.providers {
        let node = Node::Provider(ProviderRef {
            name: p.name.clone(),
            alias: p.alias.clone(),
        });
        for r in body_references(&p.body) {
            for from in reference_nodes(config, &ModulePath::root(), &r.reference) {
                edges.push((from, node.clone()));
            }
        }
    }
    // Deduplicate with a set: `update_edge` scans the source's edge list,
    // which made a fan-out of N dependents on one node O(N²).
    let mut seen: HashSet<(NodeIndex, NodeIndex)> = HashSet::with_capacity(edges.len());
    for (from, to) in edges {
        if let (Some(&a), Some(&b)) = (index.get(&from), index.get(&to)) {
            if seen.insert((a, b)) {
                graph.add_edge(a, b, ());
            }
        }
    }

    if !self_references.is_empty() {
        return Err(Diagnostics(self_references));
    }
    match toposort(&graph, None) {
        Ok(order) => Ok(Graph {
            graph,
            index,
            order,
        }),
        Err(_) => Err(cycle_diagnostics(&graph, &spans)),
    }
}

fn cycle_diagnostics(
    graph: &DiGraph<Node, ()>,
    spans: &HashMap<NodeIndex, Option<Span>>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for component in tarjan_scc(graph) {
        let is_cycle = component.len() > 1 || graph.contains_edge(component[0], component[0]);
        if !is_cycle {
            continue;
        }
        // Walk the cycle in dependency order so the message reads as a path.
        let mut members = component.clone();
        members.sort_by_key(|i| graph[*i].to_string());
        let path = cycle_path(graph, &members);
        let names: Vec<String> = path.iter().map(|i| graph[*i].to_string()).collect();
        let mut diagnostic = Diagnostic::error(
            "Cycle in dependencies",
            format!(
                "These objects depend on each other in a cycle: {} → {}. Break the cycle by removing one of the references.",
                names.join(" → "),
                names.first().cloned().unwrap_or_default()
            ),
        );
        for (n, i) in path.iter().enumerate() {
            if let Some(Some(span)) = spans.get(i) {
                if n == 0 {
                    diagnostic = diagnostic.with_span(Some(span.clone()));
                } else {
                    diagnostic = diagnostic
                        .with_related(span.clone(), format!("{} is part of the cycle", graph[*i]));
                }
            }
        }
        diags.push(diagnostic);
    }
    diags
}

/// Orders the members of a strongly connected component along its edges.
fn cycle_path(graph: &DiGraph<Node, ()>, members: &[NodeIndex]) -> Vec<NodeIndex> {
    let Some(&start) = members.first() else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut current = start;
    while path.len() < members.len() {
        let next = graph
            .neighbors_directed(current, Direction::Outgoing)
            .filter(|n| members.contains(n) && !path.contains(n))
            .min_by_key(|n| graph[*n].to_string());
        match next {
            Some(n) => {
                path.push(n);
                current = n;
            }
            None => break,
        }
    }
    for m in members {
        if !path.contains(m) {
            path.push(*m);
        }
    }
    path
}

/// Edges of module blocks: what `count`/`for_each` refer to comes before
/// the module block, which comes before everything in its module (so its
/// instances are known when the module's contents are visited).
fn module_edges(config: &Config, index: &HashMap<Node, NodeIndex>, edges: &mut Vec<(Node, Node)>) {
    for module in config.modules.values() {
        for call in module.module_calls.values() {
            let node = Node::Module(module.path.child(&call.name));
            for expr in call.count.iter().chain(&call.for_each) {
                for r in references(&expr.expr) {
                    for from in reference_nodes(config, &module.path, &r.reference) {
                        edges.push((from, node.clone()));
                    }
                }
            }
        }
    }
    for node in index.keys() {
        let inside = match node {
            Node::Provider(_) => continue,
            Node::Module(path) => path.parent().unwrap_or_default(),
            other => other.module(),
        };
        if !inside.is_root() {
            edges.push((Node::Module(inside), node.clone()));
        }
    }
}

/// The nodes a reference made in `module` resolves to.
pub(crate) fn reference_nodes(
    config: &Config,
    module: &ModulePath,
    reference: &Reference,
) -> Vec<Node> {
    match reference {
        Reference::Var(name) => vec![Node::Variable(module.clone(), name.clone())],
        Reference::Local(name) => vec![Node::Local(module.clone(), name.clone())],
        Reference::ModuleOutput(call, Some(output)) => {
            vec![Node::Output(module.child(call), output.clone())]
        }
        Reference::ModuleOutput(call, None) => config
            .modules
            .get(&module.child(call))
            .map(|m| {
                m.outputs
                    .keys()
                    .map(|o| Node::Output(module.child(call), o.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        Reference::Resource(mode, type_name, name) => {
            vec![Node::Resource(ResourceAddr::new(
                module.clone(),
                *mode,
                type_name,
                name,
            ))]
        }
    }
}

/// References in a resource or provider body, including nested and dynamic blocks.
pub fn body_references(body: &hcl_edit::structure::Body) -> Vec<SpannedReference> {
    let mut out = Vec::new();
    collect_body_references(body, &mut out);
    out
}

fn collect_body_references(body: &hcl_edit::structure::Body, out: &mut Vec<SpannedReference>) {
    for structure in body.iter() {
        match structure {
            hcl_edit::structure::Structure::Attribute(attr) => {
                crate::eval::references_into(&attr.value, out);
            }
            hcl_edit::structure::Structure::Block(block) => {
                // Provisioners run after creation and may use `self`; the
                // references of create-time ones are collected separately.
                if matches!(
                    block.ident.as_str(),
                    "lifecycle" | "provisioner" | "connection"
                ) {
                    continue;
                }
                collect_body_references(&block.body, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_of(template: &str) -> Result<Graph, Diagnostics> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), template).unwrap();
        let (config, diags) = crate::config::load(dir.path());
        assert!(!diags.has_errors(), "{diags}");
        build(&config)
    }

    fn resource(name: &str) -> Node {
        Node::Resource(ResourceAddr::new(
            ModulePath::root(),
            crate::addrs::ResourceMode::Managed,
            "terraform_data",
            name,
        ))
    }

    #[test]
    fn resource_dependencies_see_through_locals_and_the_order_respects_them() {
        let graph = graph_of(
            r#"
resource "terraform_data" "a" {}
locals {
  via = terraform_data.a.id
}
resource "terraform_data" "b" {
  input = local.via
}
"#,
        )
        .unwrap();
        let b = graph.index[&resource("b")];
        let deps: Vec<String> = graph
            .resource_dependencies(b)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(deps, ["terraform_data.a"]);
        let position = |n: &Node| {
            graph
                .order
                .iter()
                .position(|i| *i == graph.index[n])
                .unwrap()
        };
        assert!(position(&resource("a")) < position(&resource("b")));
    }

    #[test]
    fn a_cycle_names_every_member() {
        let Err(err) = graph_of(
            r#"
resource "terraform_data" "a" {
  input = terraform_data.c.id
}
resource "terraform_data" "b" {
  input = terraform_data.a.id
}
resource "terraform_data" "c" {
  input = terraform_data.b.id
}
"#,
        ) else {
            panic!("a cycle must be an error");
        };
        let err = err.to_string();
        for member in ["terraform_data.a", "terraform_data.b", "terraform_data.c"] {
            assert!(err.contains(member), "{err}");
        }
    }
}
