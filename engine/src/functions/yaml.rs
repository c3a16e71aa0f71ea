//! `yamlencode` and `yamldecode`.
//!
//! Terraform's YAML comes from go-cty-yaml, a fork of go-yaml v2, and its
//! output layout is part of what users diff in plans, so the encoder here
//! follows go-yaml's emitter step by step: keys and strings double-quoted,
//! strings with newlines as literal blocks when go-yaml allows it, sequences
//! inside mappings not indented, double-quoted strings folded after column
//! 80, and `...` after a document that is a bare number, bool or null.
//!
//! Decoding uses yaml-rust2's event parser (it reports how each scalar was
//! quoted) and resolves plain scalars with cty-yaml's rules, which mix YAML
//! 1.1 (`yes`, `on` are bools) with YAML 1.2 (`0o17` is octal).

use std::collections::{BTreeMap, HashMap};

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::{format_number, Number, Value};

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;

pub(crate) fn yamlencode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let mut e = Emitter::default();
    e.node(args.get(0), -1, false, true)
        .map_err(|m| args.error(0, m))?;
    // Document end: a final line break, and `...` after a bare plain scalar.
    e.write_indent(0);
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent(0);
    }
    Ok(Value::String(e.out))
}

/// The state that go-yaml's emitter keeps to decide spaces and line breaks.
struct Emitter {
    out: String,
    column: usize,
    /// The last character written was whitespace.
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
    open_ended: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
        }
    }
}

fn increase_indent(parent: i64, flow: bool, indentless: bool) -> i64 {
    if parent < 0 {
        if flow {
            BEST_INDENT
        } else {
            0
        }
    } else if indentless {
        parent
    } else {
        parent + BEST_INDENT
    }
}

