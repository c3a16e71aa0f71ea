//! String functions. Terraform counts "characters" as Unicode grapheme
//! clusters (`length("é")` is 1 whether or not the accent is combining), so
//! every function that counts or slices characters segments by graphemes.

use std::collections::BTreeMap;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use super::conversion::string_list;
use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::Value;

pub(crate) fn join(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let sep = args.string(0)?;
    if args.len() < 2 {
        return Err(failed("at least one list is required"));
    }
    let many = args.len() > 2;
    let mut parts = Vec::new();
    for i in 1..args.len() {
        for (e, item) in string_list(&args, i)?.into_iter().enumerate() {
            match item {
                Some(s) => parts.push(s),
                None if many => {
                    return Err(args.error(
                        i,
                        format!("element {e} of list {i} is null; cannot concatenate null values"),
                    ))
                }
                None => {
                    return Err(args.error(
                        i,
                        format!("element {e} is null; cannot concatenate null values"),
                    ))
                }
            }
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

pub(crate) fn split(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let sep = args.string(0)?;
    let s = args.string(1)?;
    // Go's strings.Split: an empty separator splits into characters, and an
    // empty string split by it gives no elements at all.
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::string).collect()
    };
    Ok(Value::List(parts))
}

/// Maps each character with a one-to-one case mapping, as Go's
/// `unicode.ToUpper`/`ToLower` do: `upper("ß")` stays `"ß"` in Terraform.
fn map_chars(s: &str, f: impl Fn(char) -> Option<char>) -> String {
    s.chars().map(|c| f(c).unwrap_or(c)).collect()
}

fn single<I: Iterator<Item = char>>(mut it: I) -> Option<char> {
    let first = it.next()?;
    match it.next() {
        None => Some(first),
        Some(_) => None,
    }
}

fn to_upper(c: char) -> Option<char> {
    single(c.to_uppercase())
}

fn to_lower(c: char) -> Option<char> {
    single(c.to_lowercase())
}

pub(crate) fn lower(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(map_chars(&args.string(0)?, to_lower)))
}

pub(crate) fn upper(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(map_chars(&args.string(0)?, to_upper)))
}

/// Go's `strings.Title` word boundaries: ASCII letters, digits and `_` join
/// words; other ASCII characters and Unicode spaces separate them.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphanumeric() {
        return false;
    }
    c.is_whitespace()
}

/// Title case for the handful of digraphs whose title form differs from
/// their upper-case form.
fn to_title(c: char) -> Option<char> {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => Some('ǅ'),
        'Ǉ' | 'ǈ' | 'ǉ' => Some('ǈ'),
        'Ǌ' | 'ǋ' | 'ǌ' => Some('ǋ'),
        'Ǳ' | 'ǲ' | 'ǳ' => Some('ǲ'),
        c => to_upper(c),
    }
}

pub(crate) fn title(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let mut prev = ' ';
    let out = s
        .chars()
        .map(|c| {
            let mapped = if is_separator(prev) {
                to_title(c).unwrap_or(c)
            } else {
                c
            };
            prev = c;
            mapped
        })
        .collect();
    Ok(Value::String(out))
}

pub(crate) fn trim(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let cutset = args.string(1)?;
    Ok(Value::string(s.trim_matches(|c| cutset.contains(c))))
}

pub(crate) fn trimspace(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::string(args.string(0)?.trim()))
}

pub(crate) fn trimprefix(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let prefix = args.string(1)?;
    Ok(Value::string(s.strip_prefix(prefix.as_str()).unwrap_or(&s)))
}

pub(crate) fn trimsuffix(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let suffix = args.string(1)?;
    Ok(Value::string(s.strip_suffix(suffix.as_str()).unwrap_or(&s)))
}

pub(crate) fn startswith(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Bool(args.string(0)?.starts_with(&args.string(1)?)))
}

pub(crate) fn endswith(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Bool(args.string(0)?.ends_with(&args.string(1)?)))
}

pub(crate) fn strcontains(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Bool(args.string(0)?.contains(&args.string(1)?)))
}

