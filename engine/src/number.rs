//! Numbers with Terraform's precision.
//!
//! Terraform's numbers are cty numbers: Go `big.Float`s, binary floating
//! point whose mantissa has a precision of its own per value. A number
//! literal (or a number read from JSON or a string) has 512 bits, a count
//! or an index 64, the result of a float64 function (`pow`, `log`) 53, and
//! arithmetic gives its result the larger precision of its operands,
//! rounding to nearest, ties to even. A number prints as the shortest
//! decimal that reads back as the same value at its precision (Go's
//! `Text('f', -1)`), so `0.1 + 0.2` prints `0.3`, `1/3` prints 155 digits
//! and `pow(2, 64)` prints `18446744073709550000`.
//!
//! The arithmetic is ours, on `num-bigint` integers: decimal crates
//! (`bigdecimal`, `rust_decimal`) round in base ten and so print `1/3`
//! differently from Terraform, and the binary-float crates without C
//! dependencies do not offer Go's per-value precision together with its
//! shortest formatting, which is what users see.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer as _;
use num_traits::{One as _, Signed as _, ToPrimitive as _, Zero as _};

/// The precision of literals and of numbers parsed from text (cty's).
pub const LITERAL_PRECISION: u32 = 512;
/// The precision of whole numbers made from machine integers.
pub const INTEGER_PRECISION: u32 = 64;
/// The precision of numbers made from `f64`s.
pub const FLOAT_PRECISION: u32 = 53;

#[derive(Clone, Debug)]
enum Kind {
    Zero,
    /// `mant * 2^exp`, with `mant` odd and at most `prec` bits long.
    Finite {
        mant: BigUint,
        exp: i64,
    },
    Infinite,
}

/// A number of the template language.
#[derive(Clone, Debug)]
pub struct Number {
    negative: bool,
    kind: Kind,
    prec: u32,
}

/// An operation whose result is not a number (Go's `big.ErrNaN`), with
/// Terraform's explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct NotANumber(pub &'static str);

impl fmt::Display for NotANumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Number {
    pub fn zero() -> Number {
        Number {
            negative: false,
            kind: Kind::Zero,
            prec: INTEGER_PRECISION,
        }
    }

    pub fn infinity(negative: bool) -> Number {
        Number {
            negative,
            kind: Kind::Infinite,
            prec: INTEGER_PRECISION,
        }
    }

    /// `(-1)^negative * mant * 2^exp` rounded to `prec` bits; `sticky` says
    /// that nonzero bits below `mant` were cut off (for division).
    fn rounded(negative: bool, mant: BigUint, exp: i64, prec: u32, sticky: bool) -> Number {
        if mant.is_zero() {
            return Number {
                negative,
                kind: Kind::Zero,
                prec,
            };
        }
        let bits = mant.bits();
        let (mut mant, mut exp) = (mant, exp);
        if bits > u64::from(prec) {
            let shift = bits - u64::from(prec);
            let kept = &mant >> shift;
            let rest = &mant - (&kept << shift);
            let half = BigUint::one() << (shift - 1);
            let up = match rest.cmp(&half) {
                Ordering::Greater => true,
                Ordering::Equal => sticky || kept.is_odd(),
                Ordering::Less => false,
            };
            mant = if up { kept + 1u32 } else { kept };
            exp += shift as i64;
        }
        let zeros = mant.trailing_zeros().unwrap_or(0);
        mant >>= zeros;
        Number {
            negative,
            kind: Kind::Finite {
                mant,
                exp: exp + zeros as i64,
            },
            prec,
        }
    }

    /// A whole number, exact; its precision is 64 bits or more if it needs them.
    pub fn from_bigint(n: &BigInt) -> Number {
        let prec = (n.bits() as u32).max(INTEGER_PRECISION);
        Number::rounded(n.is_negative(), n.magnitude().clone(), 0, prec, false)
    }

