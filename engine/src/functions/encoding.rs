//! Encodings and digests: JSON, base64, URL encoding, hashes, UUIDs, and
//! `timestamp` (which, like `uuid`, is only known during apply).

use std::fmt::Write as _;

use base64::Engine as _;
use md5::Digest as _;

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::{format_number, Value};

/// Encodes a value as compact JSON the way cty does: object keys sorted,
/// numbers without exponents, and Go's escaping of `<`, `>`, `&`, U+2028
/// and U+2029 (Go's encoder escapes them for safe embedding in HTML).
pub(crate) fn json_encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    write_json(v, &mut out)?;
    Ok(out)
}

fn write_json(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_infinite() => {
            return Err("cannot serialize infinity as JSON".to_string())
        }
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) => write_json_string(s, out),
        Value::List(items) | Value::Set(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out)?;
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out)?;
            }
            out.push('}');
        }
        Value::Unknown => return Err("value is not known".to_string()),
        Value::Sensitive(inner) => write_json(inner, out)?,
    }
    Ok(())
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn jsonencode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    json_encode(args.get(0)).map(Value::String).map_err(failed)
}

pub(crate) fn jsondecode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let text = args.string(0)?;
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(json) => Ok(Value::from_json(&json)),
        Err(e) => Err(failed(json_error(&text, &e))),
    }
}

/// Words a JSON syntax error as Go's decoder does, which is what Terraform
/// users see.
fn json_error(text: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "EOF".to_string(),
        _ if e.to_string().starts_with("trailing characters") => {
            "extraneous data after JSON object".to_string()
        }
        _ => {
            // Point at the offending character, counting lines and
            // columns as serde_json does (both from 1).
            let ch = text
                .lines()
                .nth(e.line().saturating_sub(1))
                .and_then(|l| l.chars().nth(e.column().saturating_sub(1)));
            match ch {
                Some(c) => format!(
                    "invalid character '{c}' at line {}, column {}",
                    e.line(),
                    e.column()
                ),
                None => e.to_string(),
            }
        }
    }
}

pub(crate) fn base64encode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(args.string(0)?),
    ))
}

pub(crate) fn base64decode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(|_| {
            failed(format!(
                "failed to decode base64 data {}",
                crate::value::quote_string(&s)
            ))
        })?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| failed("the result of decoding the provided string is not valid UTF-8"))
}

/// `base64gzip(str)`: the text gzip-compressed, then base64-encoded. The
/// gzip header is Go's (no name, no time, "unknown" system), so the bytes
/// decompress to the same text; the compressed body is `flate2`'s and may
/// differ from Go's byte for byte (Go's also ends with an empty flush block).
pub(crate) fn base64gzip(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    use std::io::Write as _;
    let text = args.string(0)?;
    let mut gz = flate2::GzBuilder::new()
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes())
        .and_then(|()| gz.finish())
        .map(|bytes| Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)))
        .map_err(|e| failed(format!("failed to write gzip raw data: {e}")))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn md5(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&md5::Md5::digest(args.string(0)?))))
}

pub(crate) fn sha1(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&sha1::Sha1::digest(args.string(0)?))))
}

pub(crate) fn sha256(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&sha2::Sha256::digest(args.string(0)?))))
}

pub(crate) fn sha512(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(hex(&sha2::Sha512::digest(args.string(0)?))))
}

pub(crate) fn base64sha256(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(args.string(0)?)),
    ))
}

pub(crate) fn base64sha512(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(args.string(0)?)),
    ))
}

/// Go's `url.QueryEscape`: unreserved characters stay, spaces become `+`,
/// every other byte is percent-encoded in upper case.
pub(crate) fn urlencode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let s = args.string(0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    Ok(Value::String(out))
}

/// A random UUID; unknown during plan because each apply makes a new one.
pub(crate) fn uuid(_: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    if !ctx.applying {
        return Ok(Value::Unknown);
    }
    Ok(Value::String(uuid::Uuid::new_v4().to_string()))
}

/// A name-based (SHA-1) UUID; deterministic, so known during plan.
pub(crate) fn uuidv5(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let namespace = args.string(0)?;
    let name = args.string(1)?;
    let ns = match namespace.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|_| {
            failed(format!(
                "uuidv5() doesn't support namespace {}",
                crate::value::quote_string(other)
            ))
        })?,
    };
    let mut hasher = sha1::Sha1::new();
    hasher.update(ns.as_bytes());
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(digest.get(..16).unwrap_or(&[0u8; 16]));
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Ok(Value::String(uuid::Uuid::from_bytes(bytes).to_string()))
}