pub(crate) fn strrev(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(
        args.string(0)?.graphemes(true).rev().collect(),
    ))
}

pub(crate) fn chomp(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::string(
        args.string(0)?.trim_end_matches(['\r', '\n']),
    ))
}

pub(crate) fn indent(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let spaces = args.integer(0)?;
    let s = args.string(1)?;
    // A negative count pads nothing, as Go's strings.Repeat would refuse it.
    let pad = " ".repeat(usize::try_from(spaces.clamp(0, 1 << 16)).unwrap_or(0));
    Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
}

/// Compiles a pattern, wording syntax errors briefly as Terraform does.
fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| {
        let text = e.to_string();
        text.lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: ").map(str::to_string))
            .unwrap_or(text)
    })
}

pub(crate) fn replace(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let substr = args.string(1)?;
    let replacement = args.string(2)?;
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let pattern = &substr[1..substr.len() - 1];
        let re = compile(pattern).map_err(|e| failed(format!("error parsing regexp: {e}")))?;
        // The regex crate expands $1, ${1}, $name and $$ as Go's
        // ReplaceAllString does.
        return Ok(Value::String(
            re.replace_all(&s, replacement.as_str()).into_owned(),
        ));
    }
    Ok(Value::String(s.replace(substr.as_str(), &replacement)))
}

/// How a regex's matches are shaped: by its capture groups.
enum Shape {
    Whole,
    Unnamed,
    Named,
}

fn shape(args: &Args, re: &Regex) -> Result<Shape, FunctionError> {
    let mut named = 0;
    let mut unnamed = 0;
    for name in re.capture_names().skip(1) {
        match name {
            Some(_) => named += 1,
            None => unnamed += 1,
        }
    }
    match (named, unnamed) {
        (0, 0) => Ok(Shape::Whole),
        (_, 0) => Ok(Shape::Named),
        (0, _) => Ok(Shape::Unnamed),
        _ => Err(args.error(
            0,
            "invalid regexp pattern: cannot mix both named and unnamed capture groups",
        )),
    }
}

fn capture_value(shape: &Shape, re: &Regex, caps: &regex::Captures) -> Value {
    let text = |m: Option<regex::Match>| match m {
        Some(m) => Value::string(m.as_str()),
        None => Value::Null,
    };
    match shape {
        Shape::Whole => text(caps.get(0)),
        Shape::Unnamed => Value::List(caps.iter().skip(1).map(text).collect()),
        Shape::Named => {
            let mut map = BTreeMap::new();
            for name in re.capture_names().flatten() {
                map.insert(name.to_string(), text(caps.name(name)));
            }
            Value::Map(map)
        }
    }
}

fn compile_arg(args: &Args) -> Result<(Regex, Shape), FunctionError> {
    let pattern = args.string(0)?;
    let re =
        compile(&pattern).map_err(|e| args.error(0, format!("invalid regexp pattern: {e}")))?;
    let shape = shape(args, &re)?;
    Ok((re, shape))
}

pub(crate) fn regex(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let (re, shape) = compile_arg(&args)?;
    let s = args.string(1)?;
    match re.captures(&s) {
        Some(caps) => Ok(capture_value(&shape, &re, &caps)),
        None => Err(failed("pattern did not match any part of the given string")),
    }
}

pub(crate) fn regexall(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let (re, shape) = compile_arg(&args)?;
    let s = args.string(1)?;
    Ok(Value::List(
        re.captures_iter(&s)
            .map(|caps| capture_value(&shape, &re, &caps))
            .collect(),
    ))
}

