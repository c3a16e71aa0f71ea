//! Numeric functions.

use super::conversion::to_number;
use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::{Number, Value};

pub(crate) fn abs(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Number(args.number(0)?.abs()))
}

pub(crate) fn ceil(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Number(args.number(0)?.ceil()))
}

pub(crate) fn floor(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    Ok(Value::Number(args.number(0)?.floor()))
}

/// Terraform computes `pow` in float64 (Go's `math.Pow`), so its result has
/// 53 bits: `pow(2, 64)` prints `18446744073709550000`.
pub(crate) fn pow(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let (x, y) = (args.float(0)?, args.float(1)?);
    Ok(Value::number(x.powf(y)))
}

/// In float64 too, as `math.Log(num) / math.Log(base)`.
pub(crate) fn log(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let (x, base) = (args.float(0)?, args.float(1)?);
    Ok(Value::number(x.ln() / base.ln()))
}

/// Terraform's signum converts its argument to an integer first, so a
/// fraction is an error rather than a sign.
pub(crate) fn signum(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let n = args.number(0)?.to_i64().ok_or_else(|| {
        failed("value must be a whole number, between -9223372036854775808 and 9223372036854775807")
    })?;
    Ok(Value::number(n.signum()))
}

fn numbers(args: &Args) -> Result<Vec<Number>, FunctionError> {
    if args.len() == 0 {
        return Err(failed("must pass at least one number"));
    }
    (0..args.len()).map(|i| args.number(i)).collect()
}

pub(crate) fn min(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let all = numbers(&args)?;
    let least = all
        .into_iter()
        .reduce(|a, b| if b.cmp_value(&a).is_lt() { b } else { a });
    Ok(least.map(Value::Number).unwrap_or(Value::Null))
}

pub(crate) fn max(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let all = numbers(&args)?;
    let most = all
        .into_iter()
        .reduce(|a, b| if b.cmp_value(&a).is_gt() { b } else { a });
    Ok(most.map(Value::Number).unwrap_or(Value::Null))
}

pub(crate) fn sum(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let v = args.get(0);
    let Some(items) = v.as_list() else {
        if v.is_null() {
            return Err(args.error(0, "argument must not be null"));
        }
        if v.as_map().is_some() {
            let received = format!(
                "argument must be list, set, or tuple. Received {}",
                v.type_name()
            );
            return Err(args.error(0, received));
        }
        return Err(args.error(0, "cannot sum noniterable"));
    };
    let not_numbers = || args.error(0, "argument must be list, set, or tuple of number values");
    let mut total: Option<Number> = None;
    for item in items {
        let n = to_number(item)
            .filter(|_| !item.is_null())
            .ok_or_else(not_numbers)?;
        total = Some(match total {
            None => n,
            Some(t) => t.add(&n).map_err(|e| failed(e.to_string()))?,
        });
    }
    total
        .map(Value::Number)
        .ok_or_else(|| args.error(0, "cannot sum an empty list"))
}