/// The current time in RFC 3339 UTC without fractional seconds; unknown
/// during plan, as in Terraform, because it is taken at apply.
pub(crate) fn timestamp(_: Args, ctx: &FunctionContext) -> Result<Value, FunctionError> {
    if !ctx.applying {
        return Ok(Value::Unknown);
    }
    Ok(Value::String(state::clock::now_rfc3339()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx_with, err, list, map, n, ok, s};
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn gunzip(b64: &str) -> (Vec<u8>, String) {
        use std::io::Read as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("gzip");
        (bytes, text)
    }

    /// Terraform's bytes (from Go's gzip) and ours differ in the compressed
    /// body but not in the header or the text they decompress to.
    #[test]
    fn base64gzip_decompresses_to_the_text_as_terraforms_does() {
        let terraform = "H4sIAAAAAAAA/8pIzcnJBwAAAP//AQAA//+GphA2BQAAAA==";
        let ours = ok("base64gzip", vec![s("hello")]);
        let (ours_bytes, ours_text) = gunzip(ours.as_str().unwrap_or_default());
        let (tf_bytes, tf_text) = gunzip(terraform);
        assert_eq!((ours_text.as_str(), tf_text.as_str()), ("hello", "hello"));
        assert_eq!(ours_bytes[..10], tf_bytes[..10], "the gzip headers");
        let long = "a line of text\n".repeat(200);
        let ours = ok("base64gzip", vec![s(&long)]);
        assert_eq!(gunzip(ours.as_str().unwrap_or_default()).1, long);
    }

    #[test]
    fn jsonencode_matches_terraform() {
        assert_eq!(
            ok(
                "jsonencode",
                vec![map(&[
                    ("b", n(1.0)),
                    (
                        "a",
                        list(vec![n(1.5), s("x<>&"), Value::Bool(true), Value::Null])
                    ),
                    ("c", map(&[])),
                ])]
            ),
            s("{\"a\":[1.5,\"x\\u003c\\u003e\\u0026\",true,null],\"b\":1,\"c\":{}}")
        );
        assert_eq!(ok("jsonencode", vec![n(1e20)]), s("100000000000000000000"));
        assert_eq!(ok("jsonencode", vec![n(1e-7)]), s("0.0000001"));
        assert_eq!(ok("jsonencode", vec![n(0.1)]), s("0.1"));
        assert_eq!(ok("jsonencode", vec![s("\u{2028}é")]), s("\"\\u2028é\""));
        assert_eq!(
            ok("jsonencode", vec![s("\u{8}\u{c}\u{1}")]),
            s("\"\\b\\f\\u0001\"")
        );
        assert_eq!(ok("jsonencode", vec![Value::Null]), s("null"));
        assert_eq!(
            ok("jsonencode", vec![list(vec![Value::Unknown])]),
            Value::Unknown
        );
    }

    #[test]
    fn jsondecode_values_and_errors() {
        assert_eq!(
            ok("jsondecode", vec![s("{\"b\":1,\"a\":[1,2.5,null,true]}")]),
            map(&[
                (
                    "a",
                    list(vec![n(1.0), n(2.5), Value::Null, Value::Bool(true)])
                ),
                ("b", n(1.0)),
            ])
        );
        assert_eq!(ok("jsondecode", vec![s("  \"x\"  ")]), s("x"));
        assert_eq!(err("jsondecode", vec![s("[1")]), "EOF.");
        assert_eq!(err("jsondecode", vec![s("")]), "EOF.");
        assert_eq!(
            err("jsondecode", vec![s("1 2")]),
            "extraneous data after JSON object."
        );
        assert!(err("jsondecode", vec![s("[x]")]).starts_with("invalid character 'x'"));
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(ok("base64encode", vec![s("hello")]), s("aGVsbG8="));
        assert_eq!(ok("base64decode", vec![s("aGVsbG8=")]), s("hello"));
        assert_eq!(
            err("base64decode", vec![s("aGVsbG8")]),
            "failed to decode base64 data \"aGVsbG8\"."
        );
        assert_eq!(
            err("base64decode", vec![s("/w==")]),
            "the result of decoding the provided string is not valid UTF-8."
        );
    }

    #[test]
    fn digests() {
        assert_eq!(
            ok("md5", vec![s("hello")]),
            s("5d41402abc4b2a76b9719d911017c592")
        );
        assert_eq!(
            ok("sha1", vec![s("hello")]),
            s("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(
            ok("sha256", vec![s("hello")]),
            s("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        );
        assert_eq!(
            ok("sha512", vec![s("hello")]),
            s("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043")
        );
        assert_eq!(
            ok("base64sha256", vec![s("hello")]),
            s("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")
        );
    }

    #[test]
    fn urlencode_like_go() {
        assert_eq!(
            ok("urlencode", vec![s("a b&c=d/é~")]),
            s("a+b%26c%3Dd%2F%C3%A9~")
        );
    }

    #[test]
    fn uuid_and_timestamp_are_unknown_during_plan() {
        assert_eq!(ok("uuid", vec![]), Value::Unknown);
        assert_eq!(ok("timestamp", vec![]), Value::Unknown);
        let render = |_: &str, _: &BTreeMap<String, Value>| Ok(Value::Null);
        let ctx = ctx_with(Path::new("."), true, &render);
        let id = super::super::call("uuid", vec![], &ctx).unwrap_or(Value::Null);
        assert_eq!(id.as_str().map(str::len), Some(36));
        let now = super::super::call("timestamp", vec![], &ctx).unwrap_or(Value::Null);
        let now = now.as_str().unwrap_or_default().to_string();
        assert_eq!(now.len(), 20, "{now}");
        assert!(
            now.ends_with('Z') && now.as_bytes().get(10) == Some(&b'T'),
            "{now}"
        );
    }

    #[test]
    fn uuidv5_is_deterministic() {
        assert_eq!(
            ok("uuidv5", vec![s("dns"), s("www.example.com")]),
            s("2ed6657d-e927-568b-95e1-2665a8aea6a2")
        );
        assert_eq!(
            err("uuidv5", vec![s("nope"), s("x")]),
            "uuidv5() doesn't support namespace \"nope\"."
        );
    }
}
