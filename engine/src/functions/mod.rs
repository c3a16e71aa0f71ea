//! The built-in function library of the template language, matching
//! Terraform 1.15's functions (which come from go-cty's stdlib and
//! Terraform's own `lang/funcs`).
//!
//! Every call goes through [`call`], which applies the rules that Terraform
//! applies to all functions, so that the individual functions only deal with
//! known, unmarked values:
//!
//! - **Sensitivity**: a sensitive argument makes the result sensitive. Most
//!   functions see fully unmarked arguments and have their result marked. A
//!   few functions that only move elements around (`element`, `lookup`,
//!   `values`, ...) keep the marks of the elements they move, as Terraform
//!   does, so that `length([sensitive(1)])` is a plain `1`.
//! - **Unknowns**: an argument that is not wholly known makes the result
//!   unknown, except for the functions that Terraform lets see partial
//!   unknowns (`length`, `concat`, `merge`, ...).
//!
//! `try` and `can` are not here: they need lazy evaluation of their arguments,
//! which only the evaluator can do.

mod charsets;
mod collections;
mod conversion;
mod crypto;
mod csv;
mod encoding;
mod filesystem;
mod format;
mod network;
mod numeric;
mod strings;
mod timestamps;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use crate::value::{Number, Value};

pub use timestamps::now_rfc3339;

/// What a function may need from its surroundings.
pub struct FunctionContext<'a> {
    /// Directory that relative paths in file(), fileexists(), templatefile() resolve against (path.module).
    pub base_dir: &'a Path,
    /// True during apply; false during plan. timestamp() is Unknown during plan (like Terraform: known after apply).
    pub applying: bool,
    /// Renders a template string with the given variables (the evaluator supplies this; used by templatefile).
    pub render_template: &'a RenderTemplate<'a>,
    /// When the plan was made (RFC 3339), for plantimestamp(); `None` in
    /// `stack validate`, where it is unknown as in Terraform.
    pub plan_timestamp: Option<&'a str>,
}

/// The evaluator's template renderer, as [`FunctionContext`] holds it.
pub type RenderTemplate<'a> = dyn Fn(&str, &BTreeMap<String, Value>) -> Result<Value, String> + 'a;

/// Why a function call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum FunctionError {
    /// No such function. `suggestion` is the closest known function name, if any.
    UnknownFunction { suggestion: Option<String> },
    /// Wrong number of arguments.
    Arity { expected: String, got: usize },
    /// A bad argument: index is 0-based; message is a full sentence like Terraform's.
    Argument { index: usize, message: String },
    /// The call failed for another reason, message a full sentence.
    Failed { message: String },
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionError::UnknownFunction {
                suggestion: Some(s),
            } => {
                write!(
                    f,
                    "There is no function with this name. Did you mean \"{s}\"?"
                )
            }
            FunctionError::UnknownFunction { suggestion: None } => {
                write!(f, "There is no function with this name.")
            }
            FunctionError::Arity { expected, got } => {
                let plural = if expected == "1" { "" } else { "s" };
                write!(
                    f,
                    "Function requires {expected} argument{plural}, but {got} were given."
                )
            }
            FunctionError::Argument { message, .. } | FunctionError::Failed { message } => {
                write!(f, "{message}")
            }
        }
    }
}

impl std::error::Error for FunctionError {}

/// How many arguments a function takes.
#[derive(Clone, Copy)]
enum Arity {
    Exactly(usize),
    Between(usize, usize),
    AtLeast(usize),
}

impl Arity {
    fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::Between(lo, hi) => (lo..=hi).contains(&n),
            Arity::AtLeast(lo) => n >= lo,
        }
    }

    fn describe(self) -> String {
        match self {
            Arity::Exactly(k) => k.to_string(),
            Arity::Between(lo, hi) if hi == lo + 1 => format!("{lo} or {hi}"),
            Arity::Between(lo, hi) => format!("{lo} to {hi}"),
            Arity::AtLeast(lo) => format!("at least {lo}"),
        }
    }
}