    /// An `f64`, exactly, at 53 bits. NaN has no number; it reads as zero
    /// (no function that Terraform has returns NaN to a template).
    pub fn from_f64(x: f64) -> Number {
        if x.is_infinite() {
            return Number::infinity(x < 0.0);
        }
        if x == 0.0 || x.is_nan() {
            return Number {
                negative: x.is_sign_negative() && !x.is_nan(),
                kind: Kind::Zero,
                prec: FLOAT_PRECISION,
            };
        }
        let bits = x.abs().to_bits();
        let raw_exp = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (mant, exp) = match raw_exp {
            0 => (fraction, -1074),
            e => (fraction | (1 << 52), e - 1075),
        };
        Number::rounded(x < 0.0, BigUint::from(mant), exp, FLOAT_PRECISION, false)
    }

    /// Parses a decimal number (`-12.5e3`) at 512 bits, as cty parses
    /// literals, strings and JSON. Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Number> {
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (digits, exp10) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i64>().ok()?),
            None => (body, 0),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || exp10.unsigned_abs() > 1_000_000
        {
            return None;
        }
        let mant: BigUint = format!("{whole}{fraction}").parse().unwrap_or_default();
        let exp10 = exp10 - fraction.len() as i64;
        Some(Number::from_decimal(
            negative,
            mant,
            exp10,
            LITERAL_PRECISION,
        ))
    }

    /// `mant * 10^exp10` rounded to `prec` bits.
    fn from_decimal(negative: bool, mant: BigUint, exp10: i64, prec: u32) -> Number {
        if exp10 >= 0 {
            let scaled = mant * BigUint::from(10u32).pow(exp10 as u32);
            return Number::rounded(negative, scaled, 0, prec, false);
        }
        let divisor = BigUint::from(10u32).pow((-exp10) as u32);
        Number::quotient(negative, &mant, 0, &divisor, 0, prec)
    }

    /// `(a * 2^ea) / (b * 2^eb)` rounded to `prec` bits; `b` is not zero.
    fn quotient(negative: bool, a: &BigUint, ea: i64, b: &BigUint, eb: i64, prec: u32) -> Number {
        // Enough quotient bits for the precision, a guard bit and the rounding bit.
        let extra = (i64::from(prec) + 2 + b.bits() as i64 - a.bits() as i64).max(0) as u64;
        let (q, r) = (a << extra).div_rem(b);
        Number::rounded(negative, q, ea - eb - extra as i64, prec, !r.is_zero())
    }

    pub fn precision(&self) -> u32 {
        self.prec
    }

    pub fn is_zero(&self) -> bool {
        matches!(self.kind, Kind::Zero)
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self.kind, Kind::Infinite)
    }

    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    /// The value as a signed integer times a power of two (zero for zero).
    fn parts(&self) -> (BigInt, i64) {
        match &self.kind {
            Kind::Finite { mant, exp } => {
                let sign = if self.negative {
                    Sign::Minus
                } else {
                    Sign::Plus
                };
                (BigInt::from_biguint(sign, mant.clone()), *exp)
            }
            _ => (BigInt::zero(), 0),
        }
    }

    pub fn neg(&self) -> Number {
        Number {
            negative: !self.negative,
            ..self.clone()
        }
    }

    pub fn abs(&self) -> Number {
        Number {
            negative: false,
            ..self.clone()
        }
    }

    pub fn add(&self, other: &Number) -> Result<Number, NotANumber> {
        self.add_at(other, self.prec.max(other.prec))
    }

    /// The sum rounded once to `prec` bits.
    fn add_at(&self, other: &Number, prec: u32) -> Result<Number, NotANumber> {
        match (&self.kind, &other.kind) {
            (Kind::Infinite, Kind::Infinite) if self.negative != other.negative => {
                Err(NotANumber("can't compute sum of opposing infinities"))
            }
            (Kind::Infinite, _) => Ok(Number::infinity(self.negative)),
            (_, Kind::Infinite) => Ok(Number::infinity(other.negative)),
            (Kind::Zero, Kind::Zero) => Ok(Number {
                negative: self.negative && other.negative,
                kind: Kind::Zero,
                prec,
            }),
            _ => {
                let ((a, ea), (b, eb)) = (self.parts(), other.parts());
                let exp = ea.min(eb);
                let sum = (a << (ea - exp) as u64) + (b << (eb - exp) as u64);
                Ok(Number::rounded(
                    sum.is_negative(),
                    sum.magnitude().clone(),
                    exp,
                    prec,
                    false,
                ))
            }
        }
    }

    pub fn sub(&self, other: &Number) -> Result<Number, NotANumber> {
        self.add(&other.neg())
            .map_err(|_| NotANumber("can't subtract infinity from itself"))
    }

    pub fn mul(&self, other: &Number) -> Result<Number, NotANumber> {
        self.mul_at(other, self.prec.max(other.prec))
    }

    /// The product rounded once to `prec` bits.
    fn mul_at(&self, other: &Number, prec: u32) -> Result<Number, NotANumber> {
        let negative = self.negative != other.negative;
        match (&self.kind, &other.kind) {
            (Kind::Zero, Kind::Infinite) | (Kind::Infinite, Kind::Zero) => {
                Err(NotANumber("can't multiply zero by infinity"))
            }
            (Kind::Infinite, _) | (_, Kind::Infinite) => Ok(Number::infinity(negative)),
            (Kind::Zero, _) | (_, Kind::Zero) => Ok(Number {
                negative,
                kind: Kind::Zero,
                prec,
            }),
            (Kind::Finite { mant: a, exp: ea }, Kind::Finite { mant: b, exp: eb }) => {
                Ok(Number::rounded(negative, a * b, ea + eb, prec, false))
            }
        }
    }

    /// Division; a nonzero number divided by zero is an infinity, as in Terraform.
    pub fn div(&self, other: &Number) -> Result<Number, NotANumber> {
        let negative = self.negative != other.negative;
        let prec = self.prec.max(other.prec);
        match (&self.kind, &other.kind) {
            (Kind::Zero, Kind::Zero) | (Kind::Infinite, Kind::Infinite) => Err(NotANumber(
                "can't divide zero by zero or infinity by infinity",
            )),
            (Kind::Infinite, _) | (_, Kind::Zero) => Ok(Number::infinity(negative)),
            (Kind::Zero, _) | (_, Kind::Infinite) => Ok(Number {
                negative,
                kind: Kind::Zero,
                prec,
            }),
            (Kind::Finite { mant: a, exp: ea }, Kind::Finite { mant: b, exp: eb }) => {
                Ok(Number::quotient(negative, a, *ea, b, *eb, prec))
            }
        }
    }

    /// Terraform's `%`: `a - b * trunc(a / b)`, each step rounded as cty
    /// rounds it; `a % 0` is `a`.
    pub fn rem(&self, other: &Number) -> Result<Number, NotANumber> {
        if self.is_infinite() || other.is_infinite() {
            return self.mul(other);
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        let whole = self.div(other)?.trunc_int();
        let work = Number::from_bigint(&whole);
        let product = other.mul(&work)?;
        self.sub(&product)
    }

    /// The number rounded to `prec` bits, now of that precision.
    pub fn with_precision(&self, prec: u32) -> Number {
        match &self.kind {
            Kind::Finite { mant, exp } => {
                Number::rounded(self.negative, mant.clone(), *exp, prec, false)
            }
            _ => Number {
                prec,
                ..self.clone()
            },
        }
    }

    /// The integer part (toward zero); zero for infinities.
    fn trunc_int(&self) -> BigInt {
        let (m, e) = self.parts();
        if e >= 0 {
            m << e as u64
        } else {
            let magnitude = m.magnitude() >> (-e) as u64;
            BigInt::from_biguint(m.sign(), magnitude)
        }
    }

    /// True for a finite whole number.
    pub fn is_integer(&self) -> bool {
        match &self.kind {
            Kind::Zero => true,
            Kind::Finite { exp, .. } => *exp >= 0,
            Kind::Infinite => false,
        }
    }

    /// Rounds toward negative infinity (`floor`), as cty does: the result
    /// is a whole number of at least 64 bits' precision.
    pub fn floor(&self) -> Number {
        self.to_whole(false)
    }

    /// Rounds toward positive infinity (`ceil`).
    pub fn ceil(&self) -> Number {
        self.to_whole(true)
    }

    fn to_whole(&self, up: bool) -> Number {
        if self.is_infinite() || self.is_integer() {
            return self.clone();
        }
        let truncated = self.trunc_int();
        let adjust = match (up, self.negative) {
            (false, true) => -BigInt::one(),
            (true, false) => BigInt::one(),
            _ => BigInt::zero(),
        };
        Number::from_bigint(&(truncated + adjust))
    }

    /// The value as an `i64`, when it is whole and fits.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        self.trunc_int().to_i64()
    }

    /// The value as a `BigInt`, when it is whole.
    pub fn to_bigint(&self) -> Option<BigInt> {
        self.is_integer().then(|| self.trunc_int())
    }

    /// The nearest `f64` (for functions that Terraform computes in float64).
    pub fn to_f64(&self) -> f64 {
        let sign = if self.negative { -1.0 } else { 1.0 };
        match &self.kind {
            Kind::Zero => sign * 0.0,
            Kind::Infinite => sign * f64::INFINITY,
            Kind::Finite { .. } => {
                let near = self.with_precision(FLOAT_PRECISION);
                let (m, e) = near.parts();
                let m = m.to_f64().unwrap_or(f64::NAN);
                // Scale in two steps so that a tiny or huge exponent does
                // not overflow the intermediate power of two.
                let half = (e / 2) as i32;
                m * 2f64.powi(half) * 2f64.powi(e as i32 - half)
            }
        }
    }

    /// Orders by value (infinities at the ends).
    pub fn cmp_value(&self, other: &Number) -> Ordering {
        let rank = |n: &Number| match (&n.kind, n.negative) {
            (Kind::Infinite, true) => -2,
            (Kind::Infinite, false) => 2,
            (Kind::Zero, _) => 0,
            (_, true) => -1,
            (_, false) => 1,
        };
        match rank(self).cmp(&rank(other)) {
            Ordering::Equal if rank(self).abs() == 1 => {
                let ((a, ea), (b, eb)) = (self.parts(), other.parts());
                let exp = ea.min(eb);
                (a << (ea - exp) as u64).cmp(&(b << (eb - exp) as u64))
            }
            order => order,
        }
    }

    /// The exact decimal digits of a finite nonzero number and the position
    /// of the decimal point: the value is `0.DIGITS * 10^point`.
    fn exact_decimal(mant: &BigUint, exp: i64) -> (Vec<u8>, i64) {
        let (digits, point_shift) = if exp >= 0 {
            ((mant << exp as u64).to_string(), 0)
        } else {
            // m * 2^-k = m * 5^k / 10^k
            let k = -exp;
            ((mant * BigUint::from(5u32).pow(k as u32)).to_string(), k)
        };
        let mut digits = digits.into_bytes();
        let point = digits.len() as i64 - point_shift;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        (digits, point)
    }

    /// The value, when it is a whole number of at most 64 bits and no more
    /// bits than its precision: then its shortest decimal form is its exact
    /// digits (any other decimal is at least 1 away, more than half an ulp),
    /// and printing it needs no big-number arithmetic.
    fn small_integer(&self, mant: &BigUint, exp: i64) -> Option<u64> {
        let bits = mant.bits() as i64 + exp;
        if exp < 0 || bits > 64 || bits > i64::from(self.prec) {
            return None;
        }
        mant.to_u64().map(|m| m << exp)
    }

    /// The shortest decimal digits that read back as this number at its
    /// precision (Go's `roundShortest`), with the decimal point position.
    fn shortest(&self, mant: &BigUint, exp: i64) -> (Vec<u8>, i64) {
        let (mut digits, mut point) = Number::exact_decimal(mant, exp);
        // The neighbours half an ulp away, at prec + 1 bits.
        let shift = mant.bits() as i64 - (i64::from(self.prec) + 1);
        let (wide, wide_exp) = if shift < 0 {
            (mant << (-shift) as u64, exp + shift)
        } else {
            (mant >> shift as u64, exp + shift)
        };
        let (lower, _) = Number::exact_decimal(&(&wide - 1u32), wide_exp);
        let (upper, _) = Number::exact_decimal(&(&wide + 1u32), wide_exp);
        let inclusive = !wide.bit(1);
        // Go compares digit by digit without aligning the decimal points.
        let at = |d: &[u8], i: usize| d.get(i).copied().unwrap_or(b'0');
        for i in 0..digits.len() {
            let (l, m, u) = (at(&lower, i), digits[i], at(&upper, i));
            let okdown = l != m || inclusive && i + 1 == lower.len();
            let okup = m != u && (inclusive || m + 1 < u || i + 1 < upper.len());
            match (okdown, okup) {
                (true, true) => {
                    round_half_even(&mut digits, &mut point, i + 1);
                    return (digits, point);
                }
                (true, false) => {
                    digits.truncate(i + 1);
                    trim_zeros(&mut digits);
                    return (digits, point);
                }
                (false, true) => {
                    round_up(&mut digits, &mut point, i + 1);
                    return (digits, point);
                }
                (false, false) => {}
            }
        }
        (digits, point)
    }

    /// The decimal digits of |self| and the position of the decimal point
    /// (`0.DIGITS * 10^point`): the shortest that reads back, or rounded
    /// (half to even) to `significant` digits. Zero has no digits.
    pub fn decimal_digits(&self, significant: Option<usize>) -> (Vec<u8>, i64) {
        let Kind::Finite { mant, exp } = &self.kind else {
            return (Vec::new(), 0);
        };
        match significant {
            None => self.shortest(mant, *exp),
            Some(n) => {
                let (mut digits, mut point) = Number::exact_decimal(mant, *exp);
                if digits.len() > n {
                    round_half_even(&mut digits, &mut point, n);
                }
                (digits, point)
            }
        }
    }

    /// The number in positional notation with exactly `places` decimal
    /// places (Go's `Text('f', places)`), for `format("%.Nf")`.
    pub fn to_fixed(&self, places: usize) -> String {
        let sign = if self.negative { "-" } else { "" };
        match &self.kind {
            Kind::Infinite => format!("{}Inf", if self.negative { '-' } else { '+' }),
            Kind::Zero => positional(sign, &[], 0, places),
            Kind::Finite { mant, exp } => {
                let (mut digits, mut point) = Number::exact_decimal(mant, *exp);
                let keep = point + places as i64;
                if keep < 0 {
                    digits.clear();
                } else if (keep as usize) < digits.len() {
                    round_half_even(&mut digits, &mut point, keep as usize);
                }
                positional(sign, &digits, point, places)
            }
        }
    }

    /// Scientific notation with `places` decimals (Go's `Text('e', places)`),
    /// for `format("%e")`.
    pub fn to_exponential(&self, places: usize) -> String {
        let sign = if self.negative { "-" } else { "" };
        let (digits, point) = match &self.kind {
            Kind::Infinite => return format!("{}Inf", if self.negative { '-' } else { '+' }),
            Kind::Zero => (Vec::new(), 1),
            Kind::Finite { mant, exp } => {
                let (mut digits, mut point) = Number::exact_decimal(mant, *exp);
                if digits.len() > places + 1 {
                    round_half_even(&mut digits, &mut point, places + 1);
                }
                (digits, point)
            }
        };
        let digit = |i: usize| char::from(digits.get(i).copied().unwrap_or(b'0'));
        let mut out = format!("{sign}{}", digit(0));
        if places > 0 {
            out.push('.');
            (1..=places).for_each(|i| out.push(digit(i)));
        }
        let e = if digits.is_empty() { 0 } else { point - 1 };
        out.push_str(&format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()));
        out
    }
}

