//! The `random` provider: `random_id`, `random_string`, `random_password`,
//! `random_uuid` and `random_integer`.
//!
//! Values are drawn from the operating system's CSPRNG once, at creation,
//! and then live in state; every argument forces a replacement, which is
//! what draws a new value. The string algorithm follows Terraform's: first
//! the `min_*` characters of each class, then the rest from the enabled
//! classes, then a shuffle.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::provider::{
    plan_by_schema, ApplyRequest, ApplyResponse, AttrType, AttributeSchema, ImportRequest,
    PlanRequest, PlanResponse, Provider, ProviderError, ProviderSchema, ReadRequest, ReadResponse,
    Schema,
};
use crate::value::Value;

use super::support::{
    bool_attr, ensure_known, hex, int_attr, is_unknown_attr, mark_sensitive, random_bytes,
    resolve_planned, string_attr, uuid_v4, Rng,
};

const NUMERIC: &str = "0123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Terraform's default set of special characters.
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// Upper bound on `length`: Terraform has none, but a typo such as `1e12`
/// must produce a diagnostic rather than exhaust memory.
const MAX_STRING_LENGTH: i64 = 1 << 20;
/// Upper bound on `byte_length`, for the same reason; the decimal rendering
/// is quadratic in the length, so the bound is lower.
const MAX_BYTE_LENGTH: i64 = 1 << 16;

pub struct RandomProvider {
    schema: ProviderSchema,
}

fn keepers() -> AttributeSchema {
    AttributeSchema::optional("keepers", AttrType::map_of(AttrType::String))
        .force_new()
        .describe("Arbitrary values whose change generates a new value.")
}

fn string_schema(description: &'static str, sensitive: bool) -> Schema {
    let result =
        AttributeSchema::computed("result", AttrType::String).describe("The generated string.");
    let result = if sensitive {
        result.sensitive()
    } else {
        result
    };
    let id_description = if sensitive {
        "Always `none`, so that the password never appears as an id."
    } else {
        "The generated string, the same as `result`."
    };
    Schema::new(description)
        .attr(
            AttributeSchema::required("length", AttrType::Number)
                .force_new()
                .describe("The length of the string, at least 1 and at least the sum of the `min_*` arguments."),
        )
        .attr(
            AttributeSchema::optional("special", AttrType::Bool)
                .default(true)
                .force_new()
                .describe("Include special characters (`!@#$%&*()-_=+[]{}<>:?` or `override_special`)."),
        )
        .attr(
            AttributeSchema::optional("upper", AttrType::Bool)
                .default(true)
                .force_new()
                .describe("Include upper-case letters."),
        )
        .attr(
            AttributeSchema::optional("lower", AttrType::Bool)
                .default(true)
                .force_new()
                .describe("Include lower-case letters."),
        )
        .attr(
            AttributeSchema::optional("numeric", AttrType::Bool)
                .default(true)
                .force_new()
                .describe("Include digits."),
        )
        .attr(
            AttributeSchema::optional("min_upper", AttrType::Number)
                .default(0.0)
                .force_new()
                .describe("The least number of upper-case letters."),
        )
        .attr(
            AttributeSchema::optional("min_lower", AttrType::Number)
                .default(0.0)
                .force_new()
                .describe("The least number of lower-case letters."),
        )
        .attr(
            AttributeSchema::optional("min_numeric", AttrType::Number)
                .default(0.0)
                .force_new()
                .describe("The least number of digits."),
        )
        .attr(
            AttributeSchema::optional("min_special", AttrType::Number)
                .default(0.0)
                .force_new()
                .describe("The least number of special characters."),
        )
        .attr(
            AttributeSchema::optional("override_special", AttrType::String)
                .force_new()
                .describe("The special characters to use instead of the default set."),
        )
        .attr(keepers())
        .attr(result)
        .attr(AttributeSchema::computed("id", AttrType::String).describe(id_description))
}