/// How a function deals with unknown values in its arguments.
#[derive(Clone, Copy, PartialEq)]
enum Unknowns {
    /// Any unknown anywhere in any argument gives an unknown result.
    Whole,
    /// A top-level unknown argument gives an unknown result; unknowns nested
    /// inside collections are handled by the function itself.
    Partial,
    /// The function sees every unknown itself (`coalesce`, `sensitive`).
    Own,
}

/// How a function deals with sensitive marks in its arguments.
#[derive(Clone, Copy, PartialEq)]
enum Marks {
    /// Any mark anywhere makes the whole result sensitive.
    Deep,
    /// Only top-level marks on arguments mark the result; marks on elements
    /// travel with the elements that the function moves into its result.
    Structural,
    /// The function handles marks itself (`sensitive`, `nonsensitive`).
    Own,
}

type Impl = fn(Args, &FunctionContext) -> Result<Value, FunctionError>;

struct Spec {
    name: &'static str,
    arity: Arity,
    /// Parameter names, used in error messages; the last one repeats for
    /// variadic functions.
    params: &'static [&'static str],
    unknowns: Unknowns,
    marks: Marks,
    imp: Impl,
}

const fn spec(
    name: &'static str,
    arity: Arity,
    params: &'static [&'static str],
    imp: Impl,
) -> Spec {
    Spec {
        name,
        arity,
        params,
        unknowns: Unknowns::Whole,
        marks: Marks::Deep,
        imp,
    }
}

const fn partial(mut s: Spec) -> Spec {
    s.unknowns = Unknowns::Partial;
    s
}

const fn structural(mut s: Spec) -> Spec {
    s.marks = Marks::Structural;
    s
}

use Arity::{AtLeast, Between, Exactly};

