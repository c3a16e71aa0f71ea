//! `format` and `formatlist`: printf-style formatting with cty's verbs.
//!
//! cty hands numeric verbs to Go's `fmt` with `math/big` values, so this
//! module reproduces Go's rules for them: `%g` switches to exponent form at
//! an exponent of 6 when printing the shortest form, `%e` exponents have at
//! least two digits, a `0` flag pads after the sign, and so on. Widths and
//! precisions of strings count grapheme clusters.

use unicode_segmentation::UnicodeSegmentation;

use super::conversion::{to_bool, to_number, to_string};
use super::encoding::json_encode;
use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::{Number, Value};

/// One `%` sequence of a format string.
#[derive(Default)]
struct Verb {
    raw: String,
    offset: usize,
    arg: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

pub(crate) fn format(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let fmt = args.string(0)?;
    let values = args.all().get(1..).unwrap_or_default();
    let (out, used, verbs) = format_values(&fmt, values)?;
    check_extra(&args, values.len(), used, verbs)?;
    Ok(Value::String(out))
}

/// Terraform rejects arguments that the format string never uses.
fn check_extra(args: &Args, given: usize, used: usize, verbs: usize) -> Result<(), FunctionError> {
    if given > used {
        if verbs == 0 {
            return Err(args.error(1, "too many arguments; no verbs in format string"));
        }
        return Err(args.error(
            1,
            format!("too many arguments; only {used} used by format string"),
        ));
    }
    Ok(())
}

pub(crate) fn formatlist(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let fmt = args.string(0)?;
    let values = args.all().get(1..).unwrap_or_default();
    // Sequences are iterated together; everything else repeats.
    let mut len: Option<(usize, usize)> = None;
    for (i, v) in values.iter().enumerate() {
        if let Some(items) = v.as_list() {
            match len {
                None => len = Some((items.len(), i)),
                Some((l, first)) if l != items.len() => {
                    return Err(args.error(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {}",
                            i + 1,
                            items.len(),
                            first + 1,
                            l
                        ),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    let count = len.map_or(1, |(l, _)| l);
    let mut out = Vec::with_capacity(count);
    for row in 0..count {
        let row_values: Vec<Value> = values
            .iter()
            .map(|v| match v.as_list() {
                Some(items) => items.get(row).cloned().unwrap_or(Value::Null),
                None => v.clone(),
            })
            .collect();
        let (s, used, verbs) = format_values(&fmt, &row_values).map_err(|e| match e {
            FunctionError::Failed { message } => {
                failed(format!("error on format iteration {row}: {message}"))
            }
            other => other,
        })?;
        check_extra(&args, row_values.len(), used, verbs)?;
        out.push(Value::String(s));
    }
    Ok(Value::List(out))
}

/// Formats `values`; returns the text, how many arguments were used (the
/// highest index reached) and how many verbs there were.
fn format_values(fmt: &str, values: &[Value]) -> Result<(String, usize, usize), FunctionError> {
    let mut out = String::new();
    let mut next_arg = 1;
    let mut used = 0;
    let mut verbs = 0;
    let mut chars = fmt.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if let Some((_, '%')) = chars.peek() {
            chars.next();
            out.push('%');
            continue;
        }
        let mut verb = Verb {
            offset,
            arg: next_arg,
            ..Verb::default()
        };
        // Flags.
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                _ => break,
            }
            chars.next();
        }
        let bad = |at: Option<(usize, char)>| match at {
            Some((p, ch)) => failed(format!(
                "unrecognized format character '{ch}' at offset {p}"
            )),
            None => failed(format!(
                "invalid format string starting at offset {}",
                fmt.len()
            )),
        };
        let number = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            let mut n: usize = 0;
            while let Some(&(_, d)) = chars.peek() {
                let Some(digit) = d.to_digit(10) else { break };
                n = n.saturating_mul(10).saturating_add(digit as usize);
                chars.next();
            }
            n
        };
        // Explicit argument index: [n] with n starting with 1-9.
        if let Some(&(_, '[')) = chars.peek() {
            chars.next();
            match chars.peek() {
                Some(&(_, d)) if ('1'..='9').contains(&d) => {}
                other => return Err(bad(other.copied())),
            }
            verb.arg = number(&mut chars);
            match chars.next() {
                Some((_, ']')) => {}
                other => return Err(bad(other)),
            }
        }
        // Width: a number that does not start with zero.
        if let Some(&(_, d)) = chars.peek() {
            if ('1'..='9').contains(&d) {
                verb.width = Some(number(&mut chars));
            }
        }
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            verb.prec = Some(number(&mut chars));
        }
        match chars.next() {
            Some((end, m)) if m.is_ascii_alphabetic() => {
                verb.mode = m;
                verb.raw = fmt.get(offset..end + 1).unwrap_or_default().to_string();
            }
            other => return Err(bad(other)),
        }
        verbs += 1;
        let Some(value) = verb.arg.checked_sub(1).and_then(|i| values.get(i)) else {
            return Err(failed(format!(
                "not enough arguments for \"{}\" at {}: need index {} but have {} total",
                verb.raw,
                verb.offset,
                verb.arg,
                values.len()
            )));
        };
        used = used.max(verb.arg);
        next_arg = verb.arg + 1;
        out.push_str(&format_one(&verb, value)?);
    }
    Ok((out, used, verbs))
}

fn unsupported(verb: &Verb, why: &str) -> FunctionError {
    failed(format!(
        "unsupported value for \"{}\" at {}: {why}",
        verb.raw, verb.offset
    ))
}

fn format_one(verb: &Verb, value: &Value) -> Result<String, FunctionError> {
    if verb.mode != 'v' && value.is_null() {
        return Err(unsupported(verb, "null value cannot be formatted"));
    }
    match verb.mode {
        'v' => {
            let text = match value {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => go_float(n, 'g', None),
                other => json_encode(other).map_err(|e| unsupported(verb, &e))?,
            };
            Ok(pad(verb, text))
        }
        't' => match to_bool(value) {
            Some(b) => Ok(b.to_string()),
            None if matches!(value, Value::String(_)) => {
                Err(unsupported(verb, "a bool is required"))
            }
            None => Err(unsupported(verb, "bool required")),
        },
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = match to_number(value) {
                Some(n) => n,
                None if matches!(value, Value::String(_) | Value::Bool(_)) => {
                    return Err(unsupported(verb, "a number is required"))
                }
                None => return Err(unsupported(verb, "number required")),
            };
            if matches!(verb.mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                let Some(whole) = n.to_bigint() else {
                    return Err(unsupported(verb, "an integer is required"));
                };
                Ok(go_integer(verb, &whole))
            } else {
                Ok(go_float_padded(verb, &n))
            }
        }
        's' | 'q' => {
            let Some(mut s) = to_string(value) else {
                return Err(unsupported(
                    verb,
                    &format!("string required, but have {}", value.type_name()),
                ));
            };
            if let Some(p) = verb.prec.filter(|p| *p > 0) {
                s = s.graphemes(true).take(p).collect();
            }
            if verb.mode == 'q' {
                s = json_encode(&Value::String(s)).map_err(|e| unsupported(verb, &e))?;
            }
            Ok(pad(verb, s))
        }
        other => Err(failed(format!(
            "unsupported format verb '{other}' in \"{}\" at offset {}",
            verb.raw, verb.offset
        ))),
    }
}