pub(crate) fn substr(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let whole_number = |i: usize| {
        args.number(i).and_then(|n| {
            n.to_i64().ok_or_else(|| {
                failed("value must be a whole number, between -9223372036854775808 and 9223372036854775807")
            })
        })
    };
    let mut offset = whole_number(1)?;
    let length = whole_number(2)?;
    if length == 0 {
        return Ok(Value::string(""));
    }
    let clusters: Vec<&str> = s.graphemes(true).collect();
    let total = clusters.len() as i64;
    if offset < 0 {
        offset = (offset + total).max(0);
    }
    if offset >= total {
        return Ok(Value::string(""));
    }
    let start = usize::try_from(offset).unwrap_or(0);
    let rest = clusters.get(start..).unwrap_or_default();
    let taken = if length < 0 {
        rest
    } else {
        let n = usize::try_from(length)
            .unwrap_or(usize::MAX)
            .min(rest.len());
        rest.get(..n).unwrap_or_default()
    };
    Ok(Value::String(taken.concat()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, map, n, ok, s, strs};
    use crate::value::Value;

    #[test]
    fn join_converts_primitives() {
        assert_eq!(
            ok(
                "join",
                vec![s(","), list(vec![s("a"), n(1.0), Value::Bool(true)])]
            ),
            s("a,1,true")
        );
        assert_eq!(ok("join", vec![s(","), list(vec![])]), s(""));
        assert_eq!(
            ok("join", vec![s(","), strs(&["a"]), strs(&["b", "c"])]),
            s("a,b,c")
        );
        assert_eq!(
            err("join", vec![s(","), list(vec![s("a"), Value::Null])]),
            "Invalid value for \"lists\" parameter: element 1 is null; cannot concatenate null values."
        );
        assert_eq!(err("join", vec![s(",")]), "at least one list is required.");
        assert_eq!(
            err("join", vec![s(","), s("a")]),
            "Invalid value for \"lists\" parameter: list of string required, but have string."
        );
    }

    #[test]
    fn split_like_go() {
        assert_eq!(ok("split", vec![s(","), s("")]), strs(&[""]));
        assert_eq!(ok("split", vec![s(""), s("abc")]), strs(&["a", "b", "c"]));
        assert_eq!(
            ok("split", vec![s(","), s("a,,b,")]),
            strs(&["a", "", "b", ""])
        );
    }

    #[test]
    fn case_functions() {
        assert_eq!(ok("lower", vec![s("ÀB")]), s("àb"));
        assert_eq!(ok("upper", vec![s("ßa")]), s("ßA"));
        assert_eq!(
            ok("title", vec![s("hello world-foo_bar o'neil  x.y")]),
            s("Hello World-Foo_bar O'Neil  X.Y")
        );
        assert_eq!(ok("title", vec![s("élan ÉLAN 1st")]), s("Élan ÉLAN 1st"));
        assert_eq!(ok("title", vec![s("ǆa ßa")]), s("ǅa ßa"));
        assert_eq!(ok("upper", vec![n(5.0)]), s("5"));
        assert_eq!(
            err("upper", vec![list(vec![])]),
            "Invalid value for \"str\" parameter: string required."
        );
    }

    #[test]
    fn trimming() {
        assert_eq!(ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
        assert_eq!(ok("trimspace", vec![s("  \n hi \t ")]), s("hi"));
        assert_eq!(
            ok("trimprefix", vec![s("helloworld"), s("hello")]),
            s("world")
        );
        assert_eq!(
            ok("trimprefix", vec![s("helloworld"), s("x")]),
            s("helloworld")
        );
        assert_eq!(
            ok("trimsuffix", vec![s("helloworld"), s("world")]),
            s("hello")
        );
        assert_eq!(ok("chomp", vec![s("a\r\n\n")]), s("a"));
        assert_eq!(ok("chomp", vec![s("a\nb")]), s("a\nb"));
    }

    #[test]
    fn predicates_and_reversal() {
        assert_eq!(
            ok("startswith", vec![s("hello"), s("he")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("endswith", vec![s("hello"), s("he")]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("strcontains", vec![s("hello"), s("ll")]),
            Value::Bool(true)
        );
        assert_eq!(ok("strrev", vec![s("héllo")]), s("olléh"));
        assert_eq!(ok("strrev", vec![s("e\u{301}x")]), s("xe\u{301}"));
    }

    #[test]
    fn indent_pads_every_line_but_the_first() {
        assert_eq!(
            ok("indent", vec![n(2.0), s("a\n\nb\n")]),
            s("a\n  \n  b\n  ")
        );
    }

    #[test]
    fn replace_plain_and_regex() {
        assert_eq!(
            ok("replace", vec![s("hello world"), s("o"), s("0")]),
            s("hell0 w0rld")
        );
        assert_eq!(
            ok("replace", vec![s("hello world"), s("/o(.)/"), s("$1X")]),
            s("hellwld")
        );
        assert_eq!(
            ok("replace", vec![s("hello"), s("/(?P<x>l+)/"), s("[$x]")]),
            s("he[ll]o")
        );
        // HCL would interpolate "${1}" itself; this is the literal text.
        assert_eq!(
            ok("replace", vec![s("hello"), s("/(l)/"), s("${1}1")]),
            s("hel1l1o")
        );
        assert_eq!(
            ok("replace", vec![s("hello"), s("/l/"), s("$$")]),
            s("he$$o")
        );
        assert_eq!(ok("replace", vec![s("a.b"), s("/"), s("x")]), s("a.b"));
        assert_eq!(ok("replace", vec![s("abc"), s(""), s("-")]), s("-a-b-c-"));
        assert!(err("replace", vec![s("hello"), s("/[/"), s("x")])
            .starts_with("error parsing regexp: "));
    }

    #[test]
    fn regex_shapes() {
        assert_eq!(ok("regex", vec![s("[a-z]+"), s("123abc456")]), s("abc"));
        assert_eq!(
            ok("regex", vec![s("(\\d+)([a-z]+)"), s("123abc456")]),
            strs(&["123", "abc"])
        );
        assert_eq!(
            ok(
                "regex",
                vec![s("(?P<num>\\d+)(?P<word>[a-z]+)"), s("123abc456")]
            ),
            map(&[("num", s("123")), ("word", s("abc"))])
        );
        assert_eq!(
            ok("regex", vec![s("(a)|(b)"), s("b")]),
            list(vec![Value::Null, s("b")])
        );
        assert_eq!(
            err("regex", vec![s("(?P<num>\\d+)([a-z]+)"), s("1a")]),
            "Invalid value for \"pattern\" parameter: invalid regexp pattern: cannot mix both named and unnamed capture groups."
        );
        assert_eq!(
            err("regex", vec![s("x"), s("abc")]),
            "pattern did not match any part of the given string."
        );
        assert!(err("regex", vec![s("["), s("a")])
            .starts_with("Invalid value for \"pattern\" parameter: invalid regexp pattern: "));
    }

    #[test]
    fn regexall_lists_every_match() {
        assert_eq!(ok("regexall", vec![s("\\d"), s("a1b2")]), strs(&["1", "2"]));
        assert_eq!(
            ok("regexall", vec![s("(\\d)(\\w)"), s("1a2b")]),
            list(vec![strs(&["1", "a"]), strs(&["2", "b"])])
        );
        assert_eq!(ok("regexall", vec![s("x"), s("abc")]), list(vec![]));
    }

    #[test]
    fn substr_counts_graphemes() {
        let cases: &[(&str, f64, f64, &str)] = &[
            ("hello world", 1.0, 4.0, "ello"),
            ("hello", -3.0, -1.0, "llo"),
            ("hello", -3.0, 2.0, "ll"),
            ("hello", 10.0, 1.0, ""),
            ("hello", 2.0, 100.0, "llo"),
            ("héllo", 1.0, 2.0, "él"),
            ("hello", 0.0, -2.0, "hello"),
            ("hello", -10.0, 2.0, "he"),
            ("", 0.0, 1.0, ""),
            ("hello", 1.0, 0.0, ""),
        ];
        for (text, offset, length, want) in cases {
            assert_eq!(
                ok("substr", vec![s(text), n(*offset), n(*length)]),
                s(want),
                "substr({text:?}, {offset}, {length})"
            );
        }
        assert_eq!(
            err("substr", vec![s("hello"), n(1.5), n(2.0)]),
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
    }
}
