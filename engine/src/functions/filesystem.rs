//! File and path functions. Relative paths resolve against the module's
//! directory (`ctx.base_dir`), as Terraform resolves them against
//! `path.module` when the configuration is evaluated from its root.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use md5::Digest as _;

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::{quote_string, Value};

fn resolve(ctx: &FunctionContext, path: &str) -> PathBuf {
    let expanded = expand_home(path);
    let p = Path::new(&expanded);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.base_dir.join(p)
    }
}

fn expand_home(path: &str) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    if path == "~" {
        return home;
    }
    match path.strip_prefix("~/") {
        Some(rest) if !home.is_empty() => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => path.to_string(),
    }
}

/// Reads a file named by argument 0, with Terraform's error wording.
fn read(args: &Args, ctx: &FunctionContext) -> Result<Vec<u8>, FunctionError> {
    let path = args.string(0)?;
    let full = resolve(ctx, &path);
    std::fs::read(&full).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => args.error(
            0,
            format!(
                "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
                quote_string(&path)
            ),
        ),
        _ => args.error(0, format!("failed to read file {}: {e}", quote_string(&path))),
    })
}

fn read_text(args: &Args, ctx: &FunctionContext) -> Result<String, FunctionError> {
    let bytes = read(args, ctx)?;
    String::from_utf8(bytes).map_err(|_| {
        args.error(
            0,
            format!(
                "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
                quote_string(&args.string(0).unwrap_or_default())
            ),
        )
    })
}

pub(crate) fn file(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    read_text(&args, ctx).map(Value::String)
}

pub(crate) fn filebase64(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    let bytes = read(&args, ctx)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn filemd5(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&md5::Md5::digest(read(&args, ctx)?))))
}

pub(crate) fn filesha1(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&sha1::Sha1::digest(read(&args, ctx)?))))
}

pub(crate) fn filesha256(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&sha2::Sha256::digest(read(&args, ctx)?))))
}

pub(crate) fn filesha512(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&sha2::Sha512::digest(read(&args, ctx)?))))
}

pub(crate) fn filebase64sha256(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(read(&args, ctx)?)),
    ))
}

pub(crate) fn filebase64sha512(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(read(&args, ctx)?)),
    ))
}

pub(crate) fn fileexists(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    let path = args.string(0)?;
    match std::fs::metadata(resolve(ctx, &path)) {
        Ok(meta) if meta.is_file() => Ok(Value::Bool(true)),
        Ok(meta) if meta.is_dir() => Err(failed(format!(
            "{} is a directory, not a file",
            quote_string(&path)
        ))),
        Ok(_) => Err(failed(format!(
            "{} is not a regular file",
            quote_string(&path)
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(failed(format!(
            "failed to stat {}: {e}",
            quote_string(&path)
        ))),
    }
}

pub(crate) fn templatefile(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    let template = read_text(&args, ctx)?;
    let vars = match args.get(1) {
        Value::Map(map) => map.clone(),
        Value::Null => return Err(args.error(1, "argument must not be null")),
        other => {
            return Err(args.error(
                1,
                format!("must be a map or object, not {}", other.type_name()),
            ))
        }
    };
    (ctx.render_template)(&template, &vars).map_err(failed)
}

/// Go's `filepath.Clean`: collapses separators, `.` and `..` lexically.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

pub(crate) fn abspath(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let path = args.string(0)?;
    if path.starts_with('/') {
        return Ok(Value::String(clean(&path)));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| failed(format!("cannot find the current directory: {e}")))?;
    Ok(Value::String(clean(&format!(
        "{}/{path}",
        cwd.to_string_lossy()
    ))))
}

pub(crate) fn basename(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let path = args.string(0)?;
    if path.is_empty() {
        return Ok(Value::string("."));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::string("/"));
    }
    Ok(Value::string(trimmed.rsplit('/').next().unwrap_or(trimmed)))
}

pub(crate) fn dirname(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let path = args.string(0)?;
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    Ok(Value::String(clean(dir)))
}

pub(crate) fn pathexpand(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(expand_home(&args.string(0)?)))
}

/// Doublestar's character classes, in globset's syntax: doublestar (which
/// Terraform's `fileset` uses) negates a class with `^` and reads `[!...]`
/// as a class containing `!`; globset negates with `!`.
fn doublestar_to_globset(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 2);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
            }
            '[' if chars.peek() == Some(&'^') => {
                chars.next();
                out.push_str("[!");
            }
            '[' if chars.peek() == Some(&'!') => {
                // Move the `!` after the first member so that it is a member.
                chars.next();
                out.push('[');
                out.extend(chars.next());
                out.push('!');
            }
            c => out.push(c),
        }
    }
    out
}

/// The leading segments of a pattern that hold no glob syntax: the
/// directory to walk.
fn literal_root(pattern: &str) -> &str {
    let meta = |s: &str| s.contains(['*', '?', '[', '{', '\\']);
    let mut end = 0;
    for (i, _) in pattern.match_indices('/') {
        if meta(&pattern[..i]) {
            break;
        }
        end = i;
    }
    if end == 0 && pattern.starts_with('/') {
        "/"
    } else {
        &pattern[..end]
    }
}

/// Every regular file under `dir` down to `depth` more levels (following
/// symbolic links, as Go's `os.Stat` does), as paths that start with `shown`.
fn walk(dir: &Path, shown: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = match shown {
            "" => name,
            "/" => format!("/{name}"),
            _ => format!("{shown}/{name}"),
        };
        match std::fs::metadata(entry.path()) {
            Ok(meta) if meta.is_dir() && depth > 0 => walk(&entry.path(), &path, depth - 1, out),
            Ok(meta) if meta.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// Go's `filepath.Rel` for two clean paths.
fn relative(base: &str, target: &str) -> String {
    let split = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_string)
            .collect()
    };
    let (base, target) = (split(base), split(target));
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(target[common..].iter().cloned());
    parts.join("/")
}