/// Pads to the verb's width in grapheme clusters, as cty does for strings
/// and for `%v`.
fn pad(verb: &Verb, text: String) -> String {
    let Some(width) = verb.width else { return text };
    let len = text.graphemes(true).count();
    if len >= width {
        return text;
    }
    let fill = if verb.zero { "0" } else { " " }.repeat(width - len);
    if verb.minus {
        text + &fill
    } else {
        fill + &text
    }
}

/// Go's `big.Int` formatting: `[pad][sign][prefix][zeros][digits][pad]`.
fn go_integer(verb: &Verb, n: &num_bigint::BigInt) -> String {
    let base = match verb.mode {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let mut digits = n.magnitude().to_str_radix(base);
    if verb.mode == 'X' {
        digits = digits.to_uppercase();
    }
    let sign = if n.sign() == num_bigint::Sign::Minus {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = verb.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return String::new();
        }
    }
    let length = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0, 0);
    if let Some(w) = verb.width.filter(|w| *w > length) {
        let d = w - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    )
}

fn fmt_e(digits: &[u8], dexp: i64, prec: usize, upper: bool) -> String {
    let mut out = String::new();
    out.push(digits.first().map_or('0', |d| *d as char));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(digits.get(i).map_or('0', |d| *d as char));
        }
    }
    out.push(if upper { 'E' } else { 'e' });
    let exp = if digits.is_empty() { 0 } else { dexp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

fn fmt_f(digits: &[u8], dexp: i64, prec: usize) -> String {
    let mut out = String::new();
    if dexp > 0 {
        for i in 0..dexp as usize {
            out.push(digits.get(i).map_or('0', |d| *d as char));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i64 {
            let at = dexp - 1 + i;
            let d = usize::try_from(at).ok().and_then(|a| digits.get(a));
            out.push(d.map_or('0', |d| *d as char));
        }
    }
    out
}

/// Go's `big.Float.Text` for `e`, `f` and `g` (without the sign), with
/// `prec` as Go understands it (`None` is the shortest representation).
fn go_float(x: &Number, mode: char, prec: Option<usize>) -> String {
    if x.is_infinite() {
        return if x.is_negative() { "-Inf" } else { "+Inf" }.to_string();
    }
    let sign = if x.is_negative() { "-" } else { "" };
    let decimal = |x: &Number, sig: Option<usize>| x.decimal_digits(sig);
    let upper = mode.is_ascii_uppercase();
    let body = match mode.to_ascii_lowercase() {
        'e' => {
            let p = prec.unwrap_or(6);
            let (digits, dexp) = decimal(x, Some(p + 1));
            fmt_e(&digits, dexp, p, upper)
        }
        'f' => x.abs().to_fixed(prec.unwrap_or(6)),
        _ => {
            let shortest = prec.is_none();
            let (digits, dexp) = match prec {
                None => decimal(x, None),
                Some(p) => decimal(x, Some(p.max(1))),
            };
            let mut p = match prec {
                None => digits.len(),
                Some(p) => p.max(1),
            };
            let mut eprec = p;
            if eprec > digits.len() && digits.len() as i64 >= dexp {
                eprec = digits.len();
            }
            if shortest {
                eprec = 6;
            }
            let exp = dexp - 1;
            if exp < -4 || exp >= eprec as i64 {
                if p > digits.len() {
                    p = digits.len();
                }
                fmt_e(&digits, dexp, p.saturating_sub(1), upper)
            } else {
                if p as i64 > dexp {
                    p = digits.len();
                }
                fmt_f(&digits, dexp, usize::try_from(p as i64 - dexp).unwrap_or(0))
            }
        }
    };
    format!("{sign}{body}")
}

/// Go's `big.Float.Format`: sign and padding around `go_float`. Unlike
/// integers, a `0` flag wins over `-` here.
fn go_float_padded(verb: &Verb, x: &Number) -> String {
    let text = go_float(&x.abs(), verb.mode, verb.prec);
    let text = if x.is_infinite() {
        text.trim_start_matches('+').to_string()
    } else {
        text
    };
    let sign = if x.is_negative() {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let padding = verb
        .width
        .map_or(0, |w| w.saturating_sub(sign.len() + text.len()));
    if verb.zero && !x.is_infinite() {
        format!("{sign}{}{text}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{text}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{text}", " ".repeat(padding))
    }
}

/// Renders a number as `%v` does; used by tests and kept next to its rules.
#[cfg(test)]
fn v(x: f64) -> String {
    go_float(&Number::from_f64(x), 'g', None)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, map, n, ok, s, strs};
    use super::*;

    fn f(fmt: &str, args: Vec<Value>) -> Value {
        let mut all = vec![s(fmt)];
        all.extend(args);
        ok("format", all)
    }

    fn fe(fmt: &str, args: Vec<Value>) -> String {
        let mut all = vec![s(fmt)];
        all.extend(args);
        err("format", all)
    }

    #[test]
    fn integers() {
        assert_eq!(
            f("%5d|%-5d|%05d", vec![n(42.0), n(42.0), n(42.0)]),
            s("   42|42   |00042")
        );
        assert_eq!(
            f("%x %X %o %b", vec![n(255.0), n(255.0), n(8.0), n(5.0)]),
            s("ff FF 10 101")
        );
        assert_eq!(
            f("%#o %#b %#X %#x", vec![n(8.0), n(5.0), n(255.0), n(255.0)]),
            s("010 0b101 0XFF 0xff")
        );
        assert_eq!(f("%+d % d", vec![n(5.0), n(5.0)]), s("+5  5"));
        assert_eq!(f("%d", vec![n(1e20)]), s("100000000000000000000"));
        assert_eq!(f("%d", vec![n(1e300)]), s(&format!("{:.0}", 1e300)));
        assert_eq!(f("%o %x", vec![n(-8.0), n(-255.0)]), s("-10 -ff"));
        assert_eq!(f("%-08d|", vec![n(5.0)]), s("5       |"));
        assert_eq!(f("%.3d", vec![n(7.0)]), s("007"));
        assert_eq!(f("%.0d", vec![n(0.0)]), s(""));
        assert_eq!(f("%d", vec![s("12")]), s("12"));
        assert_eq!(
            fe("%d", vec![n(1.5)]),
            "unsupported value for \"%d\" at 0: an integer is required."
        );
        assert_eq!(
            fe("%d", vec![s("x")]),
            "unsupported value for \"%d\" at 0: a number is required."
        );
    }

    #[test]
    fn floats() {
        assert_eq!(f("%f", vec![n(3.14258)]), s("3.142580"));
        assert_eq!(f("%.2f", vec![n(3.14258)]), s("3.14"));
        assert_eq!(f("%8.3f|", vec![n(3.14258)]), s("   3.143|"));
        assert_eq!(f("%5.1f", vec![n(-2.25)]), s(" -2.2"));
        assert_eq!(f("%08.3f", vec![n(-3.5)]), s("-003.500"));
        assert_eq!(f("%-08.3f|", vec![n(3.5)]), s("0003.500|"));
        assert_eq!(f("%.0f %.0f", vec![n(2.5), n(3.5)]), s("2 4"));
        assert_eq!(f("%f", vec![n(1e20)]), s("100000000000000000000.000000"));
        assert_eq!(f("%e", vec![n(1234.5678)]), s("1.234568e+03"));
        assert_eq!(f("%E", vec![n(1234.5678)]), s("1.234568E+03"));
        assert_eq!(f("%e", vec![n(0.0)]), s("0.000000e+00"));
        assert_eq!(f("%.1e", vec![n(12345.0)]), s("1.2e+04"));
        assert_eq!(f("%g", vec![n(1234.5678)]), s("1234.5678"));
        assert_eq!(f("%g", vec![n(100000000.0)]), s("1e+08"));
        assert_eq!(f("%g", vec![n(0.00001234)]), s("1.234e-05"));
        assert_eq!(f("%g", vec![n(0.0001)]), s("0.0001"));
        assert_eq!(f("%G", vec![n(1e-10)]), s("1E-10"));
        assert_eq!(f("%.3g", vec![n(1234.5678)]), s("1.23e+03"));
    }

    #[test]
    fn default_formats() {
        assert_eq!(f("%v", vec![s("x")]), s("x"));
        assert_eq!(f("%v", vec![Value::Bool(true)]), s("true"));
        assert_eq!(f("%v", vec![n(1.5)]), s("1.5"));
        assert_eq!(f("%v", vec![n(1e20)]), s("1e+20"));
        assert_eq!(f("%v", vec![n(1000000.0)]), s("1e+06"));
        assert_eq!(f("%v", vec![n(100000.0)]), s("100000"));
        assert_eq!(f("%v", vec![n(123456789012.0)]), s("1.23456789012e+11"));
        assert_eq!(f("%v", vec![n(1e-5)]), s("1e-05"));
        assert_eq!(f("%v", vec![n(-0.5)]), s("-0.5"));
        assert_eq!(f("%v", vec![Value::Null]), s("null"));
        assert_eq!(f("%v", vec![list(vec![n(1.0), n(2.0)])]), s("[1,2]"));
        assert_eq!(f("%v", vec![map(&[("a", n(1.0))])]), s("{\"a\":1}"));
        assert_eq!(f("%#v", vec![list(vec![n(1.0), s("a")])]), s("[1,\"a\"]"));
        assert_eq!(f("%#v", vec![s("a")]), s("\"a\""));
        assert_eq!(f("%.3v", vec![n(3.14258)]), s("3.14258"));
        assert_eq!(
            f("%5.2q|%-6v|%06v", vec![s("abc"), s("x"), n(-1.0)]),
            s(" \"ab\"|x     |0000-1")
        );
        assert_eq!(v(0.1), "0.1");
    }

    #[test]
    fn strings_and_bools() {
        assert_eq!(f("%s", vec![n(5.0)]), s("5"));
        assert_eq!(f("%s", vec![n(123456789012.0)]), s("123456789012"));
        assert_eq!(f("%s", vec![Value::Bool(true)]), s("true"));
        assert_eq!(
            f("%10s|%-10s|", vec![s("hi"), s("hi")]),
            s("        hi|hi        |")
        );
        assert_eq!(f("%.2s", vec![s("hello")]), s("he"));
        assert_eq!(f("%q", vec![s("a\"b")]), s("\"a\\\"b\""));
        assert_eq!(f("%q", vec![n(5.0)]), s("\"5\""));
        assert_eq!(f("%t", vec![Value::Bool(true)]), s("true"));
        assert_eq!(f("%t", vec![s("true")]), s("true"));
        assert_eq!(f("%5t|", vec![Value::Bool(true)]), s("true|"));
        assert_eq!(f("%%", vec![]), s("%"));
        assert_eq!(f("%[2]s %[1]s", vec![s("a"), s("b")]), s("b a"));
        assert_eq!(
            fe("%s", vec![list(vec![n(1.0)])]),
            "unsupported value for \"%s\" at 0: string required, but have tuple."
        );
        assert_eq!(
            fe("%s", vec![Value::Null]),
            "unsupported value for \"%s\" at 0: null value cannot be formatted."
        );
    }

    #[test]
    fn format_errors() {
        assert_eq!(
            fe("%s", vec![]),
            "not enough arguments for \"%s\" at 0: need index 1 but have 0 total."
        );
        assert_eq!(
            fe("%s %s", vec![s("a")]),
            "not enough arguments for \"%s\" at 3: need index 2 but have 1 total."
        );
        assert_eq!(
            fe("%[3]s", vec![s("a")]),
            "not enough arguments for \"%[3]s\" at 0: need index 3 but have 1 total."
        );
        assert_eq!(
            fe("a", vec![s("b")]),
            "Invalid value for \"args\" parameter: too many arguments; no verbs in format string."
        );
        assert_eq!(
            fe("%s", vec![s("a"), s("b"), s("c")]),
            "Invalid value for \"args\" parameter: too many arguments; only 1 used by format string."
        );
        assert_eq!(
            fe("%z", vec![n(1.0)]),
            "unsupported format verb 'z' in \"%z\" at offset 0."
        );
        assert_eq!(
            fe("%*d", vec![n(5.0), n(3.0)]),
            "unrecognized format character '*' at offset 1."
        );
        assert_eq!(
            fe("%[0]s", vec![s("a")]),
            "unrecognized format character '0' at offset 2."
        );
        assert_eq!(
            fe("abc%", vec![]),
            "invalid format string starting at offset 4."
        );
    }

    #[test]
    fn formatlist_iterates_lists_together() {
        assert_eq!(
            ok("formatlist", vec![s("%s=%s"), strs(&["a", "b"]), s("x")]),
            strs(&["a=x", "b=x"])
        );
        assert_eq!(ok("formatlist", vec![s("%s"), list(vec![])]), list(vec![]));
        assert_eq!(ok("formatlist", vec![s("x")]), strs(&["x"]));
        assert_eq!(
            err("formatlist", vec![s("%s%s"), strs(&["a", "b"]), strs(&["c"])]),
            "Invalid value for \"args\" parameter: argument 2 has length 1, which is inconsistent with argument 1 of length 2."
        );
    }
}