fn is_printable(c: char) -> bool {
    let c = c as u32;
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (0xA0..=0xD7FF).contains(&c)
        || ((0xE000..=0xFFFD).contains(&c) && c != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether go-yaml would accept a literal block for this string: no
/// unprintable characters, no space before a line break, no trailing space.
fn block_allowed(s: &str) -> bool {
    let mut prev_space = false;
    for c in s.chars() {
        if !is_printable(c) || c == '\u{FEFF}' {
            return false;
        }
        if is_break(c) && prev_space {
            return false;
        }
        prev_space = c == ' ';
    }
    !s.ends_with(' ')
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: i64) {
        let indent = usize::try_from(indent.max(0)).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, s: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn node(
        &mut self,
        v: &Value,
        parent: i64,
        mapping_value: bool,
        root: bool,
    ) -> Result<(), String> {
        match v {
            Value::Map(map) if !map.is_empty() => {
                let indent = increase_indent(parent, false, false);
                for (k, item) in map {
                    self.write_indent(indent);
                    self.double_quoted(k, false, increase_indent(indent, true, false));
                    self.write_indicator(":", false, false, false);
                    self.node(item, indent, true, false)?;
                }
                Ok(())
            }
            Value::List(items) | Value::Set(items) if !items.is_empty() => {
                let indentless = mapping_value && !self.indention;
                let indent = increase_indent(parent, false, indentless);
                for item in items {
                    self.write_indent(indent);
                    self.write_indicator("-", true, false, true);
                    self.node(item, indent, false, false)?;
                }
                Ok(())
            }
            Value::Map(_) => {
                self.write_indicator("{", true, true, false);
                self.write_indicator("}", false, false, false);
                Ok(())
            }
            Value::List(_) | Value::Set(_) => {
                self.write_indicator("[", true, true, false);
                self.write_indicator("]", false, false, false);
                Ok(())
            }
            Value::Null => {
                self.plain("null", root);
                Ok(())
            }
            Value::Bool(b) => {
                self.plain(if *b { "true" } else { "false" }, root);
                Ok(())
            }
            Value::Number(n) if n.is_infinite() => {
                self.plain(if n.is_negative() { "-.inf" } else { ".inf" }, root);
                Ok(())
            }
            Value::Number(n) => {
                self.plain(&format_number(n), root);
                Ok(())
            }
            Value::String(s) => {
                let indent = increase_indent(parent, true, false);
                if s.contains('\n') && block_allowed(s) {
                    self.literal(s, indent);
                } else {
                    self.double_quoted(s, true, indent);
                }
                Ok(())
            }
            Value::Unknown => Err("value is not known".to_string()),
            Value::Sensitive(inner) => self.node(inner, parent, mapping_value, root),
        }
    }

    fn plain(&mut self, text: &str, root: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
        if root {
            self.open_ended = true;
        }
    }

    fn double_quoted(&mut self, s: &str, allow_breaks: bool, indent: i64) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let last = chars.len().saturating_sub(1);
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let code = c as u32;
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                let escaped = match short {
                    Some(ch) => ch.to_string(),
                    None if code <= 0xFF => format!("x{code:02X}"),
                    None if code <= 0xFFFF => format!("u{code:04X}"),
                    None => format!("U{code:08X}"),
                };
                for e in escaped.chars() {
                    self.put(e);
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != last {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
    }

    fn literal(&mut self, s: &str, indent: i64) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.put(char::from(b'0' + BEST_INDENT as u8));
        }
        let n = chars.len();
        let chomp = match (chars.last(), n) {
            (None, _) => Some('-'),
            (Some(c), _) if !is_break(*c) => Some('-'),
            (Some(_), 1) => Some('+'),
            _ if chars.get(n.saturating_sub(2)).is_some_and(|c| is_break(*c)) => Some('+'),
            _ => None,
        };
        if let Some(c) = chomp {
            self.put(c);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in chars {
            if is_break(c) {
                if c == '\n' {
                    self.put_break();
                } else {
                    self.out.push(c);
                    self.column = 0;
                }
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }
}

/// The most nodes a document may expand to, counting every alias
/// expansion, so that a "billion laughs" document cannot exhaust memory.
const NODE_BUDGET: usize = 1_000_000;
/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

struct Decoder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, Value>,
    nodes: usize,
}

pub(crate) fn yamldecode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let src = args.string(0)?;
    let mut d = Decoder {
        parser: Parser::new_from_str(&src),
        anchors: HashMap::new(),
        nodes: 0,
    };
    d.document().map_err(failed)
}

fn position(e: &yaml_rust2::ScanError) -> String {
    format!(
        "on line {}, column {}: {}",
        e.marker().line(),
        e.marker().col() + 1,
        e.info()
    )
}

impl Decoder<'_> {
    fn next(&mut self) -> Result<(Event, yaml_rust2::scanner::Marker), String> {
        self.parser.next_token().map_err(|e| position(&e))
    }

    fn document(&mut self) -> Result<Value, String> {
        let mut value = None;
        loop {
            let (event, mark) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::DocumentStart if value.is_some() => {
                    return Err(format!(
                        "on line {}, column 1: unexpected extra content after value",
                        mark.line()
                    ))
                }
                Event::DocumentStart => {
                    let (first, _) = self.next()?;
                    value = Some(self.node(first, 0)?);
                }
                Event::StreamEnd => {
                    return value.ok_or_else(|| {
                        "on line 1, column 1: missing start of document".to_string()
                    })
                }
                other => value = Some(self.node(other, 0)?),
            }
        }
    }

    fn count(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            return Err("the document expands to too many values".to_string());
        }
        Ok(())
    }

    fn node(&mut self, event: Event, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("the document is nested too deeply".to_string());
        }
        self.count()?;
        let (value, anchor) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                (resolve(&text, style, tag.as_ref())?, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "seq")?;
                let mut items = Vec::new();
                loop {
                    let (e, _) = self.next()?;
                    if matches!(e, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(e, depth + 1)?);
                }
                (Value::List(items), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "map")?;
                let mut map = BTreeMap::new();
                loop {
                    let (e, _) = self.next()?;
                    let key = match e {
                        Event::MappingEnd => break,
                        Event::Scalar(text, _, _, _) => text,
                        Event::Alias(id) => match self.anchors.get(&id) {
                            Some(Value::String(s)) => s.clone(),
                            Some(Value::Number(n)) => format_number(n),
                            Some(Value::Bool(b)) => b.to_string(),
                            _ => return Err("only strings are allowed as mapping keys".to_string()),
                        },
                        _ => return Err("only strings are allowed as mapping keys".to_string()),
                    };
                    let (e, _) = self.next()?;
                    let value = self.node(e, depth + 1)?;
                    map.insert(key, value);
                }
                (Value::Map(map), anchor)
            }
            Event::Alias(id) => {
                let value = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| "unknown anchor referenced by an alias".to_string())?;
                self.nodes += weight(&value);
                if self.nodes > NODE_BUDGET {
                    return Err("the document expands to too many values".to_string());
                }
                (value, 0)
            }
            _ => return Err("unexpected YAML event".to_string()),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        Ok(value)
    }
}