/// `fileset(path, pattern)`: the regular files under `path` matching the
/// pattern, relative to `path`, as a sorted set. The pattern is joined to
/// the path and cleaned first, as Terraform does, so `..` may leave it.
pub(crate) fn fileset(args: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    let path = args.string(0)?;
    let pattern = args.string(1)?;
    let base = clean(&resolve(ctx, &path).to_string_lossy());
    let full = clean(&format!("{base}/{pattern}"));
    let matcher = globset::GlobBuilder::new(&doublestar_to_globset(&full))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|_| {
            failed(format!(
                "failed to glob pattern {}: syntax error in pattern",
                quote_string(&clean(&format!("{path}/{pattern}")))
            ))
        })?
        .compile_matcher();
    let root = literal_root(&full);
    // Only `**` reaches below the pattern's own depth; a symbolic link cycle
    // stops at 64 levels, deeper than real trees.
    let depth = match full.contains("**") {
        true => 64,
        false => full[root.len()..]
            .trim_start_matches('/')
            .matches('/')
            .count(),
    };
    let mut files = Vec::new();
    let start = if root.is_empty() { "." } else { root };
    walk(Path::new(start), root, depth, &mut files);
    let matches = files
        .into_iter()
        .filter(|f| matcher.is_match(f))
        .map(|f| Value::String(relative(&base, &f)))
        .collect();
    Ok(Value::set_from(matches))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx_with, err, map, n, ok, s};
    use super::super::{call, FunctionError};
    use super::*;
    use std::collections::BTreeMap;

    fn render(t: &str, vars: &BTreeMap<String, Value>) -> Result<Value, String> {
        // A stand-in renderer: replaces ${name} with string variables.
        let mut out = t.to_string();
        for (k, v) in vars {
            out = out.replace(&format!("${{{k}}}"), v.as_str().unwrap_or_default());
        }
        Ok(Value::String(out))
    }

    fn call_in(dir: &Path, name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
        let ctx = ctx_with(dir, false, &render);
        call(name, args, &ctx)
    }

    #[test]
    fn files_resolve_against_the_base_dir() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let dir = dir
            .as_ref()
            .map(|d| d.path())
            .unwrap_or(Path::new("/nonexistent"));
        std::fs::write(dir.join("hello.txt"), "hello").unwrap_or_default();
        std::fs::write(dir.join("bin"), [0xffu8, 0xfe]).unwrap_or_default();
        std::fs::write(dir.join("t.tpl"), "Hi ${name}!").unwrap_or_default();

        assert_eq!(call_in(dir, "file", vec![s("hello.txt")]), Ok(s("hello")));
        assert_eq!(call_in(dir, "filebase64", vec![s("bin")]), Ok(s("//4=")));
        assert_eq!(
            call_in(dir, "filemd5", vec![s("hello.txt")]),
            Ok(s("5d41402abc4b2a76b9719d911017c592"))
        );
        assert_eq!(
            call_in(dir, "fileexists", vec![s("hello.txt")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            call_in(dir, "fileexists", vec![s("nope")]),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            call_in(
                dir,
                "templatefile",
                vec![s("t.tpl"), map(&[("name", s("Ann"))])]
            ),
            Ok(s("Hi Ann!"))
        );
        let absolute = dir.join("hello.txt").to_string_lossy().to_string();
        assert_eq!(
            call_in(Path::new("/"), "file", vec![s(&absolute)]),
            Ok(s("hello"))
        );

        let missing = call_in(dir, "file", vec![s("nope")]).map_err(|e| e.to_string());
        assert!(
            missing.as_ref().err().is_some_and(|m| m.starts_with(
                "Invalid value for \"path\" parameter: no file exists at \"nope\"; this function works only"
            )),
            "{missing:?}"
        );
        let binary = call_in(dir, "file", vec![s("bin")]).map_err(|e| e.to_string());
        assert!(
            binary
                .as_ref()
                .err()
                .is_some_and(|m| m.contains("are not valid UTF-8")),
            "{binary:?}"
        );
        assert_eq!(
            call_in(dir, "fileexists", vec![s(".")]).map_err(|e| e.to_string()),
            Err("\".\" is a directory, not a file.".to_string())
        );
        assert_eq!(
            call_in(dir, "templatefile", vec![s("t.tpl"), n(1.0)]).map_err(|e| e.to_string()),
            Err(
                "Invalid value for \"vars\" parameter: must be a map or object, not number."
                    .to_string()
            )
        );
    }

    #[test]
    fn path_functions() {
        assert_eq!(ok("basename", vec![s("/a/b/")]), s("b"));
        assert_eq!(ok("basename", vec![s("")]), s("."));
        assert_eq!(ok("basename", vec![s("/")]), s("/"));
        assert_eq!(ok("basename", vec![s("file.txt")]), s("file.txt"));
        assert_eq!(ok("dirname", vec![s("a/b/c")]), s("a/b"));
        assert_eq!(ok("dirname", vec![s("a")]), s("."));
        assert_eq!(ok("dirname", vec![s("/a")]), s("/"));
        assert_eq!(ok("dirname", vec![s("")]), s("."));
        assert_eq!(ok("abspath", vec![s("/a/../b/./c/")]), s("/b/c"));
        assert_eq!(clean("../../a/./b/.."), "../../a");
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(
                ok("pathexpand", vec![s("~/x")]),
                s(&format!("{}/x", home.trim_end_matches('/')))
            );
        }
        assert_eq!(ok("pathexpand", vec![s("/etc")]), s("/etc"));
        assert!(!err("file", vec![Value::Null]).is_empty());
    }
}
