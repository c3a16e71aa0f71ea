//! Helpers shared by the built-in providers: reading attributes out of
//! values, filling in what became known at apply time, and randomness.

use std::collections::BTreeMap;

use crate::diagnostics::Diagnostic;
use crate::provider::{ProviderError, Schema};
use crate::value::Value;

/// An attribute of an object value, or `None` when it is absent or null.
pub fn attr<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.get_attr(name).filter(|v| !v.is_null())
}

/// A string attribute; `None` when absent, null or unknown.
pub fn string_attr<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    attr(object, name).and_then(Value::as_str)
}

/// True when the attribute is present but not yet known.
pub fn is_unknown_attr(object: &Value, name: &str) -> bool {
    attr(object, name).is_some_and(|v| !v.is_wholly_known())
}

/// A whole-number attribute. `Ok(None)` when absent, null or unknown, so that
/// plans with unknown configuration can still go ahead; an error when the
/// value is not a whole number. Numeric strings are accepted because
/// Terraform converts them to numbers per the schema.
pub fn int_attr(object: &Value, name: &str) -> Result<Option<i64>, Diagnostic> {
    let Some(value) = attr(object, name) else {
        return Ok(None);
    };
    let number = match value.peel() {
        Value::Unknown => return Ok(None),
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => crate::value::Number::parse(s.trim()),
        _ => None,
    };
    match number.as_ref().and_then(crate::value::Number::to_i64) {
        Some(n) => Ok(Some(n)),
        _ => Err(Diagnostic::error(
            "Incorrect attribute value type",
            format!("The `{name}` argument must be a whole number, not {value}."),
        )),
    }
}

/// A boolean attribute with a default for absent or null values; `Ok(None)`
/// when unknown. Strings "true" and "false" are accepted, as Terraform
/// converts them.
pub fn bool_attr(object: &Value, name: &str, default: bool) -> Result<Option<bool>, Diagnostic> {
    let Some(value) = attr(object, name) else {
        return Ok(Some(default));
    };
    match value.peel() {
        Value::Unknown => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if s == "true" => Ok(Some(true)),
        Value::String(s) if s == "false" => Ok(Some(false)),
        _ => Err(Diagnostic::error(
            "Incorrect attribute value type",
            format!("The `{name}` argument must be true or false, not {value}."),
        )),
    }
}

/// The planned value with every user-settable attribute that is still unknown
/// taken from the configuration, which the engine re-evaluates at apply time
/// once the values it depends on are known.
pub fn resolve_planned(schema: &Schema, planned: &Value, config: Option<&Value>) -> Value {
    let Some(mut map) = planned.as_map().cloned() else {
        return planned.clone();
    };
    let config_map = config.and_then(Value::as_map);
    for attribute in schema.attributes.iter().filter(|a| a.user_settable()) {
        let still_unknown = map
            .get(attribute.name)
            .is_some_and(|v| !v.is_wholly_known());
        if !still_unknown {
            continue;
        }
        if let Some(known) = config_map
            .and_then(|m| m.get(attribute.name))
            .filter(|v| v.is_wholly_known())
        {
            map.insert(attribute.name.to_string(), known.clone());
        }
    }
    Value::Map(map)
}

/// Fails when any attribute of the new state is still unknown; the engine
/// requires a wholly known state after apply, and this says which attribute
/// is the culprit.
pub fn ensure_known(state: &BTreeMap<String, Value>) -> Result<(), ProviderError> {
    match state.iter().find(|(_, v)| !v.is_wholly_known()) {
        Some((name, _)) => Err(ProviderError::new(format!(
            "the value of `{name}` is still unknown at apply time"
        ))),
        None => Ok(()),
    }
}

/// Marks every attribute the schema declares sensitive, so that state built
/// by `apply`, `read` or `import` carries the same marks as the plan did.
pub fn mark_sensitive(schema: &Schema, mut state: BTreeMap<String, Value>) -> Value {
    for attribute in schema.attributes.iter().filter(|a| a.sensitive) {
        if let Some(value) = state.remove(attribute.name) {
            let marked = if value.is_null() {
                value
            } else {
                value.mark_if(true)
            };
            state.insert(attribute.name.to_string(), marked);
        }
    }
    Value::Map(state)
}

/// Lower-case hexadecimal, as Terraform prints digests.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Random bytes from the operating system's CSPRNG.
pub fn random_bytes(len: usize) -> Result<Vec<u8>, ProviderError> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)
        .map_err(|e| ProviderError::new(format!("cannot read random bytes: {e}")))?;
    Ok(bytes)
}

/// A version 4 UUID in its canonical hyphenated form, as Terraform's
/// `terraform_data` uses for its id.
pub fn uuid_v4() -> Result<String, ProviderError> {
    let mut bytes = random_bytes(16)?;
    // Version 4 and the RFC 4122 variant, per RFC 9562 section 5.4.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h = hex(&bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A buffered source of uniformly distributed random numbers, so that
/// generating a long string costs a few system calls rather than one per
/// character.
pub struct Rng {
    buffer: [u8; 512],
    position: usize,
}

impl Rng {
    pub fn new() -> Rng {
        Rng {
            buffer: [0; 512],
            position: 512,
        }
    }

    fn next_u64(&mut self) -> Result<u64, ProviderError> {
        if self.position + 8 > self.buffer.len() {
            getrandom::fill(&mut self.buffer)
                .map_err(|e| ProviderError::new(format!("cannot read random bytes: {e}")))?;
            self.position = 0;
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.buffer[self.position..self.position + 8]);
        self.position += 8;
        Ok(u64::from_le_bytes(word))
    }

    /// A uniform number in `0..bound`, without modulo bias: draws that fall
    /// in the incomplete last block of `bound`-sized blocks are rejected.
    pub fn below(&mut self, bound: u64) -> Result<u64, ProviderError> {
        if bound == 0 {
            return Err(ProviderError::new("cannot pick from an empty range"));
        }
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let draw = self.next_u64()?;
            if draw < zone {
                return Ok(draw % bound);
            }
        }
    }

    /// Shuffles in place with Fisher–Yates, every order equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) -> Result<(), ProviderError> {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.below(i as u64 + 1)?).unwrap_or(0);
            items.swap(i, j);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(id, uuid_v4().unwrap());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new();
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let n = rng.below(7).unwrap();
            seen[n as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert!(rng.below(0).is_err());
    }

    #[test]
    fn int_attr_accepts_whole_numbers_and_rejects_the_rest() {
        let object = Value::Map(BTreeMap::from([
            ("a".to_string(), Value::number(3.0)),
            ("b".to_string(), Value::number(3.5)),
            ("c".to_string(), Value::Unknown),
            ("d".to_string(), Value::string("12")),
        ]));
        assert_eq!(int_attr(&object, "a").unwrap(), Some(3));
        assert!(int_attr(&object, "b").is_err());
        assert_eq!(int_attr(&object, "c").unwrap(), None);
        assert_eq!(int_attr(&object, "d").unwrap(), Some(12));
        assert_eq!(int_attr(&object, "missing").unwrap(), None);
    }
}
