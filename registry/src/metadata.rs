//! What the catalogue shows of a template version, read from the template
//! itself: its variables, outputs and README.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metadata {
    pub variables: Vec<VariableInfo>,
    pub outputs: Vec<OutputInfo>,
    pub readme: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariableInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// The default as written in the template; `None` when the variable is required.
    pub default: Option<String>,
    pub description: String,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputInfo {
    pub name: String,
    pub description: String,
    pub sensitive: bool,
}

/// Loads the template in `dir` with the engine's loader. Errors are the
/// loader's diagnostics, one line each, so that a broken template is
/// refused with the reasons.
pub fn read(dir: &Path) -> Result<Metadata, Vec<String>> {
    let (config, diags) = engine::config::load(dir);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        // Registry modules a template calls are installed by `stack init`, not here.
        .filter(|d| d.summary != "Module not installed")
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(root) = config.modules.get(&engine::addrs::ModulePath::root()) else {
        return Ok(Metadata::default());
    };
    let variables = root
        .variables
        .values()
        .map(|v| VariableInfo {
            name: v.name.clone(),
            ty: v.ty.as_ref().map(|t| t.to_string()),
            default: v
                .default
                .as_ref()
                .map(|e| e.expr.to_string().trim().to_string()),
            description: v.description.clone(),
            sensitive: v.sensitive,
        })
        .collect();
    let outputs = root
        .outputs
        .values()
        .map(|o| OutputInfo {
            name: o.name.clone(),
            description: o.description.clone(),
            sensitive: o.sensitive,
        })
        .collect();
    let readme = ["README.md", "README", "readme.md"]
        .iter()
        .find_map(|name| std::fs::read_to_string(dir.join(name)).ok());
    Ok(Metadata {
        variables,
        outputs,
        readme,
    })
}