/// Every function, sorted by name so that lookups can binary-search.
static FUNCTIONS: &[Spec] = &[
    spec("abs", Exactly(1), &["num"], numeric::abs),
    spec("abspath", Exactly(1), &["path"], filesystem::abspath),
    spec("alltrue", Exactly(1), &["list"], collections::alltrue),
    spec("anytrue", Exactly(1), &["list"], collections::anytrue),
    spec("base64decode", Exactly(1), &["str"], encoding::base64decode),
    spec("base64encode", Exactly(1), &["str"], encoding::base64encode),
    spec("base64gzip", Exactly(1), &["str"], encoding::base64gzip),
    spec("base64sha256", Exactly(1), &["str"], encoding::base64sha256),
    spec("base64sha512", Exactly(1), &["str"], encoding::base64sha512),
    spec("basename", Exactly(1), &["path"], filesystem::basename),
    spec("bcrypt", AtLeast(1), &["str", "cost"], crypto::bcrypt),
    spec("ceil", Exactly(1), &["num"], numeric::ceil),
    spec("chomp", Exactly(1), &["str"], strings::chomp),
    spec(
        "chunklist",
        Exactly(2),
        &["list", "size"],
        collections::chunklist,
    ),
    spec(
        "cidrhost",
        Exactly(2),
        &["prefix", "hostnum"],
        network::cidrhost,
    ),
    spec("cidrnetmask", Exactly(1), &["prefix"], network::cidrnetmask),
    spec(
        "cidrsubnet",
        Exactly(3),
        &["prefix", "newbits", "netnum"],
        network::cidrsubnet,
    ),
    spec(
        "cidrsubnets",
        AtLeast(1),
        &["prefix", "newbits"],
        network::cidrsubnets,
    ),
    Spec {
        unknowns: Unknowns::Own,
        ..spec("coalesce", AtLeast(0), &["vals"], collections::coalesce)
    },
    spec(
        "coalescelist",
        AtLeast(0),
        &["vals"],
        collections::coalescelist,
    ),
    spec("compact", Exactly(1), &["list"], collections::compact),
    structural(partial(spec(
        "concat",
        AtLeast(0),
        &["seqs"],
        collections::concat,
    ))),
    spec(
        "contains",
        Exactly(2),
        &["list", "value"],
        collections::contains,
    ),
    spec("csvdecode", Exactly(1), &["str"], csv::csvdecode),
    spec("dirname", Exactly(1), &["path"], filesystem::dirname),
    spec("distinct", Exactly(1), &["list"], collections::distinct),
    structural(partial(spec(
        "element",
        Exactly(2),
        &["list", "index"],
        collections::element,
    ))),
    spec(
        "endswith",
        Exactly(2),
        &["str", "suffix"],
        strings::endswith,
    ),
    structural(spec(
        "ephemeralasnull",
        Exactly(1),
        &["value"],
        ephemeralasnull,
    )),
    spec("file", Exactly(1), &["path"], filesystem::file),
    spec("filebase64", Exactly(1), &["path"], filesystem::filebase64),
    spec(
        "filebase64sha256",
        Exactly(1),
        &["path"],
        filesystem::filebase64sha256,
    ),
    spec(
        "filebase64sha512",
        Exactly(1),
        &["path"],
        filesystem::filebase64sha512,
    ),
    spec("fileexists", Exactly(1), &["path"], filesystem::fileexists),
    spec("filemd5", Exactly(1), &["path"], filesystem::filemd5),
    spec(
        "fileset",
        Exactly(2),
        &["path", "pattern"],
        filesystem::fileset,
    ),
    spec("filesha1", Exactly(1), &["path"], filesystem::filesha1),
    spec("filesha256", Exactly(1), &["path"], filesystem::filesha256),
    spec("filesha512", Exactly(1), &["path"], filesystem::filesha512),
    partial(spec("flatten", Exactly(1), &["list"], collections::flatten)),
    spec("floor", Exactly(1), &["num"], numeric::floor),
    spec("format", AtLeast(1), &["format", "args"], format::format),
    spec(
        "formatdate",
        Exactly(2),
        &["format", "time"],
        timestamps::formatdate,
    ),
    spec(
        "formatlist",
        AtLeast(1),
        &["format", "args"],
        format::formatlist,
    ),
    spec("indent", Exactly(2), &["spaces", "str"], strings::indent),
    spec("index", Exactly(2), &["list", "value"], collections::index),
    Spec {
        unknowns: Unknowns::Own,
        marks: Marks::Own,
        ..spec("issensitive", Exactly(1), &["value"], issensitive)
    },
    spec("join", AtLeast(1), &["separator", "lists"], strings::join),
    spec("jsondecode", Exactly(1), &["str"], encoding::jsondecode),
    spec("jsonencode", Exactly(1), &["val"], encoding::jsonencode),
    structural(partial(spec(
        "keys",
        Exactly(1),
        &["inputMap"],
        collections::keys,
    ))),
    structural(partial(spec(
        "length",
        Exactly(1),
        &["value"],
        collections::length,
    ))),
    spec("log", Exactly(2), &["num", "base"], numeric::log),
    structural(partial(spec(
        "lookup",
        Between(2, 3),
        &["inputMap", "key", "default"],
        collections::lookup,
    ))),
    spec("lower", Exactly(1), &["str"], strings::lower),
    spec(
        "matchkeys",
        Exactly(3),
        &["values", "keys", "searchset"],
        collections::matchkeys,
    ),
    spec("max", AtLeast(0), &["numbers"], numeric::max),
    spec("md5", Exactly(1), &["str"], encoding::md5),
    structural(partial(spec(
        "merge",
        AtLeast(0),
        &["maps"],
        collections::merge,
    ))),
    spec("min", AtLeast(0), &["numbers"], numeric::min),
    Spec {
        unknowns: Unknowns::Own,
        marks: Marks::Own,
        ..spec("nonsensitive", Exactly(1), &["value"], nonsensitive)
    },
    spec("one", Exactly(1), &["list"], collections::one),
    spec(
        "parseint",
        Exactly(2),
        &["number", "base"],
        numeric::parseint,
    ),
    spec("pathexpand", Exactly(1), &["path"], filesystem::pathexpand),
    spec("plantimestamp", Exactly(0), &[], timestamps::plantimestamp),
    spec("pow", Exactly(2), &["num", "power"], numeric::pow),
    spec("range", AtLeast(0), &["params"], collections::range),
    spec("regex", Exactly(2), &["pattern", "string"], strings::regex),
    spec(
        "regexall",
        Exactly(2),
        &["pattern", "string"],
        strings::regexall,
    ),
    spec(
        "replace",
        Exactly(3),
        &["str", "substr", "replace"],
        strings::replace,
    ),
    structural(spec("reverse", Exactly(1), &["list"], collections::reverse)),
    spec(
        "rsadecrypt",
        Exactly(2),
        &["ciphertext", "privatekey"],
        crypto::rsadecrypt,
    ),
    Spec {
        unknowns: Unknowns::Own,
        marks: Marks::Own,
        ..spec("sensitive", Exactly(1), &["value"], sensitive)
    },
    spec(
        "setintersection",
        AtLeast(1),
        &["first_set", "other_sets"],
        collections::setintersection,
    ),
    spec("setproduct", AtLeast(1), &["sets"], collections::setproduct),
    spec(
        "setsubtract",
        Exactly(2),
        &["a", "b"],
        collections::setsubtract,
    ),
    spec(
        "setunion",
        AtLeast(1),
        &["first_set", "other_sets"],
        collections::setunion,
    ),
    spec("sha1", Exactly(1), &["str"], encoding::sha1),
    spec("sha256", Exactly(1), &["str"], encoding::sha256),
    spec("sha512", Exactly(1), &["str"], encoding::sha512),
    spec("signum", Exactly(1), &["num"], numeric::signum),
    structural(partial(spec(
        "slice",
        Exactly(3),
        &["list", "start_index", "end_index"],
        collections::slice,
    ))),
    spec("sort", Exactly(1), &["list"], collections::sort),
    spec("split", Exactly(2), &["separator", "str"], strings::split),
    spec(
        "startswith",
        Exactly(2),
        &["str", "prefix"],
        strings::startswith,
    ),
    spec(
        "strcontains",
        Exactly(2),
        &["str", "substr"],
        strings::strcontains,
    ),
    spec("strrev", Exactly(1), &["str"], strings::strrev),
    spec(
        "substr",
        Exactly(3),
        &["str", "offset", "length"],
        strings::substr,
    ),
    spec("sum", Exactly(1), &["list"], numeric::sum),
    spec(
        "templatefile",
        Exactly(2),
        &["path", "vars"],
        filesystem::templatefile,
    ),
    spec(
        "textdecodebase64",
        Exactly(2),
        &["source", "encoding"],
        charsets::textdecodebase64,
    ),
    spec(
        "textencodebase64",
        Exactly(2),
        &["string", "encoding"],
        charsets::textencodebase64,
    ),
    spec(
        "timeadd",
        Exactly(2),
        &["timestamp", "duration"],
        timestamps::timeadd,
    ),
    spec(
        "timecmp",
        Exactly(2),
        &["timestamp_a", "timestamp_b"],
        timestamps::timecmp,
    ),
    spec("timestamp", Exactly(0), &[], encoding::timestamp),
    spec("title", Exactly(1), &["str"], strings::title),
    spec("tobool", Exactly(1), &["v"], conversion::tobool),
    partial(spec("tolist", Exactly(1), &["v"], conversion::tolist)),
    partial(spec("tomap", Exactly(1), &["v"], conversion::tomap)),
    spec("tonumber", Exactly(1), &["v"], conversion::tonumber),
    partial(spec("toset", Exactly(1), &["v"], conversion::toset)),
    spec("tostring", Exactly(1), &["v"], conversion::tostring),
    spec("transpose", Exactly(1), &["values"], collections::transpose),
    spec("trim", Exactly(2), &["str", "cutset"], strings::trim),
    spec(
        "trimprefix",
        Exactly(2),
        &["str", "prefix"],
        strings::trimprefix,
    ),
    spec("trimspace", Exactly(1), &["str"], strings::trimspace),
    spec(
        "trimsuffix",
        Exactly(2),
        &["str", "suffix"],
        strings::trimsuffix,
    ),
    spec("upper", Exactly(1), &["str"], strings::upper),
    spec("urlencode", Exactly(1), &["str"], encoding::urlencode),
    spec("uuid", Exactly(0), &[], encoding::uuid),
    spec(
        "uuidv5",
        Exactly(2),
        &["namespace", "name"],
        encoding::uuidv5,
    ),
    structural(spec("values", Exactly(1), &["values"], collections::values)),
    spec("yamldecode", Exactly(1), &["src"], yaml::yamldecode),
    spec("yamlencode", Exactly(1), &["value"], yaml::yamlencode),
    partial(spec(
        "zipmap",
        Exactly(2),
        &["keys", "values"],
        collections::zipmap,
    )),
];