fn weight(v: &Value) -> usize {
    match v {
        Value::List(items) | Value::Set(items) => 1 + items.iter().map(weight).sum::<usize>(),
        Value::Map(map) => 1 + map.values().map(weight).sum::<usize>(),
        _ => 1,
    }
}

const TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// The tag as a short `!!name` or a local `!name`.
fn tag_name(tag: &Tag) -> String {
    let full = format!("{}{}", tag.handle, tag.suffix);
    match full.strip_prefix(TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => full,
    }
}

fn check_collection_tag(tag: Option<&Tag>, kind: &str) -> Result<(), String> {
    match tag.map(tag_name) {
        None => Ok(()),
        Some(t) if t == format!("!!{kind}") => Ok(()),
        Some(t) => Err(format!("unsupported tag \"{t}\"")),
    }
}

fn resolve(src: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag = tag.map(tag_name);
    let plain = matches!(style, TScalarStyle::Plain);
    match tag.as_deref() {
        None if plain => Ok(resolve_plain(src)),
        None | Some("!!str") | Some("!") => Ok(Value::string(src)),
        Some(_) if !plain => Ok(Value::string(src)),
        Some("!!binary") => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(src.split_whitespace().collect::<String>())
                .map(|_| Value::string(src))
                .map_err(|_| format!("cannot parse \"{src}\" as !!binary: not valid base64"))
        }
        Some("!!null") => Ok(Value::Null),
        Some("!!bool") => match bool_word(src) {
            Some(b) => Ok(Value::Bool(b)),
            None => Err(format!("cannot parse \"{src}\" as {TAG_PREFIX}bool")),
        },
        Some(t @ ("!!int" | "!!float")) => number(src)
            .map(Value::Number)
            .ok_or_else(|| format!("cannot parse \"{src}\" as {TAG_PREFIX}{}", &t[2..])),
        Some("!!timestamp") => timestamp(src)
            .map(Value::String)
            .ok_or_else(|| format!("cannot parse \"{src}\" as {TAG_PREFIX}timestamp")),
        Some(other) => Err(format!("unsupported tag \"{other}\"")),
    }
}

fn bool_word(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// A decimal number, or a positive hexadecimal (`0x`) or octal (`0o`) integer.
fn number(s: &str) -> Option<Number> {
    if let Some(n) = super::conversion::parse_number(s) {
        return Some(n);
    }
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = s.strip_prefix("0o") {
        (o, 8)
    } else {
        return None;
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    num_bigint::BigInt::parse_bytes(digits.as_bytes(), radix).map(|v| Number::from_bigint(&v))
}

fn resolve_plain(src: &str) -> Value {
    match src {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Number(Number::infinity(false))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Number(Number::infinity(true)),
        _ => {}
    }
    if let Some(b) = bool_word(src) {
        return Value::Bool(b);
    }
    match src.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-') => {
            if let Some(t) = timestamp(src) {
                return Value::String(t);
            }
            if let Some(n) = number(src) {
                return Value::Number(n);
            }
        }
        Some(b'.') => {
            if let Some(n) = super::conversion::parse_number(src) {
                return Value::Number(n);
            }
        }
        _ => {}
    }
    Value::string(src)
}

