//! The apply scheduler as an explicit state machine, free of providers,
//! configuration and tokio: nodes, the edges between them, a ready queue,
//! what is in flight, and how each node ended.
//!
//! `apply` drives it: it takes ready nodes ([`Schedule::pop_ready`]), runs
//! them, and reports each outcome ([`Schedule::succeed`], [`Schedule::fail`]).
//! A failure skips everything that depends on the failed node while
//! independent branches go on; [`Schedule::cancel`] skips everything not yet
//! started, so that in-flight work finishes and nothing new begins. Keeping
//! these rules here, rather than in the walker loop, lets them be tested
//! without any provider.

use std::collections::{HashSet, VecDeque};

/// Why a node did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Something it depends on failed.
    DependencyFailed,
    /// The apply was interrupted (Ctrl-C) before it could start.
    Interrupted,
}

/// Where one node is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Some of its dependencies have not finished.
    Waiting,
    /// Every dependency succeeded; it is in the ready queue.
    Ready,
    /// Taken from the ready queue and not yet reported.
    Running,
    Succeeded,
    Failed,
    Skipped(SkipReason),
}

impl NodeState {
    fn is_final(self) -> bool {
        matches!(
            self,
            NodeState::Succeeded | NodeState::Failed | NodeState::Skipped(_)
        )
    }
}

/// Collects the edges of a schedule; duplicates and self-edges are dropped
/// (a set, because checking `dependents[from].contains` made fan-outs O(N²)).
#[derive(Debug, Default)]
pub struct ScheduleBuilder {
    nodes: usize,
    edges: HashSet<(usize, usize)>,
}

impl ScheduleBuilder {
    pub fn new(nodes: usize) -> ScheduleBuilder {
        ScheduleBuilder {
            nodes,
            edges: HashSet::new(),
        }
    }

    /// `to` may start only after `from` has succeeded.
    pub fn edge(&mut self, from: usize, to: usize) {
        if from != to {
            self.edges.insert((from, to));
        }
    }

    pub fn build(self) -> Schedule {
        let mut dependents = vec![Vec::new(); self.nodes];
        let mut waiting_on = vec![0usize; self.nodes];
        let mut edges: Vec<(usize, usize)> = self.edges.into_iter().collect();
        // Sorted so that the ready order does not depend on hashing.
        edges.sort_unstable();
        for (from, to) in edges {
            dependents[from].push(to);
            waiting_on[to] += 1;
        }
        let ready: VecDeque<usize> = (0..self.nodes).filter(|&n| waiting_on[n] == 0).collect();
        let mut states = vec![NodeState::Waiting; self.nodes];
        for &n in &ready {
            states[n] = NodeState::Ready;
        }
        Schedule {
            dependents,
            waiting_on,
            states,
            ready,
            unfinished: self.nodes,
        }
    }
}

#[derive(Debug)]
pub struct Schedule {
    dependents: Vec<Vec<usize>>,
    waiting_on: Vec<usize>,
    states: Vec<NodeState>,
    ready: VecDeque<usize>,
    unfinished: usize,
}

impl Schedule {
    /// The next node whose dependencies have all succeeded, now running.
    pub fn pop_ready(&mut self) -> Option<usize> {
        let node = self.ready.pop_front()?;
        self.states[node] = NodeState::Running;
        Some(node)
    }

    /// A running node finished well: its dependents may become ready.
    pub fn succeed(&mut self, node: usize) {
        if !self.finish(node, NodeState::Succeeded) {
            return;
        }
        for i in 0..self.dependents[node].len() {
            let next = self.dependents[node][i];
            self.waiting_on[next] -= 1;
            if self.waiting_on[next] == 0 && self.states[next] == NodeState::Waiting {
                self.states[next] = NodeState::Ready;
                self.ready.push_back(next);
            }
        }
    }

    /// A running node failed: everything that depends on it, directly or
    /// not, is skipped.
    pub fn fail(&mut self, node: usize) {
        if !self.finish(node, NodeState::Failed) {
            return;
        }
        let mut stack = self.dependents[node].clone();
        while let Some(next) = stack.pop() {
            if !self.states[next].is_final() && self.states[next] != NodeState::Running {
                self.finish(next, NodeState::Skipped(SkipReason::DependencyFailed));
                stack.extend(self.dependents[next].iter().copied());
            }
        }
    }

    /// Starts nothing new: every node not yet running is skipped.
    pub fn cancel(&mut self) {
        self.ready.clear();
        for node in 0..self.states.len() {
            if matches!(self.states[node], NodeState::Waiting | NodeState::Ready) {
                self.finish(node, NodeState::Skipped(SkipReason::Interrupted));
            }
        }
    }