/// All supported function names, sorted.
pub fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| FUNCTIONS.iter().map(|s| s.name).collect())
}

fn find(name: &str) -> Option<&'static Spec> {
    FUNCTIONS
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .and_then(|i| FUNCTIONS.get(i))
}

/// Calls the function `name` with `args`.
pub fn call(name: &str, args: Vec<Value>, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    let Some(spec) = find(name) else {
        return Err(FunctionError::UnknownFunction {
            suggestion: suggest(name),
        });
    };
    if !spec.arity.accepts(args.len()) {
        return Err(FunctionError::Arity {
            expected: spec.arity.describe(),
            got: args.len(),
        });
    }

    // Work out the marks first: the unknown shortcut below must still mark
    // its result when a secret went into it.
    let (args, sensitive, secrets) = match spec.marks {
        Marks::Own => (args, false, Vec::new()),
        Marks::Deep => {
            let sensitive = args.iter().any(Value::contains_sensitive);
            let secrets = if sensitive {
                secret_texts(&args)
            } else {
                Vec::new()
            };
            let args = args.into_iter().map(Value::unmark_deep).collect();
            (args, sensitive, secrets)
        }
        Marks::Structural => {
            let sensitive = args.iter().any(Value::is_sensitive);
            let secrets = if args.iter().any(Value::contains_sensitive) {
                secret_texts(&args)
            } else {
                Vec::new()
            };
            let args = args.into_iter().map(|a| a.unmark().0).collect();
            (args, sensitive, secrets)
        }
    };

    let unknown = match spec.unknowns {
        Unknowns::Whole => args.iter().any(|a| !a.is_wholly_known()),
        Unknowns::Partial => args.iter().any(Value::is_unknown),
        Unknowns::Own => false,
    };
    if unknown {
        return Ok(Value::Unknown.mark_if(sensitive));
    }

    let args = Args {
        values: args,
        params: spec.params,
    };
    match (spec.imp)(args, ctx) {
        Ok(v) => Ok(v.mark_if(sensitive)),
        Err(e) if secrets.is_empty() => Err(e),
        Err(e) => Err(redact(e, &secrets)),
    }
}

