//! Saved plan files on disk; the format and its binding checks are
//! `engine::planfile`'s.

use std::path::Path;

use engine::plan::Plan;
use state::Sealer;

pub use engine::planfile::replace_path;

pub fn write(path: &Path, plan: &Plan, sealer: &Sealer) -> Result<(), String> {
    let bytes = engine::planfile::encode(plan, sealer)
        .map_err(|e| format!("The plan cannot be saved: {e}."))?;
    std::fs::write(path, bytes).map_err(|e| format!("Writing the plan to {}: {e}", path.display()))
}

pub fn read(path: &Path, sealer: &Sealer) -> Result<Plan, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("Reading the plan file {}: {e}", path.display()))?;
    engine::planfile::decode(&bytes, sealer).map_err(|e| format!("{}: {e}.", path.display()))
}