/// Keeps the first `n` digits, rounding half to even (Go's `decimal.round`).
fn round_half_even(digits: &mut Vec<u8>, point: &mut i64, n: usize) {
    let up = match digits.get(n) {
        Some(b'5') if n + 1 == digits.len() => n > 0 && (digits[n - 1] - b'0') % 2 == 1,
        Some(d) => *d >= b'5',
        None => false,
    };
    if up {
        round_up(digits, point, n);
    } else {
        digits.truncate(n);
        trim_zeros(digits);
    }
}

/// Keeps the first `n` digits and adds one to the last of them.
fn round_up(digits: &mut Vec<u8>, point: &mut i64, n: usize) {
    digits.truncate(n);
    while let Some(last) = digits.last_mut() {
        if *last < b'9' {
            *last += 1;
            return;
        }
        digits.pop();
    }
    // All nines: 999 becomes 1000.
    digits.push(b'1');
    *point += 1;
}

fn trim_zeros(digits: &mut Vec<u8>) {
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
}

/// `0.DIGITS * 10^point` written out with `places` decimal places.
fn positional(sign: &str, digits: &[u8], point: i64, places: usize) -> String {
    let digit = |i: i64| -> char {
        if i < 0 {
            '0'
        } else {
            char::from(digits.get(i as usize).copied().unwrap_or(b'0'))
        }
    };
    let mut out = String::from(sign);
    if point > 0 {
        (0..point).for_each(|i| out.push(digit(i)));
    } else {
        out.push('0');
    }
    if places > 0 {
        out.push('.');
        (0..places as i64).for_each(|i| out.push(digit(point + i)));
    }
    out
}