    /// Every node has succeeded, failed or been skipped.
    pub fn is_finished(&self) -> bool {
        self.unfinished == 0
    }

    /// True when nodes remain but none is ready or running: the edges hold
    /// a cycle, which a correct graph never has.
    pub fn is_stalled(&self) -> bool {
        !self.is_finished() && self.ready.is_empty() && !self.states.contains(&NodeState::Running)
    }

    pub fn state(&self, node: usize) -> NodeState {
        self.states[node]
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Moves a node to a final state once; false if it already was final.
    fn finish(&mut self, node: usize, to: NodeState) -> bool {
        if self.states[node].is_final() {
            return false;
        }
        self.ready.retain(|&n| n != node);
        self.states[node] = to;
        self.unfinished -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(nodes: usize, edges: &[(usize, usize)]) -> Schedule {
        let mut builder = ScheduleBuilder::new(nodes);
        for &(from, to) in edges {
            builder.edge(from, to);
        }
        builder.build()
    }

    /// Runs every node to success one at a time; returns the order.
    fn run_all(schedule: &mut Schedule) -> Vec<usize> {
        let mut order = Vec::new();
        while let Some(node) = schedule.pop_ready() {
            order.push(node);
            schedule.succeed(node);
        }
        order
    }

    #[test]
    fn a_chain_runs_in_dependency_order() {
        let mut s = schedule(4, &[(2, 1), (1, 0), (0, 3)]);
        assert_eq!(run_all(&mut s), vec![2, 1, 0, 3]);
        assert!(s.is_finished());
    }

    #[test]
    fn a_node_waits_for_every_dependency() {
        // 0 and 1 both feed 2.
        let mut s = schedule(3, &[(0, 2), (1, 2)]);
        let first = s.pop_ready().unwrap();
        let second = s.pop_ready().unwrap();
        assert_eq!(s.pop_ready(), None, "2 is not ready while 0 and 1 run");
        s.succeed(first);
        assert_eq!(s.pop_ready(), None, "2 still waits for the other one");
        s.succeed(second);
        assert_eq!(s.pop_ready(), Some(2));
    }

    #[test]
    fn duplicate_and_self_edges_count_once() {
        let mut s = schedule(2, &[(0, 1), (0, 1), (1, 1)]);
        assert_eq!(run_all(&mut s), vec![0, 1]);
    }

    #[test]
    fn a_failure_skips_its_dependents_but_not_independent_branches() {
        // 0 -> 1 -> 2, and 3 on its own.
        let mut s = schedule(4, &[(0, 1), (1, 2)]);
        assert_eq!(s.pop_ready(), Some(0));
        assert_eq!(s.pop_ready(), Some(3));
        s.fail(0);
        s.succeed(3);
        assert_eq!(s.state(0), NodeState::Failed);
        assert_eq!(s.state(1), NodeState::Skipped(SkipReason::DependencyFailed));
        assert_eq!(s.state(2), NodeState::Skipped(SkipReason::DependencyFailed));
        assert_eq!(s.state(3), NodeState::Succeeded);
        assert!(s.is_finished());
    }

    #[test]
    fn a_failure_does_not_skip_a_node_with_another_path_already_running() {
        // 1 depends on 0; 2 is independent and running when 0 fails.
        let mut s = schedule(3, &[(0, 1)]);
        let a = s.pop_ready().unwrap();
        let b = s.pop_ready().unwrap();
        assert_eq!((a, b), (0, 2));
        s.fail(0);
        assert_eq!(s.state(2), NodeState::Running);
        s.succeed(2);
        assert!(s.is_finished());
    }

    #[test]
    fn cancel_skips_what_has_not_started_and_lets_running_nodes_finish() {
        let mut s = schedule(3, &[(0, 1)]);
        assert_eq!(s.pop_ready(), Some(0));
        s.cancel();
        assert_eq!(s.pop_ready(), None);
        assert_eq!(s.state(1), NodeState::Skipped(SkipReason::Interrupted));
        assert_eq!(s.state(2), NodeState::Skipped(SkipReason::Interrupted));
        assert!(!s.is_finished(), "0 is still in flight");
        s.succeed(0);
        assert!(s.is_finished());
        assert_eq!(s.state(1), NodeState::Skipped(SkipReason::Interrupted));
    }

    #[test]
    fn a_cycle_stalls_instead_of_looping() {
        let mut s = schedule(3, &[(1, 2), (2, 1)]);
        assert_eq!(run_all(&mut s), vec![0]);
        assert!(s.is_stalled());
    }

    #[test]
    fn an_empty_schedule_is_finished() {
        let s = schedule(0, &[]);
        assert!(s.is_finished() && !s.is_stalled() && s.is_empty());
    }
}