impl RandomProvider {
    pub fn new() -> RandomProvider {
        let random_id = Schema::new(
            "Random bytes, rendered in base64, hex and decimal; suited to unique names.",
        )
        .attr(
            AttributeSchema::required("byte_length", AttrType::Number)
                .force_new()
                .describe("The number of random bytes, at least 1."),
        )
        .attr(keepers())
        .attr(
            AttributeSchema::optional("prefix", AttrType::String)
                .force_new()
                .describe("Text put in front of `b64_url`, `b64_std`, `hex` and `dec` (not `id`)."),
        )
        .attr(
            AttributeSchema::computed("b64_url", AttrType::String)
                .describe("The prefix and the bytes in URL-safe base64 without padding."),
        )
        .attr(
            AttributeSchema::computed("b64_std", AttrType::String)
                .describe("The prefix and the bytes in standard base64 with padding."),
        )
        .attr(
            AttributeSchema::computed("hex", AttrType::String)
                .describe("The prefix and the bytes in lower-case hexadecimal."),
        )
        .attr(
            AttributeSchema::computed("dec", AttrType::String)
                .describe("The prefix and the bytes as a big-endian unsigned decimal number."),
        )
        .attr(
            AttributeSchema::computed("id", AttrType::String)
                .describe("The bytes in URL-safe base64 without padding, without the prefix."),
        );
        let mut schema = ProviderSchema::default();
        schema.resources.insert("random_id", random_id);
        schema.resources.insert(
            "random_string",
            string_schema(
                "A random string; it is not sensitive, so use `random_password` for secrets.",
                false,
            ),
        );
        schema.resources.insert(
            "random_password",
            string_schema("A random string whose `result` is sensitive.", true),
        );
        schema.resources.insert(
            "random_uuid",
            Schema::new("A random UUID.")
                .attr(keepers())
                .attr(
                    AttributeSchema::computed("result", AttrType::String)
                        .describe("The generated UUID."),
                )
                .attr(
                    AttributeSchema::computed("id", AttrType::String)
                        .describe("The generated UUID, the same as `result`."),
                ),
        );
        schema.resources.insert(
            "random_integer",
            Schema::new("A random whole number in an inclusive range.")
                .attr(
                    AttributeSchema::required("min", AttrType::Number)
                        .force_new()
                        .describe("The least possible value."),
                )
                .attr(
                    AttributeSchema::required("max", AttrType::Number)
                        .force_new()
                        .describe("The greatest possible value."),
                )
                .attr(
                    AttributeSchema::optional("seed", AttrType::String)
                        .force_new()
                        .describe("Makes the result a function of this text (not of Terraform's generator)."),
                )
                .attr(keepers())
                .attr(
                    AttributeSchema::computed("result", AttrType::Number)
                        .describe("The generated number."),
                )
                .attr(
                    AttributeSchema::computed("id", AttrType::String)
                        .describe("The generated number, in decimal."),
                ),
        );
        RandomProvider { schema }
    }

    fn resource_schema(&self, type_name: &str) -> Result<&Schema, ProviderError> {
        self.schema.resources.get(type_name).ok_or_else(|| {
            ProviderError::new(format!(
                "resource type {type_name} is not supported by provider random"
            ))
        })
    }
}

impl Default for RandomProvider {
    fn default() -> RandomProvider {
        RandomProvider::new()
    }
}

/// The arguments of `random_string` and `random_password`.
struct StringParams {
    length: i64,
    upper: bool,
    lower: bool,
    numeric: bool,
    special: bool,
    min_upper: i64,
    min_lower: i64,
    min_numeric: i64,
    min_special: i64,
    override_special: Option<String>,
}

fn invalid(detail: String) -> Diagnostic {
    Diagnostic::error("Invalid attribute value", detail)
}

