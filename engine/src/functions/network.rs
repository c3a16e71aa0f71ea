//! CIDR arithmetic. Addresses of both families are held as `u128` with a
//! bit count (32 or 128), so one implementation serves IPv4 and IPv6.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::Value;

#[derive(Clone, Copy)]
struct Net {
    addr: u128,
    prefix: u32,
    bits: u32,
}

impl Net {
    fn mask(&self, prefix: u32) -> u128 {
        let all = if self.bits == 128 {
            u128::MAX
        } else {
            (1u128 << self.bits) - 1
        };
        let host_bits = self.bits.saturating_sub(prefix);
        if host_bits >= 128 {
            0
        } else {
            all & !((1u128 << host_bits) - 1) & all
        }
    }

    fn network(&self) -> u128 {
        self.addr & self.mask(self.prefix)
    }

    fn format_addr(&self, addr: u128) -> String {
        if self.bits == 32 {
            Ipv4Addr::from(addr as u32).to_string()
        } else {
            Ipv6Addr::from(addr).to_string()
        }
    }

    fn format(&self, addr: u128, prefix: u32) -> String {
        format!("{}/{prefix}", self.format_addr(addr))
    }
}

/// IPv4 as Go's older parser accepted it: four decimal parts of up to three
/// digits, leading zeros allowed (and read as decimal), as Terraform keeps it.
fn parse_v4(s: &str) -> Option<u32> {
    let mut out: u32 = 0;
    let mut parts = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = part.parse().ok()?;
        if n > 255 {
            return None;
        }
        out = (out << 8) | n;
        parts += 1;
    }
    (parts == 4).then_some(out)
}

fn parse_cidr(s: &str) -> Result<Net, FunctionError> {
    let invalid = || {
        failed(format!(
            "invalid CIDR expression: invalid CIDR address: {s}"
        ))
    };
    let (addr, prefix) = s.split_once('/').ok_or_else(invalid)?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
        return Err(invalid());
    }
    let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
    let (addr, bits) = if let Some(v4) = parse_v4(addr) {
        (u128::from(v4), 32)
    } else if addr.contains(':') {
        let v6: Ipv6Addr = addr.parse().map_err(|_| invalid())?;
        (u128::from(v6), 128)
    } else {
        return Err(invalid());
    };
    if prefix > bits {
        return Err(invalid());
    }
    Ok(Net { addr, prefix, bits })
}

pub(crate) fn cidrsubnet(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let net = parse_cidr(&args.string(0)?)?;
    let newbits = args.integer(1)?;
    let netnum = args.integer(2)?;
    let new_prefix = i64::from(net.prefix) + newbits;
    if newbits < 0 || new_prefix > i64::from(net.bits) {
        return Err(failed(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        )));
    }
    let new_prefix = new_prefix as u32;
    let newbits = newbits as u32;
    let max = if newbits >= 64 {
        u128::MAX
    } else {
        1u128 << newbits
    };
    if netnum < 0 || (netnum as u128) >= max {
        return Err(failed(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        )));
    }
    let shift = net.bits - new_prefix;
    let offset = if shift >= 128 {
        0
    } else {
        (netnum as u128) << shift
    };
    Ok(Value::String(
        net.format(net.network() | offset, new_prefix),
    ))
}

pub(crate) fn cidrhost(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let net = parse_cidr(&args.string(0)?)?;
    let hostnum = args.integer(1)?;
    let host_bits = net.bits - net.prefix;
    let size: Option<u128> = (host_bits < 128).then(|| 1u128 << host_bits);
    let fits = |h: u128| size.is_none_or(|s| h < s);
    let host = if hostnum < 0 {
        // Negative numbers count back from the end of the range.
        let back = hostnum.unsigned_abs() as u128;
        match size {
            Some(s) if back <= s => Some(s - back),
            Some(_) => None,
            None => Some(u128::MAX - back + 1),
        }
    } else {
        Some(hostnum as u128).filter(|h| fits(*h))
    };
    let Some(host) = host else {
        return Err(failed(format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.prefix
        )));
    };
    Ok(Value::String(net.format_addr(net.network() | host)))
}

pub(crate) fn cidrnetmask(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let text = args.string(0)?;
    let net = parse_cidr(&text)?;
    if net.bits != 32 {
        return Err(failed(format!(
            "IPv6 addresses cannot have a netmask: {text}"
        )));
    }
    Ok(Value::String(net.format_addr(net.mask(net.prefix))))
}

