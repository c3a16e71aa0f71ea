//! IAM policy documents compared by meaning, as Terraform's provider does:
//! key order, whitespace, a single statement against a one-element list, a
//! string against a one-element list (`Action`, `Resource`, principals,
//! condition values) and the order of list items make no difference. The
//! API hands documents back URL-encoded and reformatted, so a refresh that
//! compared text would always see a change.

use serde_json::{Map, Value as Json};

/// A document read from IAM: URL-encoded by the API (GetRole,
/// GetRolePolicy, GetPolicyVersion); text that is already JSON is kept.
pub fn decode(raw: &str) -> String {
    if serde_json::from_str::<Json>(raw).is_ok() {
        return raw.to_string();
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether two policy documents mean the same. Text that is not JSON is
/// only equal to the same text.
pub fn equivalent(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Json>(a),
        serde_json::from_str::<Json>(b),
    ) {
        (Ok(a), Ok(b)) => canonical(&a) == canonical(&b),
        _ => a == b,
    }
}

/// The document in a form where equivalent documents are equal.
fn canonical(doc: &Json) -> Json {
    let Json::Object(doc) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (k, v) in doc {
        let v = if k == "Statement" {
            let mut statements: Vec<Json> = as_list(v).iter().map(statement).collect();
            statements.sort_by_key(|s| s.to_string());
            Json::Array(statements)
        } else {
            v.clone()
        };
        out.insert(k.clone(), v);
    }
    sorted(Json::Object(out))
}

fn statement(s: &Json) -> Json {
    let Json::Object(s) = s else {
        return s.clone();
    };
    let mut out = Map::new();
    for (k, v) in s {
        let v = match k.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(v),
            "Principal" | "NotPrincipal" => principal(v),
            "Condition" => condition(v),
            // An empty Sid is no Sid.
            "Sid" if v.as_str() == Some("") => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Json::Object(out)
}

/// `"*"` is every AWS principal; each kind's principals are a set.
fn principal(v: &Json) -> Json {
    match v {
        Json::String(s) if s == "*" => {
            let mut m = Map::new();
            m.insert("AWS".to_string(), string_set(v));
            Json::Object(m)
        }
        Json::Object(kinds) => Json::Object(
            kinds
                .iter()
                .map(|(k, v)| (k.clone(), string_set(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `{operator: {key: values}}` with each values list a set.
fn condition(v: &Json) -> Json {
    let Json::Object(ops) = v else {
        return v.clone();
    };
    Json::Object(
        ops.iter()
            .map(|(op, keys)| {
                let keys = match keys {
                    Json::Object(keys) => Json::Object(
                        keys.iter()
                            .map(|(k, v)| (k.clone(), string_set(v)))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                (op.clone(), keys)
            })
            .collect(),
    )
}

fn as_list(v: &Json) -> Vec<Json> {
    match v {
        Json::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// A string or list of values as a sorted list without duplicates; values
/// that are not strings (booleans, numbers in conditions) compare as text,
/// which is how IAM treats them.
fn string_set(v: &Json) -> Json {
    let mut items: Vec<String> = as_list(v)
        .iter()
        .map(|i| match i {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    items.sort();
    items.dedup();
    Json::Array(items.into_iter().map(Json::String).collect())
}

/// Objects with their keys in order, so that equal documents print alike.
fn sorted(v: Json) -> Json {
    match v {
        Json::Object(m) => {
            let mut pairs: Vec<(String, Json)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Json::Array(items) => Json::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_equal_in_meaning_are_equivalent() {
        let written = r#"{
          "Version": "2012-10-17",
          "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"
          }
        }"#;
        let returned = r#"{"Statement":[{"Action":["sts:AssumeRole"],"Principal":{"Service":["ec2.amazonaws.com"]},"Effect":"Allow","Sid":""}],"Version":"2012-10-17"}"#;
        assert!(equivalent(written, returned));
        let reordered = r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"},
          {"Effect":"Deny","Action":"s3:DeleteObject","Resource":["arn:aws:s3:::b/*"],
           "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        let other_order = r#"{"Statement":[
          {"Resource":"arn:aws:s3:::b/*","Action":["s3:DeleteObject"],"Effect":"Deny",
           "Condition":{"Bool":{"aws:SecureTransport":["false"]}}},
          {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["*"]}],
          "Version":"2012-10-17"}"#;
        assert!(equivalent(reordered, other_order));
    }

    #[test]
    fn documents_that_differ_are_not_equivalent() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#;
        let c = r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}"#;
        assert!(!equivalent(a, b));
        assert!(!equivalent(a, c));
        assert!(!equivalent("not json", "not  json"));
    }

    #[test]
    fn url_encoded_documents_are_decoded() {
        assert_eq!(
            decode("%7B%22Version%22%3A%222012-10-17%22%7D"),
            r#"{"Version":"2012-10-17"}"#
        );
        assert_eq!(decode(r#"{"a":"%41"}"#), r#"{"a":"%41"}"#);
    }
}