/// The closest known function name, as Terraform suggests it.
fn suggest(name: &str) -> Option<String> {
    names()
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), *n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.to_string())
}

/// The clear texts of every sensitive scalar in the arguments, so that an
/// error message quoting an argument does not leak a secret.
fn secret_texts(args: &[Value]) -> Vec<String> {
    fn walk(v: &Value, inside: bool, out: &mut Vec<String>) {
        match v {
            Value::Sensitive(inner) => walk(inner, true, out),
            Value::List(items) | Value::Set(items) => {
                items.iter().for_each(|i| walk(i, inside, out))
            }
            Value::Map(map) => map.values().for_each(|i| walk(i, inside, out)),
            Value::String(s) if inside && !s.is_empty() => out.push(s.clone()),
            Value::Number(n) if inside => out.push(n.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    args.iter().for_each(|a| walk(a, false, &mut out));
    // Longest first, so that a secret containing another is replaced whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

fn redact(e: FunctionError, secrets: &[String]) -> FunctionError {
    let clean = |m: String| {
        secrets
            .iter()
            .fold(m, |m, s| m.replace(s.as_str(), "(sensitive value)"))
    };
    match e {
        FunctionError::Argument { index, message } => FunctionError::Argument {
            index,
            message: clean(message),
        },
        FunctionError::Failed { message } => FunctionError::Failed {
            message: clean(message),
        },
        other => other,
    }
}

/// `sensitive(v)`: marks its argument.
fn sensitive(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(args.take(0).mark_if(true))
}

/// `nonsensitive(v)`: removes the top-level mark. Terraform 1.15 accepts a
/// value that is not sensitive too, and leaves nested marks alone.
fn nonsensitive(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(args.take(0).unmark().0)
}

/// `ephemeralasnull(v)`: ephemeral values (parts of `v` from ephemeral
/// resources or variables) become null. `stack` has no ephemeral values yet,
/// so every value comes back as it is, marks included.
fn ephemeralasnull(mut args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(args.take(0))
}

/// `issensitive(v)`: whether the value itself is marked.
fn issensitive(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let v = args.get(0);
    if v.is_sensitive() {
        Ok(Value::Bool(true))
    } else if v.is_unknown() {
        Ok(Value::Unknown)
    } else {
        Ok(Value::Bool(false))
    }
}

/// The arguments of one call, with the parameter names for error messages.
pub(crate) struct Args {
    values: Vec<Value>,
    params: &'static [&'static str],
}

impl Args {
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// The argument at `i`; a missing one reads as null so that no index can panic.
    pub(crate) fn get(&self, i: usize) -> &Value {
        static NULL: Value = Value::Null;
        self.values.get(i).unwrap_or(&NULL)
    }

    pub(crate) fn all(&self) -> &[Value] {
        &self.values
    }

    pub(crate) fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// Moves the argument at `i` out, leaving null behind.
    pub(crate) fn take(&mut self, i: usize) -> Value {
        self.values
            .get_mut(i)
            .map(|v| std::mem::replace(v, Value::Null))
            .unwrap_or(Value::Null)
    }

    pub(crate) fn param(&self, i: usize) -> &'static str {
        self.params
            .get(i)
            .or(self.params.last())
            .copied()
            .unwrap_or("value")
    }

    /// An error about argument `i`, worded as Terraform does.
    pub(crate) fn error(&self, i: usize, message: impl fmt::Display) -> FunctionError {
        FunctionError::Argument {
            index: i,
            message: format!(
                "Invalid value for \"{}\" parameter: {message}.",
                self.param(i)
            ),
        }
    }

    fn not_null(&self, i: usize) -> Result<&Value, FunctionError> {
        let v = self.get(i);
        if v.is_null() {
            Err(self.error(i, "argument must not be null"))
        } else {
            Ok(v)
        }
    }

    /// Argument `i` converted to a string as Terraform converts it.
    pub(crate) fn string(&self, i: usize) -> Result<String, FunctionError> {
        conversion::to_string(self.not_null(i)?).ok_or_else(|| self.error(i, "string required"))
    }

    /// Argument `i` converted to a number.
    pub(crate) fn number(&self, i: usize) -> Result<Number, FunctionError> {
        conversion::to_number(self.not_null(i)?)
            .ok_or_else(|| self.error(i, "a number is required"))
    }

    /// Argument `i` as the nearest `f64`, for the functions that Terraform
    /// computes in float64 (`pow`, `log`).
    pub(crate) fn float(&self, i: usize) -> Result<f64, FunctionError> {
        self.number(i).map(|n| n.to_f64())
    }

    /// Argument `i` as a whole number that fits in 64 bits.
    pub(crate) fn integer(&self, i: usize) -> Result<i64, FunctionError> {
        self.number(i)?.to_i64().ok_or_else(|| {
            self.error(
                i,
                "value must be a whole number, between -9223372036854775808 and 9223372036854775807",
            )
        })
    }

    /// Argument `i` as the elements of a list, tuple or set.
    pub(crate) fn list(&self, i: usize) -> Result<&[Value], FunctionError> {
        let v = self.not_null(i)?;
        v.as_list().ok_or_else(|| {
            self.error(
                i,
                format!("list of any required, but have {}", v.type_name()),
            )
        })
    }

    /// Argument `i` as a map or object.
    pub(crate) fn map(&self, i: usize) -> Result<&BTreeMap<String, Value>, FunctionError> {
        let v = self.not_null(i)?;
        v.as_map().ok_or_else(|| {
            self.error(
                i,
                format!("map of any required, but have {}", v.type_name()),
            )
        })
    }
}

/// A `Failed` error with the given sentence.
pub(crate) fn failed(message: impl Into<String>) -> FunctionError {
    let mut message = message.into();
    if !message.ends_with('.') {
        message.push('.');
    }
    FunctionError::Failed { message }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn ctx_with<'a>(
        base: &'a Path,
        applying: bool,
        render: &'a RenderTemplate,
    ) -> FunctionContext<'a> {
        FunctionContext {
            base_dir: base,
            applying,
            render_template: render,
            plan_timestamp: None,
        }
    }

    fn no_render(_: &str, _: &BTreeMap<String, Value>) -> Result<Value, String> {
        Err("templates are not available in this test".to_string())
    }

    /// Calls a function in a plan-time context with no templates.
    pub(crate) fn run(name: &str, args: Vec<Value>) -> Result<Value, FunctionError> {
        let ctx = ctx_with(Path::new("."), false, &no_render);
        call(name, args, &ctx)
    }

    pub(crate) fn ok(name: &str, args: Vec<Value>) -> Value {
        match run(name, args) {
            Ok(v) => v,
            Err(e) => panic!("{name} failed: {e:?}"),
        }
    }

    pub(crate) fn err(name: &str, args: Vec<Value>) -> String {
        match run(name, args) {
            Ok(v) => panic!("{name} unexpectedly returned {v}"),
            Err(e) => e.to_string(),
        }
    }

    pub(crate) fn s(x: &str) -> Value {
        Value::string(x)
    }

    pub(crate) fn n(x: f64) -> Value {
        Value::number(x)
    }

    pub(crate) fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }

    pub(crate) fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|x| s(x)).collect())
    }

    pub(crate) fn map(items: &[(&str, Value)]) -> Value {
        Value::Map(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn names_are_sorted_and_unique() {
        let names = names();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        assert!(names.contains(&"cidrsubnet"));
        assert!(!names.contains(&"try"));
    }

    #[test]
    fn unknown_function_suggests_a_close_name() {
        assert_eq!(
            run("lenght", vec![]),
            Err(FunctionError::UnknownFunction {
                suggestion: Some("length".to_string())
            })
        );
        assert_eq!(
            run("zzzz", vec![]),
            Err(FunctionError::UnknownFunction { suggestion: None })
        );
    }

    #[test]
    fn arity_is_checked_before_calling() {
        assert_eq!(
            run("upper", vec![]),
            Err(FunctionError::Arity {
                expected: "1".to_string(),
                got: 0
            })
        );
        assert_eq!(
            run("lookup", vec![s("a")]),
            Err(FunctionError::Arity {
                expected: "2 or 3".to_string(),
                got: 1
            })
        );
    }

    #[test]
    fn sensitive_arguments_mark_the_result() {
        let secret = s("hunter2").mark_if(true);
        assert_eq!(
            ok("upper", vec![secret.clone()]),
            s("HUNTER2").mark_if(true)
        );
        // A secret deep inside a collection marks the whole result.
        assert_eq!(
            ok("join", vec![s(","), list(vec![s("a"), secret.clone()])]),
            s("a,hunter2").mark_if(true)
        );
        // Errors never quote the secret.
        let e = err("tonumber", vec![secret]);
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn structural_functions_keep_element_marks() {
        let secret = n(1.0).mark_if(true);
        assert_eq!(ok("length", vec![list(vec![secret.clone()])]), n(1.0));
        assert_eq!(
            ok("length", vec![list(vec![n(1.0), n(2.0)]).mark_if(true)]),
            n(2.0).mark_if(true)
        );
        assert_eq!(
            ok("keys", vec![map(&[("a", secret.clone())])]),
            strs(&["a"])
        );
        assert_eq!(
            ok("values", vec![map(&[("a", secret.clone())])]),
            list(vec![secret.clone()])
        );
        assert_eq!(
            ok("element", vec![list(vec![secret.clone(), n(2.0)]), n(1.0)]),
            n(2.0)
        );
        assert_eq!(
            ok("element", vec![list(vec![secret.clone(), n(2.0)]), n(0.0)]),
            secret
        );
    }

    #[test]
    fn sensitive_and_nonsensitive() {
        assert_eq!(ok("sensitive", vec![n(1.0)]), n(1.0).mark_if(true));
        assert_eq!(ok("nonsensitive", vec![n(1.0).mark_if(true)]), n(1.0));
        assert_eq!(ok("nonsensitive", vec![s("a")]), s("a"));
        assert_eq!(
            ok("sensitive", vec![Value::Unknown]),
            Value::Unknown.mark_if(true)
        );
        assert_eq!(
            ok("issensitive", vec![s("a").mark_if(true)]),
            Value::Bool(true)
        );
        assert_eq!(ok("issensitive", vec![s("a")]), Value::Bool(false));
    }

    #[test]
    fn unknown_arguments_give_unknown_results() {
        assert_eq!(ok("upper", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            ok("join", vec![s(","), list(vec![s("a"), Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(
            ok("upper", vec![Value::Unknown.mark_if(true)]),
            Value::Unknown.mark_if(true)
        );
        // length of a known list with unknown elements is known.
        assert_eq!(
            ok("length", vec![list(vec![Value::Unknown, n(1.0)])]),
            n(2.0)
        );
        assert_eq!(ok("length", vec![Value::Unknown]), Value::Unknown);
    }

    /// Every function, called with every combination of awkward values,
    /// returns instead of panicking. File functions are left out: they
    /// would read the working directory.
    #[test]
    fn no_function_panics_on_odd_inputs() {
        let vals = vec![
            Value::Null,
            Value::Bool(true),
            n(-1e300),
            n(1e300),
            n(f64::NAN),
            n(f64::INFINITY),
            n(-1.0),
            n(0.0),
            n(2.5),
            s(""),
            s("%"),
            s("%[99999999999999999999]d"),
            s("/"),
            s("10.0.0.0/8"),
            s("::/0"),
            s("e\u{301}x"),
            list(vec![]),
            list(vec![n(1.0), s("a")]),
            map(&[]),
            Value::Unknown,
        ];
        for name in names()
            .iter()
            .filter(|n| !n.starts_with("file") && **n != "templatefile")
        {
            for a in &vals {
                let _ = run(name, vec![a.clone()]);
                for b in &vals {
                    let _ = run(name, vec![a.clone(), b.clone()]);
                    for c in vals.iter().step_by(3) {
                        let _ = run(name, vec![a.clone(), b.clone(), c.clone()]);
                    }
                }
            }
        }
    }
}