/// The value of a digit in Go's `big.Int.SetString`: for bases up to 36
/// letters of either case count from 10; above that lower case counts from
/// 10 and upper case from 36.
fn digit_value(c: char, base: u32) -> Option<u32> {
    let d = match c {
        '0'..='9' => c as u32 - '0' as u32,
        'a'..='z' => c as u32 - 'a' as u32 + 10,
        'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
        'A'..='Z' => c as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}

pub(crate) fn parseint(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let text = args.string(0)?;
    let base = args.integer(1)?;
    if !(2..=62).contains(&base) {
        return Err(args.error(1, "base must be a whole number between 2 and 62 inclusive"));
    }
    let base = base as u32;
    let cannot = || {
        args.error(
            0,
            format!(
                "cannot parse {} as a base {base} integer",
                crate::value::quote_string(&text)
            ),
        )
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    if digits.is_empty() {
        return Err(cannot());
    }
    // Exact at any size, as Go's big.Int.SetString.
    let mut value = num_bigint::BigInt::from(0);
    for c in digits.chars() {
        let d = digit_value(c, base).ok_or_else(cannot)?;
        value = value * base + d;
    }
    if negative {
        value = -value;
    }
    Ok(Value::Number(Number::from_bigint(&value)))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, n, ok, s};
    use crate::value::Value;

    #[test]
    fn arithmetic() {
        assert_eq!(ok("abs", vec![n(-1.5)]), n(1.5));
        assert_eq!(ok("ceil", vec![n(1.2)]), n(2.0));
        assert_eq!(ok("floor", vec![n(-1.2)]), n(-2.0));
        assert_eq!(ok("pow", vec![n(2.0), n(10.0)]), n(1024.0));
        assert_eq!(ok("pow", vec![n(0.0), n(-1.0)]), n(f64::INFINITY));
        assert_eq!(ok("log", vec![n(8.0), n(2.0)]), n(3.0));
        assert_eq!(ok("signum", vec![n(-3.0)]), n(-1.0));
        assert_eq!(ok("signum", vec![n(0.0)]), n(0.0));
        assert_eq!(ok("abs", vec![s("-2")]), n(2.0));
        assert_eq!(
            err("abs", vec![s("x")]),
            "Invalid value for \"num\" parameter: a number is required."
        );
        assert_eq!(
            err("signum", vec![n(-0.5)]),
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
    }

    #[test]
    fn min_max_sum() {
        assert_eq!(ok("min", vec![n(1.0), n(2.0), n(-3.5)]), n(-3.5));
        assert_eq!(ok("max", vec![s("3"), n(5.0)]), n(5.0));
        assert_eq!(err("min", vec![]), "must pass at least one number.");
        assert_eq!(
            err("max", vec![s("a")]),
            "Invalid value for \"numbers\" parameter: a number is required."
        );
        assert_eq!(ok("sum", vec![list(vec![n(1.0), n(2.5)])]), n(3.5));
        assert_eq!(ok("sum", vec![list(vec![s("1"), n(2.0)])]), n(3.0));
        assert_eq!(
            err("sum", vec![list(vec![])]),
            "Invalid value for \"list\" parameter: cannot sum an empty list."
        );
        assert_eq!(
            err("sum", vec![s("a")]),
            "Invalid value for \"list\" parameter: cannot sum noniterable."
        );
        assert_eq!(
            err("sum", vec![list(vec![n(1.0), Value::Null])]),
            "Invalid value for \"list\" parameter: argument must be list, set, or tuple of number values."
        );
    }

    #[test]
    fn parseint_bases() {
        assert_eq!(ok("parseint", vec![s("ff"), n(16.0)]), n(255.0));
        assert_eq!(ok("parseint", vec![s("FF"), n(16.0)]), n(255.0));
        assert_eq!(ok("parseint", vec![s("-10"), n(2.0)]), n(-2.0));
        assert_eq!(ok("parseint", vec![s("+12"), n(10.0)]), n(12.0));
        assert_eq!(ok("parseint", vec![s("zz"), n(36.0)]), n(1295.0));
        assert_eq!(ok("parseint", vec![s("Zz"), n(62.0)]), n(3817.0));
        for (text, base) in [("1x", 10.0), ("0x10", 16.0), ("", 10.0)] {
            assert_eq!(
                err("parseint", vec![s(text), n(base)]),
                format!("Invalid value for \"number\" parameter: cannot parse \"{text}\" as a base {base} integer.")
            );
        }
        assert_eq!(
            err("parseint", vec![s("12"), n(1.0)]),
            "Invalid value for \"base\" parameter: base must be a whole number between 2 and 62 inclusive."
        );
        assert_eq!(
            err("parseint", vec![s("12"), n(10.5)]),
            "Invalid value for \"base\" parameter: value must be a whole number, between -9223372036854775808 and 9223372036854775807."
        );
    }
}