/// Checks what is known of the string arguments and returns them all when
/// every one is known; `Ok(None)` means some are unknown until apply.
fn string_params(config: &Value) -> Result<Option<StringParams>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    // Each argument is `None` while unknown; absent ones take their default.
    let mut int = |name: &str, default: Option<i64>| match int_attr(config, name) {
        Ok(Some(v)) => Some(v),
        Ok(None) if unknown(config, name) => None,
        Ok(None) => default,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let length = int("length", None);
    let min_upper = int("min_upper", Some(0));
    let min_lower = int("min_lower", Some(0));
    let min_numeric = int("min_numeric", Some(0));
    let min_special = int("min_special", Some(0));
    let mut flag = |name: &str| match bool_attr(config, name, true) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let upper = flag("upper");
    let lower = flag("lower");
    let numeric = flag("numeric");
    let special = flag("special");

    if let Some(length) = length {
        if length < 1 {
            errors.push(invalid(format!(
                "The `length` argument must be at least 1, not {length}."
            )));
        } else if length > MAX_STRING_LENGTH {
            errors.push(invalid(format!(
                "The `length` argument must be at most {MAX_STRING_LENGTH}, not {length}."
            )));
        }
    }
    let mins = [
        ("min_upper", min_upper),
        ("min_lower", min_lower),
        ("min_numeric", min_numeric),
        ("min_special", min_special),
    ];
    for (name, value) in mins {
        if let Some(v) = value.filter(|v| *v < 0) {
            errors.push(invalid(format!(
                "The `{name}` argument must be at least 0, not {v}."
            )));
        }
    }
    let override_special = string_attr(config, "override_special").map(str::to_string);
    if !errors.is_empty() {
        return Err(errors);
    }
    let (
        Some(length),
        Some(upper),
        Some(lower),
        Some(numeric),
        Some(special),
        Some(min_upper),
        Some(min_lower),
        Some(min_numeric),
        Some(min_special),
    ) = (
        length,
        upper,
        lower,
        numeric,
        special,
        min_upper,
        min_lower,
        min_numeric,
        min_special,
    )
    else {
        return Ok(None);
    };
    if unknown(config, "override_special") {
        return Ok(None);
    }
    let sum_of_mins = min_upper
        .saturating_add(min_lower)
        .saturating_add(min_numeric)
        .saturating_add(min_special);
    if sum_of_mins > length {
        errors.push(invalid(format!(
            "The `length` argument ({length}) must be at least the sum of `min_upper`, \
             `min_lower`, `min_numeric` and `min_special` ({sum_of_mins})."
        )));
    } else if sum_of_mins < length && !(upper || lower || numeric || special) {
        errors.push(invalid(
            "At least one of `upper`, `lower`, `numeric` and `special` must be true, or the \
             `min_*` arguments must add up to `length`, so that there are characters to choose from."
                .to_string(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(StringParams {
        length,
        upper,
        lower,
        numeric,
        special,
        min_upper,
        min_lower,
        min_numeric,
        min_special,
        override_special,
    }))
}

fn unknown(config: &Value, name: &str) -> bool {
    is_unknown_attr(config, name)
}

/// Draws `count` characters from `set`.
fn draw(rng: &mut Rng, set: &[char], count: i64, out: &mut Vec<char>) -> Result<(), ProviderError> {
    for _ in 0..count {
        let index = usize::try_from(rng.below(set.len() as u64)?).unwrap_or(0);
        out.push(set.get(index).copied().unwrap_or('x'));
    }
    Ok(())
}

/// Generates a string the way Terraform's random provider does: the minimum
/// of each class first (even of a class that is otherwise disabled, as
/// Terraform does), then the rest from every enabled class, then shuffled.
fn generate_string(params: &StringParams) -> Result<String, ProviderError> {
    let specials: Vec<char> = match params.override_special.as_deref() {
        Some(chars) if !chars.is_empty() => chars.chars().collect(),
        _ => SPECIAL.chars().collect(),
    };
    let upper: Vec<char> = UPPER.chars().collect();
    let lower: Vec<char> = LOWER.chars().collect();
    let numeric: Vec<char> = NUMERIC.chars().collect();

    let mut pool = Vec::new();
    for (enabled, set) in [
        (params.upper, &upper),
        (params.lower, &lower),
        (params.numeric, &numeric),
        (params.special, &specials),
    ] {
        if enabled {
            pool.extend_from_slice(set);
        }
    }

    let mut rng = Rng::new();
    let capacity = usize::try_from(params.length).unwrap_or(0);
    let mut out = Vec::with_capacity(capacity);
    draw(&mut rng, &upper, params.min_upper, &mut out)?;
    draw(&mut rng, &lower, params.min_lower, &mut out)?;
    draw(&mut rng, &numeric, params.min_numeric, &mut out)?;
    draw(&mut rng, &specials, params.min_special, &mut out)?;
    let rest = params.length - out.len() as i64;
    if rest > 0 {
        if pool.is_empty() {
            return Err(ProviderError::new(
                "no character class is enabled to fill the rest of the string",
            ));
        }
        draw(&mut rng, &pool, rest, &mut out)?;
    }
    rng.shuffle(&mut out)?;
    Ok(out.into_iter().collect())
}

/// A big-endian unsigned number in decimal, as Go's `big.Int.String()`
/// renders `random_id.dec`.
fn decimal(bytes: &[u8]) -> String {
    const BILLION: u64 = 1_000_000_000;
    // Big-endian base-2^32 limbs, padded at the front to whole limbs.
    let pad = (4 - bytes.len() % 4) % 4;
    let padded: Vec<u8> = std::iter::repeat_n(0u8, pad)
        .chain(bytes.iter().copied())
        .collect();
    let mut limbs: Vec<u32> = padded
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // Base-10^9 digits, least significant first.
    let mut chunks: Vec<u32> = Vec::new();
    let mut start = 0;
    while start < limbs.len() {
        if limbs[start] == 0 {
            start += 1;
            continue;
        }
        let mut remainder: u64 = 0;
        for limb in &mut limbs[start..] {
            let current = (remainder << 32) | u64::from(*limb);
            *limb = u32::try_from(current / BILLION).unwrap_or(u32::MAX);
            remainder = current % BILLION;
        }
        chunks.push(u32::try_from(remainder).unwrap_or(0));
    }
    let Some((most, rest)) = chunks.split_last() else {
        return "0".to_string();
    };
    let mut out = most.to_string();
    for chunk in rest.iter().rev() {
        out.push_str(&format!("{chunk:09}"));
    }
    out
}

/// The computed attributes of `random_id` for the given bytes.
fn id_attributes(bytes: &[u8], prefix: &str, state: &mut BTreeMap<String, Value>) {
    let b64_url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let b64_std = base64::engine::general_purpose::STANDARD.encode(bytes);
    state.insert(
        "b64_url".into(),
        Value::String(format!("{prefix}{b64_url}")),
    );
    state.insert(
        "b64_std".into(),
        Value::String(format!("{prefix}{b64_std}")),
    );
    state.insert(
        "hex".into(),
        Value::String(format!("{prefix}{}", hex(bytes))),
    );
    state.insert(
        "dec".into(),
        Value::String(format!("{prefix}{}", decimal(bytes))),
    );
    state.insert("id".into(), Value::String(b64_url));
}

fn validate_byte_length(config: &Value) -> Vec<Diagnostic> {
    match int_attr(config, "byte_length") {
        Err(e) => vec![e],
        Ok(Some(n)) if n < 1 => vec![invalid(format!(
            "The `byte_length` argument must be at least 1, not {n}."
        ))],
        Ok(Some(n)) if n > MAX_BYTE_LENGTH => vec![invalid(format!(
            "The `byte_length` argument must be at most {MAX_BYTE_LENGTH}, not {n}."
        ))],
        Ok(_) => Vec::new(),
    }
}

fn string_state(schema: &Schema, pairs: Vec<(&str, Value)>) -> Value {
    mark_sensitive(
        schema,
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    )
}

fn unknown_at_apply(name: &str) -> ProviderError {
    ProviderError::new(format!("`{name}` is still unknown at apply time"))
}

/// The `min` and `max` of `random_integer` once both are known, checked.
fn integer_range(config: &Value) -> Result<Option<(i64, i64)>, Vec<Diagnostic>> {
    let min = int_attr(config, "min");
    let max = int_attr(config, "max");
    let (min, max) = match (min, max) {
        (Ok(min), Ok(max)) => (min, max),
        (min, max) => return Err(min.err().into_iter().chain(max.err()).collect()),
    };
    match (min, max) {
        (Some(min), Some(max)) if min > max => Err(vec![invalid(format!(
            "The `min` argument ({min}) must be less than or equal to `max` ({max})."
        ))]),
        (Some(min), Some(max)) => Ok(Some((min, max))),
        _ => Ok(None),
    }
}

/// A uniform whole number in `min..=max`. Without a seed it comes from the
/// CSPRNG; with one it is a function of the seed, drawn from SHA-256 in
/// counter mode. Terraform seeds Go's `math/rand` instead, so a seeded
/// result differs from Terraform's, though it is just as stable.
fn random_integer(min: i64, max: i64, seed: Option<&str>) -> Result<i64, ProviderError> {
    let span = u64::try_from(i128::from(max) - i128::from(min) + 1)
        .map_err(|_| ProviderError::new("the range of `random_integer` is too large"))?;
    let offset = match seed {
        None => Rng::new().below(span)?,
        Some(seed) => {
            let zone = u64::MAX - (u64::MAX % span);
            let mut counter: u64 = 0;
            loop {
                let mut hasher = Sha256::new();
                hasher.update(seed.as_bytes());
                hasher.update(counter.to_be_bytes());
                let digest = hasher.finalize();
                let mut word = [0u8; 8];
                word.copy_from_slice(&digest[..8]);
                let draw = u64::from_be_bytes(word);
                if draw < zone {
                    break draw % span;
                }
                counter = counter.wrapping_add(1);
            }
        }
    };
    i64::try_from(i128::from(min) + i128::from(offset))
        .map_err(|_| ProviderError::new("the result of `random_integer` is out of range"))
}

/// Imports `RESULT,MIN,MAX` or `RESULT,MIN,MAX,SEED`, as Terraform does.
fn import_integer(id: &str) -> Result<Value, ProviderError> {
    let parts: Vec<&str> = id.splitn(4, ',').collect();
    let usage = || {
        ProviderError::new(format!(
            "the id to import must be RESULT,MIN,MAX or RESULT,MIN,MAX,SEED, not \"{id}\""
        ))
    };
    if parts.len() < 3 {
        return Err(usage());
    }
    let number = |text: &str| text.trim().parse::<i64>().map_err(|_| usage());
    let (result, min, max) = (number(parts[0])?, number(parts[1])?, number(parts[2])?);
    if result < min || result > max {
        return Err(ProviderError::new(format!(
            "the imported result {result} is outside the range {min} to {max}"
        )));
    }
    let seed = parts
        .get(3)
        .map(|s| Value::string(*s))
        .unwrap_or(Value::Null);
    Ok(Value::Map(BTreeMap::from([
        ("min".to_string(), Value::from(min)),
        ("max".to_string(), Value::from(max)),
        ("seed".to_string(), seed),
        ("keepers".to_string(), Value::Null),
        ("result".to_string(), Value::from(result)),
        ("id".to_string(), Value::String(result.to_string())),
    ])))
}

/// True for the canonical hyphenated form of a UUID.
fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[async_trait::async_trait]
impl Provider for RandomProvider {
    fn name(&self) -> &'static str {
        "random"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan(&self, request: PlanRequest<'_>) -> PlanResponse {
        let Ok(schema) = self.resource_schema(request.type_name) else {
            let mut response = plan_by_schema(&Schema::default(), request.prior, request.config);
            response.diagnostics.push(Diagnostic::error(
                "Unsupported resource type",
                format!(
                    "The random provider has no resource type `{}`.",
                    request.type_name
                ),
            ));
            return response;
        };
        let mut response = plan_by_schema(schema, request.prior, request.config);
        let errors = match request.type_name {
            "random_id" => validate_byte_length(request.config),
            "random_integer" => integer_range(request.config).err().unwrap_or_default(),
            "random_string" | "random_password" => {
                string_params(request.config).err().unwrap_or_default()
            }
            _ => Vec::new(),
        };
        for error in errors {
            response.diagnostics.push(error);
        }
        response
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Result<ApplyResponse, ProviderError> {
        let Some(planned) = request.planned else {
            // The value lives only in state, so deleting it is forgetting it.
            return Ok(ApplyResponse {
                new_state: None,
                private: None,
                diagnostics: Diagnostics::new(),
            });
        };
        let schema = self.resource_schema(request.type_name)?;
        let resolved = resolve_planned(schema, planned, request.config);
        let mut state: BTreeMap<String, Value> = resolved.as_map().cloned().unwrap_or_default();
        let as_error = |errors: Vec<Diagnostic>| {
            let details: Vec<String> = errors.into_iter().map(|d| d.detail).collect();
            ProviderError::new(details.join(" "))
        };
        // Every argument forces a replacement, so a known result means an
        // unchanged object and only an unknown one is generated.
        let generate = state.get("id").is_none_or(|v| !v.is_wholly_known())
            || state.get("result").is_some_and(|v| !v.is_wholly_known());
        if generate {
            match request.type_name {
                "random_id" => {
                    let errors = validate_byte_length(&resolved);
                    if !errors.is_empty() {
                        return Err(as_error(errors));
                    }
                    let length = int_attr(&resolved, "byte_length")
                        .ok()
                        .flatten()
                        .ok_or_else(|| unknown_at_apply("byte_length"))?;
                    let bytes = random_bytes(usize::try_from(length).unwrap_or(0))?;
                    let prefix = string_attr(&resolved, "prefix").unwrap_or("").to_string();
                    id_attributes(&bytes, &prefix, &mut state);
                }
                "random_uuid" => {
                    let uuid = uuid_v4()?;
                    state.insert("result".to_string(), Value::string(uuid.clone()));
                    state.insert("id".to_string(), Value::String(uuid));
                }
                "random_integer" => {
                    let (min, max) = integer_range(&resolved)
                        .map_err(as_error)?
                        .ok_or_else(|| unknown_at_apply("min` or `max"))?;
                    if is_unknown_attr(&resolved, "seed") {
                        return Err(unknown_at_apply("seed"));
                    }
                    let number = random_integer(min, max, string_attr(&resolved, "seed"))?;
                    state.insert("result".to_string(), Value::from(number));
                    state.insert("id".to_string(), Value::String(number.to_string()));
                }
                type_name => {
                    let params = string_params(&resolved)
                        .map_err(as_error)?
                        .ok_or_else(|| unknown_at_apply("length"))?;
                    let result = generate_string(&params)?;
                    let id = if type_name == "random_password" {
                        Value::string("none")
                    } else {
                        Value::string(result.clone())
                    };
                    state.insert("result".to_string(), Value::String(result));
                    state.insert("id".to_string(), id);
                }
            }
        }
        ensure_known(&state)?;
        Ok(ApplyResponse {
            new_state: Some(mark_sensitive(schema, state)),
            private: None,
            diagnostics: Diagnostics::new(),
        })
    }

    async fn read(&self, request: ReadRequest<'_>) -> Result<ReadResponse, ProviderError> {
        // Nothing exists outside the state, so the state is the truth.
        Ok(ReadResponse {
            new_state: Some(request.current.clone()),
            diagnostics: Diagnostics::new(),
        })
    }

    async fn import(&self, request: ImportRequest<'_>) -> Result<ReadResponse, ProviderError> {
        let schema = self.resource_schema(request.type_name)?;
        let state = match request.type_name {
            "random_id" => {
                // Like Terraform, `PREFIX,B64URL` imports with a prefix.
                let (prefix, encoded) = match request.id.rsplit_once(',') {
                    Some((prefix, encoded)) => (Some(prefix), encoded),
                    None => (None, request.id),
                };
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(encoded)
                    .map_err(|e| {
                        ProviderError::new(format!(
                            "the id to import must be URL-safe base64 without padding: {e}"
                        ))
                    })?;
                if bytes.is_empty() {
                    return Err(ProviderError::new("the id to import holds no bytes"));
                }
                let mut state = BTreeMap::from([
                    ("byte_length".to_string(), Value::from(bytes.len() as i64)),
                    ("keepers".to_string(), Value::Null),
                    (
                        "prefix".to_string(),
                        prefix.map(Value::string).unwrap_or(Value::Null),
                    ),
                ]);
                id_attributes(&bytes, prefix.unwrap_or(""), &mut state);
                Value::Map(state)
            }
            "random_uuid" => {
                if !is_uuid(request.id) {
                    return Err(ProviderError::new(
                        "the id to import must be a UUID such as 6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                    ));
                }
                string_state(
                    schema,
                    vec![
                        ("keepers", Value::Null),
                        ("result", Value::string(request.id)),
                        ("id", Value::string(request.id)),
                    ],
                )
            }
            "random_integer" => import_integer(request.id)?,
            type_name => {
                if request.id.is_empty() {
                    return Err(ProviderError::new("the string to import is empty"));
                }
                // The imported string becomes the result; the arguments take
                // their defaults, so a configuration with the same length and
                // defaults plans no change.
                let length = request.id.chars().count() as i64;
                let id = if type_name == "random_password" {
                    Value::string("none")
                } else {
                    Value::string(request.id)
                };
                string_state(
                    schema,
                    vec![
                        ("length", Value::from(length)),
                        ("special", Value::Bool(true)),
                        ("upper", Value::Bool(true)),
                        ("lower", Value::Bool(true)),
                        ("numeric", Value::Bool(true)),
                        ("min_upper", Value::from(0)),
                        ("min_lower", Value::from(0)),
                        ("min_numeric", Value::from(0)),
                        ("min_special", Value::from(0)),
                        ("override_special", Value::Null),
                        ("keepers", Value::Null),
                        ("result", Value::string(request.id)),
                        ("id", id),
                    ],
                )
            }
        };
        Ok(ReadResponse {
            new_state: Some(state),
            diagnostics: Diagnostics::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn plan(type_name: &str, prior: Option<&Value>, config: &Value) -> PlanResponse {
        RandomProvider::new().plan(PlanRequest {
            type_name,
            prior,
            config,
            prior_private: None,
        })
    }

    async fn create(type_name: &str, config: &Value) -> Value {
        let response = plan(type_name, None, config);
        assert!(response.diagnostics.is_empty(), "{}", response.diagnostics);
        RandomProvider::new()
            .apply(ApplyRequest {
                type_name,
                prior: None,
                planned: Some(&response.planned),
                config: Some(config),
                planned_private: None,
                operation_id: "op",
                progress: None,
            })
            .await
            .unwrap()
            .new_state
            .unwrap()
    }

    fn result(state: &Value) -> String {
        state
            .get_attr("result")
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn random_string_has_the_length_and_all_classes_by_default() {
        let state = create("random_string", &object(&[("length", Value::from(64))])).await;
        let s = result(&state);
        assert_eq!(s.chars().count(), 64);
        assert_eq!(
            state.get_attr("id").and_then(Value::as_str),
            Some(s.as_str())
        );
        assert!(!state.get_attr("result").unwrap().is_sensitive());
        assert!(s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIAL.contains(c)));
        assert!(state.is_wholly_known());
    }

    #[tokio::test]
    async fn minimums_are_honoured_even_for_disabled_classes() {
        for _ in 0..20 {
            let config = object(&[
                ("length", Value::from(12)),
                ("upper", Value::Bool(false)),
                ("special", Value::Bool(false)),
                ("min_upper", Value::from(3)),
                ("min_numeric", Value::from(4)),
                ("min_lower", Value::from(2)),
            ]);
            let s = result(&create("random_string", &config).await);
            assert_eq!(s.len(), 12);
            assert!(s.chars().filter(char::is_ascii_uppercase).count() >= 3);
            assert!(s.chars().filter(char::is_ascii_digit).count() >= 4);
            assert!(s.chars().filter(char::is_ascii_lowercase).count() >= 2);
            assert!(s.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }

    #[tokio::test]
    async fn override_special_and_min_special() {
        let config = object(&[
            ("length", Value::from(20)),
            ("upper", Value::Bool(false)),
            ("lower", Value::Bool(false)),
            ("numeric", Value::Bool(false)),
            ("override_special", Value::string("_~")),
            ("min_special", Value::from(20)),
        ]);
        let s = result(&create("random_password", &config).await);
        assert_eq!(s.len(), 20);
        assert!(s.chars().all(|c| c == '_' || c == '~'));
    }

    #[tokio::test]
    async fn disabled_classes_are_absent() {
        let config = object(&[
            ("length", Value::from(200)),
            ("special", Value::Bool(false)),
            ("upper", Value::Bool(false)),
        ]);
        let s = result(&create("random_string", &config).await);
        assert!(s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[tokio::test]
    async fn password_result_is_sensitive_in_plan_and_state() {
        let config = object(&[("length", Value::from(16))]);
        let planned = plan("random_password", None, &config).planned;
        let planned_result = planned.get_attr("result").unwrap();
        assert!(planned_result.is_sensitive() && planned_result.is_unknown());
        assert!(!planned.to_string().contains("none"));

        let state = create("random_password", &config).await;
        assert!(state.get_attr("result").unwrap().is_sensitive());
        assert_eq!(result(&state).len(), 16);
        assert_eq!(state.get_attr("id"), Some(&Value::string("none")));
        assert!(!state.to_string().contains(&result(&state)));
    }

    #[tokio::test]
    async fn invalid_lengths_are_diagnosed_at_plan() {
        for config in [
            object(&[("length", Value::from(0))]),
            object(&[("length", Value::number(2.5))]),
            object(&[("length", Value::from(3)), ("min_upper", Value::from(4))]),
            object(&[("length", Value::from(3)), ("min_lower", Value::from(-1))]),
            object(&[("length", Value::number(1e12))]),
            object(&[
                ("length", Value::from(3)),
                ("upper", Value::Bool(false)),
                ("lower", Value::Bool(false)),
                ("numeric", Value::Bool(false)),
                ("special", Value::Bool(false)),
            ]),
        ] {
            let response = plan("random_string", None, &config);
            assert!(response.diagnostics.has_errors(), "{config}");
        }
        let unknown = plan(
            "random_string",
            None,
            &object(&[("length", Value::Unknown)]),
        );
        assert!(unknown.diagnostics.is_empty());
    }

    #[tokio::test]
    async fn changes_replace_and_unchanged_config_plans_no_change() {
        let config = object(&[
            ("length", Value::from(8)),
            ("keepers", object(&[("k", Value::string("1"))])),
        ]);
        let state = create("random_password", &config).await;
        let same = plan("random_password", Some(&state), &config);
        assert!(same.requires_replace.is_empty());
        assert_eq!(same.planned, state);

        let changed = object(&[
            ("length", Value::from(8)),
            ("keepers", object(&[("k", Value::string("2"))])),
        ]);
        let replace = plan("random_password", Some(&state), &changed);
        assert_eq!(replace.requires_replace, vec!["keepers".to_string()]);
        assert!(replace.planned.get_attr("result").unwrap().is_unknown());
    }

    #[tokio::test]
    async fn random_id_renders_the_same_bytes_every_way() {
        let config = object(&[
            ("byte_length", Value::from(8)),
            ("prefix", Value::string("p-")),
        ]);
        let state = create("random_id", &config).await;
        let id = state.get_attr("id").and_then(Value::as_str).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id)
            .unwrap();
        assert_eq!(bytes.len(), 8);
        let get = |name: &str| {
            state
                .get_attr(name)
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        };
        assert_eq!(get("b64_url"), format!("p-{id}"));
        assert_eq!(get("hex"), format!("p-{}", hex(&bytes)));
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes);
        assert_eq!(get("dec"), format!("p-{}", u64::from_be_bytes(word)));
        assert_eq!(
            get("b64_std"),
            format!(
                "p-{}",
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            )
        );
    }

    #[tokio::test]
    async fn random_uuid_is_a_uuid() {
        let state = create("random_uuid", &object(&[])).await;
        let result = result(&state);
        assert!(is_uuid(&result), "{result}");
        assert_eq!(state.get_attr("id"), Some(&Value::string(result)));
    }

    #[tokio::test]
    async fn random_integer_stays_in_range_and_a_seed_makes_it_stable() {
        for _ in 0..50 {
            let config = object(&[("min", Value::from(-2)), ("max", Value::from(2))]);
            let state = create("random_integer", &config).await;
            let n = state.get_attr("result").and_then(Value::as_number).unwrap();
            assert!((-2.0..=2.0).contains(&n));
            assert_eq!(
                state.get_attr("id").and_then(Value::as_str),
                Some((n as i64).to_string().as_str())
            );
        }
        let seeded = object(&[
            ("min", Value::from(1)),
            ("max", Value::from(1_000_000)),
            ("seed", Value::string("s")),
        ]);
        let a = create("random_integer", &seeded).await;
        let b = create("random_integer", &seeded).await;
        assert_eq!(a.get_attr("result"), b.get_attr("result"));
        let same = create(
            "random_integer",
            &object(&[("min", Value::from(5)), ("max", Value::from(5))]),
        )
        .await;
        assert_eq!(same.get_attr("result"), Some(&Value::number(5.0)));
        let inverted = plan(
            "random_integer",
            None,
            &object(&[("min", Value::from(3)), ("max", Value::from(1))]),
        );
        assert!(inverted.diagnostics.has_errors());
    }

    #[test]
    fn decimal_matches_big_integer_rendering() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0, 0]), "0");
        assert_eq!(decimal(&[1, 0]), "256");
        assert_eq!(decimal(&[0xff; 8]), "18446744073709551615");
        assert_eq!(
            decimal(&[0xff; 16]),
            "340282366920938463463374607431768211455"
        );
        assert_eq!(decimal(&[0x3b, 0x9a, 0xca, 0x00]), "1000000000");
    }

    #[tokio::test]
    async fn random_id_rejects_bad_byte_lengths() {
        for n in [0.0, -3.0, 1.5, 1e9] {
            let response = plan(
                "random_id",
                None,
                &object(&[("byte_length", Value::number(n))]),
            );
            assert!(response.diagnostics.has_errors(), "{n}");
        }
    }

    #[tokio::test]
    async fn imports() {
        let provider = RandomProvider::new();
        let imported = provider
            .import(ImportRequest {
                type_name: "random_id",
                id: "pre,AAEC",
            })
            .await
            .unwrap()
            .new_state
            .unwrap();
        assert_eq!(imported.get_attr("hex"), Some(&Value::string("pre000102")));
        assert_eq!(imported.get_attr("id"), Some(&Value::string("AAEC")));
        assert_eq!(imported.get_attr("byte_length"), Some(&Value::number(3.0)));

        let password = provider
            .import(ImportRequest {
                type_name: "random_password",
                id: "s3cret",
            })
            .await
            .unwrap()
            .new_state
            .unwrap();
        assert!(password.get_attr("result").unwrap().is_sensitive());
        let replan = plan(
            "random_password",
            Some(&password),
            &object(&[("length", Value::from(6))]),
        );
        assert!(replan.requires_replace.is_empty());

        assert!(provider
            .import(ImportRequest {
                type_name: "random_id",
                id: "not base64!",
            })
            .await
            .is_err());

        let integer = provider
            .import(ImportRequest {
                type_name: "random_integer",
                id: "15,1,50",
            })
            .await
            .unwrap()
            .new_state
            .unwrap();
        let replan = plan(
            "random_integer",
            Some(&integer),
            &object(&[("min", Value::from(1)), ("max", Value::from(50))]),
        );
        assert!(replan.requires_replace.is_empty());
        assert_eq!(
            replan.planned.get_attr("result"),
            Some(&Value::number(15.0))
        );
        for bad in ["15", "x,1,2", "99,1,50"] {
            assert!(provider
                .import(ImportRequest {
                    type_name: "random_integer",
                    id: bad,
                })
                .await
                .is_err());
        }
        assert!(provider
            .import(ImportRequest {
                type_name: "random_uuid",
                id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            })
            .await
            .is_ok());
    }
}