/// Allocates consecutive subnets of the given sizes, each aligned to its
/// own size, as Terraform's `cidrsubnets` (built on go-cidr) does.
pub(crate) fn cidrsubnets(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    let net = parse_cidr(&args.string(0)?)?;
    if args.len() < 2 {
        return Ok(Value::List(Vec::new()));
    }
    let base = net.network();
    let first = args.integer(1)?;
    let first_prefix = (i64::from(net.prefix) + first).clamp(0, i64::from(net.bits)) as u32;
    // The subnet just before the base address, so that the first "next"
    // subnet starts at the base.
    let mut current = (base.wrapping_sub(1) & net.mask(first_prefix), first_prefix);
    let width = |prefix: u32| -> u128 {
        let host_bits = net.bits - prefix;
        if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        }
    };
    let all = if net.bits == 128 {
        u128::MAX
    } else {
        (1u128 << net.bits) - 1
    };
    let mut out = Vec::with_capacity(args.len() - 1);
    for i in 1..args.len() {
        let length = args.integer(i)?;
        if length < 1 {
            return Err(args.error(i, "must extend prefix by at least one bit"));
        }
        if length > 32 {
            return Err(args.error(i, "may not extend prefix by more than 32 bits"));
        }
        let prefix = i64::from(net.prefix) + length;
        if prefix > i64::from(net.bits) {
            let family = if net.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(args.error(
                i,
                format!("would extend prefix to {prefix} bits, which is too long for an {family} address"),
            ));
        }
        let prefix = prefix as u32;
        // go-cidr's NextSubnet: the last address of the current subnet,
        // widened to the new size, plus one.
        let current_last = (current.0 | width(current.1)) & all;
        let widened = current_last & net.mask(prefix);
        let last = (widened | width(prefix)) & all;
        let next = last.wrapping_add(1) & all;
        let rollover = next == 0;
        if rollover || (next & net.mask(net.prefix)) != base {
            return Err(args.error(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {prefix} bits after {}",
                    net.format(current.0, current.1)
                ),
            ));
        }
        current = (next & net.mask(prefix), prefix);
        out.push(Value::String(net.format(current.0, current.1)));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, n, ok, s, strs};
    use crate::value::Value;

    #[test]
    fn cidrsubnet_examples() {
        assert_eq!(
            ok("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), n(2.0)]),
            s("10.0.2.0/24")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(15.0)]),
            s("10.1.2.240/28")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("fd00::/56"), n(8.0), n(3.0)]),
            s("fd00:0:0:3::/64")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("10.0.0.5/16"), n(8.0), n(2.0)]),
            s("10.0.2.0/24")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("010.000.0.0/16"), n(8.0), n(2.0)]),
            s("10.0.2.0/24")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("10.0.0.0/16"), n(0.0), n(0.0)]),
            s("10.0.0.0/16")
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/16"), n(17.0), n(0.0)]),
            "insufficient address space to extend prefix of 16 by 17."
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), n(256.0)]),
            "prefix extension of 8 does not accommodate a subnet numbered 256."
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0"), n(8.0), n(2.0)]),
            "invalid CIDR expression: invalid CIDR address: 10.0.0.0."
        );
    }

    #[test]
    fn cidrhost_examples() {
        assert_eq!(
            ok("cidrhost", vec![s("10.12.112.0/20"), n(16.0)]),
            s("10.12.112.16")
        );
        assert_eq!(
            ok("cidrhost", vec![s("10.12.112.0/20"), n(268.0)]),
            s("10.12.113.12")
        );
        assert_eq!(
            ok("cidrhost", vec![s("10.12.112.0/20"), n(-1.0)]),
            s("10.12.127.255")
        );
        assert_eq!(ok("cidrhost", vec![s("10.0.0.0/8"), s("1")]), s("10.0.0.1"));
        assert_eq!(
            ok(
                "cidrhost",
                vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]
            ),
            s("fd00:fd12:3456:7890::22")
        );
        assert_eq!(
            err("cidrhost", vec![s("10.12.112.0/20"), n(5000.0)]),
            "prefix of 20 does not accommodate a host numbered 5000."
        );
    }

    #[test]
    fn cidrnetmask_examples() {
        assert_eq!(
            ok("cidrnetmask", vec![s("172.16.0.0/12")]),
            s("255.240.0.0")
        );
        assert_eq!(ok("cidrnetmask", vec![s("0.0.0.0/0")]), s("0.0.0.0"));
        assert_eq!(
            ok("cidrnetmask", vec![s("10.0.0.1/32")]),
            s("255.255.255.255")
        );
        assert_eq!(
            err("cidrnetmask", vec![s("fd00::/64")]),
            "IPv6 addresses cannot have a netmask: fd00::/64."
        );
        assert_eq!(
            err("cidrnetmask", vec![s("10.0.0.0/33")]),
            "invalid CIDR expression: invalid CIDR address: 10.0.0.0/33."
        );
    }

    #[test]
    fn cidrsubnets_examples() {
        assert_eq!(
            ok(
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]
            ),
            strs(&[
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ])
        );
        assert_eq!(
            ok("cidrsubnets", vec![s("10.1.0.0/16")]),
            Value::List(vec![])
        );
        assert_eq!(
            ok("cidrsubnets", vec![s("fd00::/56"), n(16.0), n(16.0)]),
            strs(&["fd00::/72", "fd00::100:0:0:0/72"])
        );
        // go-cidr sees the wrap-around after 0.0.0.0 as running out of space.
        assert_eq!(
            err("cidrsubnets", vec![s("0.0.0.0/0"), n(1.0), n(1.0)]),
            "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 1 bits after 128.0.0.0/1."
        );
        assert_eq!(
            err("cidrsubnets", vec![s("10.1.0.0/16"), n(17.0)]),
            "Invalid value for \"newbits\" parameter: would extend prefix to 33 bits, which is too long for an IPv4 address."
        );
        assert_eq!(
            err("cidrsubnets", vec![s("10.1.0.0/16"), n(1.0), n(1.0), n(1.0)]),
            "Invalid value for \"newbits\" parameter: not enough remaining address space for a subnet with a prefix of 17 bits after 10.1.128.0/17."
        );
    }
}