/// Parses the timestamp forms cty-yaml accepts and formats them as RFC 3339
/// (fractional seconds dropped, `Z` for UTC).
fn timestamp(s: &str) -> Option<String> {
    fn num(s: &str, min_len: usize, max_len: usize) -> Option<u32> {
        if s.len() < min_len || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some((&s[i..i + 1], &s[i + 1..]))),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let year = num(parts.next()?, 4, 4)?;
    let month = num(parts.next()?, 1, 2)?;
    let day = num(parts.next()?, 1, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let Some((sep, time)) = rest else {
        return Some(format!("{year:04}-{month:02}-{day:02}T00:00:00Z"));
    };
    // A space-separated time has no zone; a T-separated one must have one.
    let (clock, zone) = if sep == " " {
        (time, "Z".to_string())
    } else if let Some(c) = time.strip_suffix('Z') {
        (c, "Z".to_string())
    } else {
        let i = time.rfind(['+', '-'])?;
        let (c, z) = time.split_at(i);
        let (zh, zm) = z[1..].split_once(':')?;
        let (zh, zm) = (num(zh, 2, 2)?, num(zm, 2, 2)?);
        if zh == 0 && zm == 0 {
            (c, "Z".to_string())
        } else {
            (c, format!("{}{zh:02}:{zm:02}", &z[..1]))
        }
    };
    let (clock, frac) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    if frac.is_some_and(|f| f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut hms = clock.split(':');
    let h = num(hms.next()?, 1, 2)?;
    let m = num(hms.next()?, 1, 2)?;
    let sec = num(hms.next()?, 1, 2)?;
    if hms.next().is_some() || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}{zone}"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, map, n, ok, s, strs};
    use crate::value::Value;

    fn enc(v: Value) -> String {
        ok("yamlencode", vec![v])
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn yamlencode_layout_matches_terraform() {
        let v = map(&[
            ("b", n(1.0)),
            (
                "a",
                list(vec![n(1.5), s("x"), Value::Bool(true), Value::Null]),
            ),
            ("c", map(&[])),
            ("d", list(vec![])),
            ("e", s("multi\nline")),
            ("f", s("yes")),
            ("g", s("123")),
            ("h", s("")),
        ]);
        assert_eq!(
            enc(v),
            "\"a\":\n- 1.5\n- \"x\"\n- true\n- null\n\"b\": 1\n\"c\": {}\n\"d\": []\n\"e\": |-\n  multi\n  line\n\"f\": \"yes\"\n\"g\": \"123\"\n\"h\": \"\"\n"
        );
        assert_eq!(enc(s("hello")), "\"hello\"\n");
        assert_eq!(enc(n(1.0)), "1\n...\n");
        assert_eq!(enc(n(1e20)), "100000000000000000000\n...\n");
        assert_eq!(enc(Value::Bool(true)), "true\n...\n");
        assert_eq!(enc(Value::Null), "null\n...\n");
        assert_eq!(enc(list(vec![])), "[]\n");
        assert_eq!(enc(map(&[])), "{}\n");
        assert_eq!(enc(s("")), "\"\"\n");
        assert_eq!(
            enc(list(vec![
                map(&[("a", n(1.0)), ("b", list(vec![n(1.0), n(2.0)]))]),
                list(vec![n(3.0), list(vec![n(4.0)])]),
            ])),
            "- \"a\": 1\n  \"b\":\n  - 1\n  - 2\n- - 3\n  - - 4\n"
        );
        assert_eq!(
            enc(map(&[
                ("a", map(&[("b", map(&[("c", n(1.0))]))])),
                ("l", list(vec![list(vec![])])),
                ("m", list(vec![map(&[])])),
            ])),
            "\"a\":\n  \"b\":\n    \"c\": 1\n\"l\":\n- []\n\"m\":\n- {}\n"
        );
    }

    #[test]
    fn yamlencode_block_scalars() {
        assert_eq!(
            enc(map(&[
                ("a", s("  indented\nx")),
                ("b", s("a \nb")),
                ("c", s("a\n")),
                ("d", s("a\n\n")),
                ("e", s("\nx")),
                ("f", s("tab\there")),
                ("h", s("ctl \u{1} x")),
                ("i", s("quote \" and \\ back")),
            ])),
            "\"a\": |2-\n    indented\n  x\n\"b\": \"a \\nb\"\n\"c\": |\n  a\n\"d\": |+\n  a\n\n\"e\": |2-\n\n  x\n\"f\": \"tab\\there\"\n\"h\": \"ctl \\x01 x\"\n\"i\": \"quote \\\" and \\\\ back\"\n"
        );
        assert_eq!(enc(s("multi\nline")), "|-\n  multi\n  line\n");
        assert_eq!(enc(s("a\n\n")), "|+\n  a\n\n");
        assert_eq!(enc(list(vec![n(1.0), s("\n")])), "- 1\n- |2+\n\n");
        assert_eq!(
            enc(list(vec![s("multi\nline"), map(&[("a", s("x\ny"))])])),
            "- |-\n  multi\n  line\n- \"a\": |-\n    x\n    y\n"
        );
        assert_eq!(enc(s("line1\r\nline2")), "\"line1\\r\\nline2\"\n");
        assert_eq!(enc(s("😀 x")), "\"\\U0001F600 x\"\n");
        assert_eq!(enc(s("a\u{a0}b\u{2028}c")), "\"a\u{a0}b\\Lc\"\n");
    }

    #[test]
    fn yamlencode_folds_long_strings() {
        let long = "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh iiiiiiiiii";
        assert_eq!(
            enc(s(long)),
            "\"aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh\n  iiiiiiiiii\"\n"
        );
        assert_eq!(
            enc(map(&[("long", s(long))])),
            "\"long\": \"aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg\n  hhhhhhhhhh iiiiiiiiii\"\n"
        );
    }

    #[test]
    fn yamldecode_resolves_like_terraform() {
        assert_eq!(
            ok(
                "yamldecode",
                vec![s("a: 1\nb: [x, 2.5, true, null, ~]\nc: yes\nd: 0x10\ne: 1e3\nf: '1'\ng: 010\nh: .inf")]
            ),
            map(&[
                ("a", n(1.0)),
                ("b", list(vec![s("x"), n(2.5), Value::Bool(true), Value::Null, Value::Null])),
                ("c", Value::Bool(true)),
                ("d", n(16.0)),
                ("e", n(1000.0)),
                ("f", s("1")),
                ("g", n(10.0)),
                ("h", n(f64::INFINITY)),
            ])
        );
        assert_eq!(
            ok(
                "yamldecode",
                vec![s("[0o17, 0b101, 1_000, +1, -0x1F, .5, 1., 08, 1:20, '2001-12-14', 2001-12-14 21:59:43.10, 2001-12-14t21:59:43.10-05:00]")]
            ),
            list(vec![
                n(15.0),
                s("0b101"),
                s("1_000"),
                n(1.0),
                s("-0x1F"),
                n(0.5),
                n(1.0),
                n(8.0),
                s("1:20"),
                s("2001-12-14"),
                s("2001-12-14T21:59:43Z"),
                s("2001-12-14T21:59:43-05:00"),
            ])
        );
        assert_eq!(
            ok("yamldecode", vec![s("2001-12-14")]),
            s("2001-12-14T00:00:00Z")
        );
        assert_eq!(ok("yamldecode", vec![s("- a\n- b")]), strs(&["a", "b"]));
        assert_eq!(
            ok("yamldecode", vec![s("a: &x 1\nb: *x")]),
            map(&[("a", n(1.0)), ("b", n(1.0))])
        );
        assert_eq!(
            ok("yamldecode", vec![s("a: 1\na: 2")]),
            map(&[("a", n(2.0))])
        );
        assert_eq!(
            ok("yamldecode", vec![s("{1: a, true: b}")]),
            map(&[("1", s("a")), ("true", s("b"))])
        );
        assert_eq!(ok("yamldecode", vec![s("!!int '12'")]), s("12"));
        assert_eq!(ok("yamldecode", vec![s("!!str 12")]), s("12"));
        assert_eq!(ok("yamldecode", vec![s("!!bool yes")]), Value::Bool(true));
        assert_eq!(
            ok("yamldecode", vec![s("- !!null x")]),
            list(vec![Value::Null])
        );
        assert_eq!(ok("yamldecode", vec![s("|\n  a\n  b\n")]), s("a\nb\n"));
        assert_eq!(
            ok("yamldecode", vec![s("a:\nb: \"\"")]),
            map(&[("a", Value::Null), ("b", s(""))])
        );
    }

    #[test]
    fn yamldecode_errors() {
        assert_eq!(
            err("yamldecode", vec![s("!foo 12")]),
            "unsupported tag \"!foo\"."
        );
        assert_eq!(
            err("yamldecode", vec![s("? [a]\n: 1")]),
            "only strings are allowed as mapping keys."
        );
        assert_eq!(
            err("yamldecode", vec![s("")]),
            "on line 1, column 1: missing start of document."
        );
        assert!(err("yamldecode", vec![s("a: [")]).starts_with("on line "));
        assert!(
            err("yamldecode", vec![s("---\na: 1\n---\nb: 2")]).contains("unexpected extra content")
        );
        // Exponential alias expansion is refused instead of exhausting memory.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = (b'a' + i) as char;
            let next = (b'a' + i + 1) as char;
            bomb.push_str(&format!(
                "{next}: &{next} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert_eq!(
            err("yamldecode", vec![s(&bomb)]),
            "the document expands to too many values."
        );
    }
}