impl fmt::Display for Number {
    /// Terraform's form: the shortest decimal that reads back as this
    /// number at its precision, never with an exponent; `+Inf`, `-Inf`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.negative { "-" } else { "" };
        match &self.kind {
            Kind::Infinite => write!(f, "{}Inf", if self.negative { '-' } else { '+' }),
            Kind::Zero => write!(f, "{sign}0"),
            Kind::Finite { mant, exp } => {
                if let Some(whole) = self.small_integer(mant, *exp) {
                    return write!(f, "{sign}{whole}");
                }
                let (digits, point) = self.shortest(mant, *exp);
                let places = (digits.len() as i64 - point).max(0) as usize;
                f.write_str(&positional(sign, &digits, point, places))
            }
        }
    }
}

impl PartialEq for Number {
    /// Numbers are equal when they print the same, as cty compares them:
    /// `pow(2, 64)` (53 bits) equals the `18446744073709550000` it is
    /// stored as.
    fn eq(&self, other: &Number) -> bool {
        if self.prec == other.prec || self.is_integer() && other.is_integer() {
            return self.cmp_value(other) == Ordering::Equal;
        }
        self.to_string() == other.to_string()
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(n: $t) -> Number {
                Number::from_bigint(&BigInt::from(n))
            }
        }
    )*};
}

