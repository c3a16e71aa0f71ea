//! The pull-request comment.
