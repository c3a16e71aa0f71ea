//! Terraform JSON plan.