from_integer!(i32, i64, u32, u64, usize, u8, i128);

impl From<f64> for Number {
    fn from(x: f64) -> Number {
        Number::from_f64(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    /// Expected texts are what Terraform 1.15.5 prints.
    #[test]
    fn prints_as_terraform_does() {
        assert_eq!(lit("9007199254740993").to_string(), "9007199254740993");
        assert_eq!(lit("0.1").add(&lit("0.2")).unwrap().to_string(), "0.3");
        let third = lit("1").div(&lit("3")).unwrap().to_string();
        assert_eq!(third.len(), 157, "{third}");
        assert!(
            third.starts_with("0.3333") && third.ends_with("335"),
            "{third}"
        );
        assert_eq!(
            Number::from_f64(2f64.powi(64)).to_string(),
            "18446744073709550000"
        );
        assert_eq!(
            Number::from_f64(2f64.sqrt()).to_string(),
            "1.4142135623730951"
        );
        assert_eq!(lit("1e-30").to_string(), "0.000000000000000000000000000001");
        assert_eq!(lit("1e30").to_string(), "1000000000000000000000000000000");
        assert_eq!(
            lit("3.14159265358979323846264338327950288419716939937510").to_string(),
            "3.1415926535897932384626433832795028841971693993751"
        );
        assert_eq!(Number::from_f64(-0.0).to_string(), "-0");
        assert_eq!(Number::infinity(false).to_string(), "+Inf");
        assert_eq!(Number::from(-7).to_string(), "-7");
        assert_eq!(Number::from_f64(0.1).to_string(), "0.1");
        assert_eq!(Number::from_f64(1e21).to_string(), "1000000000000000000000");
    }

    /// Whole numbers are printed without big-number arithmetic when that
    /// cannot change the digits; the long way must agree at every precision.
    #[test]
    fn whole_numbers_print_as_the_shortest_form_says() {
        let long_way = |n: &Number| match &n.kind {
            Kind::Finite { mant, exp } => {
                let (digits, point) = n.shortest(mant, *exp);
                let places = (digits.len() as i64 - point).max(0) as usize;
                positional(if n.negative { "-" } else { "" }, &digits, point, places)
            }
            _ => unreachable!("only finite numbers are tested"),
        };
        let mut checked = 0;
        for bits in [1u32, 2, 10, 31, 52, 53, 54, 63, 64] {
            for delta in [0i128, 1, 3] {
                let v = (1i128 << bits) - 1 - delta;
                for text in [v.to_string(), (-v).to_string()] {
                    for n in [
                        lit(&text),
                        lit(&text).with_precision(FLOAT_PRECISION),
                        lit(&text).with_precision(INTEGER_PRECISION),
                    ] {
                        if n.is_zero() {
                            continue;
                        }
                        assert_eq!(n.to_string(), long_way(&n), "{text} at {} bits", n.prec);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100);
        assert_eq!(Number::from(1u64 << 60).to_string(), "1152921504606846976");
    }

    #[test]
    fn arithmetic_keeps_precision() {
        let big = lit("9007199254740993");
        assert_eq!(
            big.add(&Number::from(1)).unwrap().to_string(),
            "9007199254740994"
        );
        assert_eq!(
            lit("12345678901234567890")
                .mul(&lit("98765432109876543210"))
                .unwrap()
                .to_string(),
            "1219326311370217952237463801111263526900"
        );
        assert_eq!(lit("0.1").add(&lit("0.2")).unwrap(), lit("0.3"));
        assert_ne!(big, lit("9007199254740992"));
        assert_eq!(lit("10").rem(&lit("3")).unwrap().to_string(), "1");
        assert_eq!(lit("-7").rem(&lit("3")).unwrap().to_string(), "-1");
        assert_eq!(lit("7").rem(&lit("-3")).unwrap().to_string(), "1");
        assert_eq!(lit("5.5").rem(&lit("2")).unwrap().to_string(), "1.5");
        assert_eq!(lit("0.3").rem(&lit("0.1")).unwrap().to_string(), "0");
        let r = lit("0.7").rem(&lit("0.2")).unwrap().to_string();
        assert!(r.starts_with("0.0999999") && r.ends_with("99955"), "{r}");
        let third = lit("1").div(&lit("3")).unwrap();
        let seventh = lit("1").div(&lit("7")).unwrap();
        let r = third.rem(&seventh).unwrap().to_string();
        assert!(
            r.starts_with("0.047619047619") && r.ends_with("04764"),
            "{r}"
        );
        assert_eq!(lit("5").rem(&Number::zero()).unwrap().to_string(), "5");
        assert_eq!(lit("-2.5").floor().to_string(), "-3");
        assert_eq!(lit("0.3").ceil().to_string(), "1");
        assert_eq!(lit("1").div(&Number::zero()).unwrap().to_string(), "+Inf");
        assert!(Number::zero().div(&Number::zero()).is_err());
    }

    #[test]
    fn fixed_and_exponential_forms() {
        let third = lit("1").div(&lit("3")).unwrap();
        assert_eq!(third.to_fixed(20), "0.33333333333333333333");
        assert_eq!(lit("0.1").add(&lit("0.2")).unwrap().to_fixed(6), "0.300000");
        assert_eq!(lit("9007199254740993").to_exponential(6), "9.007199e+15");
        assert_eq!(lit("2.5").to_fixed(0), "2");
        assert_eq!(lit("0.000123").to_exponential(2), "1.23e-04");
    }

    #[test]
    fn converts_to_machine_numbers() {
        assert_eq!(lit("9007199254740993").to_i64(), Some(9007199254740993));
        assert_eq!(lit("1.5").to_i64(), None);
        assert_eq!(lit("0.1").to_f64(), 0.1);
        assert_eq!(lit("1e30").to_f64(), 1e30);
        assert_eq!(Number::parse("0x10"), None);
        assert_eq!(Number::parse("1."), Some(lit("1")));
    }
}
