//! Which IP addresses a fetch may never reach: the pure rule, apart from any network code, so
//! every range is unit-tested. An address embedding an IPv4 one (IPv4-mapped, IPv4-compatible,
//! 6to4) is judged by the embedded address, since that is where the packets would go.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused; its `Display` reads "a loopback address" and so on, to follow
/// "127.0.0.1 is " or "example.internal resolves to 10.1.2.3, ".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// 127/8, ::1.
    Loopback,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// 169.254/16 (where cloud metadata services answer), fe80::/10.
    LinkLocal,
    /// 224/4, ff00::/8.
    Multicast,
    /// 100.64/10, carrier-grade NAT (RFC 6598).
    Cgnat,
    /// 0.0.0.0, ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 0/8: "this network", which some systems route to the host itself.
    ThisNetwork,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32.
    Documentation,
    /// 198.18/15.
    Benchmarking,
    /// 192.0.0/24 (IETF protocol assignments), 240/4, fec0::/10 (the old site-local).
    Reserved,
    /// fc00::/7.
    UniqueLocal,
    /// 64:ff9b::/96 and 64:ff9b:1::/48: a NAT64 gateway would forward to any IPv4 address,
    /// internal ones included.
    Nat64,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Blocked::Loopback => "a loopback address",
            Blocked::Private => "a private address",
            Blocked::LinkLocal => "a link-local address",
            Blocked::Multicast => "a multicast address",
            Blocked::Cgnat => "a CGNAT (shared) address",
            Blocked::Unspecified => "an unspecified address",
            Blocked::Broadcast => "a broadcast address",
            Blocked::ThisNetwork => "a \"this network\" (0.0.0.0/8) address",
            Blocked::Documentation => "a documentation address",
            Blocked::Benchmarking => "a benchmarking address",
            Blocked::Reserved => "a reserved address",
            Blocked::UniqueLocal => "an IPv6 unique-local address",
            Blocked::Nat64 => "a NAT64 address",
        })
    }
}

/// Why `ip` may not be fetched from, or `None` for an ordinary public address.
pub fn blocked(ip: IpAddr) -> Option<Blocked> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<Blocked> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() => Blocked::Unspecified,
        _ if ip.is_broadcast() => Blocked::Broadcast,
        (0, ..) => Blocked::ThisNetwork,
        (127, ..) => Blocked::Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => Blocked::Private,
        (169, 254, _) => Blocked::LinkLocal,
        (100, 64..=127, _) => Blocked::Cgnat,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Blocked::Documentation,
        (198, 18..=19, _) => Blocked::Benchmarking,
        (192, 0, 0) => Blocked::Reserved,
        (224..=239, ..) => Blocked::Multicast,
        (240..=255, ..) => Blocked::Reserved,
        _ => return None,
    })
}

fn blocked_v6(ip: Ipv6Addr) -> Option<Blocked> {
    if ip.is_unspecified() {
        return Some(Blocked::Unspecified);
    }
    if ip.is_loopback() {
        return Some(Blocked::Loopback);
    }
    if let Some(v4) = embedded_v4(ip) {
        return blocked_v4(v4);
    }
    let s = ip.segments();
    Some(match s[0] {
        0xfe80..=0xfebf => Blocked::LinkLocal,
        0xfec0..=0xfeff => Blocked::Reserved,
        0xfc00..=0xfdff => Blocked::UniqueLocal,
        0xff00..=0xffff => Blocked::Multicast,
        0x2001 if s[1] == 0x0db8 => Blocked::Documentation,
        0x0064 if s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1) => Blocked::Nat64,
        _ => return None,
    })
}

/// The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) or
/// 6to4 (2002:AABB:CCDD::/48) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match s {
        [0, 0, 0, 0, 0, 0xffff, high, low] | [0, 0, 0, 0, 0, 0, high, low] => Some(v4(high, low)),
        [0x2002, high, low, ..] => Some(v4(high, low)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Blocked, blocked};

    fn judge(address: &str) -> Option<Blocked> {
        blocked(address.parse().unwrap_or_else(|e| panic!("{address}: {e}")))
    }

    #[test]
    fn internal_ipv4_ranges_are_refused_with_their_kind() {
        for (address, kind) in [
            ("127.0.0.1", Blocked::Loopback),
            ("127.255.255.254", Blocked::Loopback),
            ("10.1.2.3", Blocked::Private),
            ("172.16.0.1", Blocked::Private),
            ("172.31.255.255", Blocked::Private),
            ("192.168.1.1", Blocked::Private),
            ("169.254.169.254", Blocked::LinkLocal),
            ("224.0.0.1", Blocked::Multicast),
            ("239.255.255.250", Blocked::Multicast),
            ("100.64.0.1", Blocked::Cgnat),
            ("100.127.255.255", Blocked::Cgnat),
            ("0.0.0.0", Blocked::Unspecified),
            ("255.255.255.255", Blocked::Broadcast),
            ("0.1.2.3", Blocked::ThisNetwork),
            ("192.0.2.1", Blocked::Documentation),
            ("198.51.100.7", Blocked::Documentation),
            ("203.0.113.9", Blocked::Documentation),
            ("198.18.0.1", Blocked::Benchmarking),
            ("198.19.255.255", Blocked::Benchmarking),
            ("192.0.0.8", Blocked::Reserved),
            ("240.0.0.1", Blocked::Reserved),
        ] {
            assert_eq!(judge(address), Some(kind), "{address}");
        }
    }

    #[test]
    fn internal_ipv6_ranges_are_refused_with_their_kind() {
        for (address, kind) in [
            ("::1", Blocked::Loopback),
            ("::", Blocked::Unspecified),
            ("fe80::1", Blocked::LinkLocal),
            ("febf::1", Blocked::LinkLocal),
            ("fec0::1", Blocked::Reserved),
            ("fc00::1", Blocked::UniqueLocal),
            ("fd12:3456::1", Blocked::UniqueLocal),
            ("ff02::1", Blocked::Multicast),
            ("2001:db8::1", Blocked::Documentation),
            ("64:ff9b::8.8.8.8", Blocked::Nat64),
            ("64:ff9b:1::1", Blocked::Nat64),
        ] {
            assert_eq!(judge(address), Some(kind), "{address}");
        }
    }

    #[test]
    fn an_embedded_ipv4_address_is_judged_as_itself() {
        assert_eq!(judge("::ffff:127.0.0.1"), Some(Blocked::Loopback));
        assert_eq!(judge("::ffff:7f00:1"), Some(Blocked::Loopback));
        assert_eq!(judge("::ffff:10.0.0.1"), Some(Blocked::Private));
        assert_eq!(judge("::ffff:169.254.169.254"), Some(Blocked::LinkLocal));
        assert_eq!(judge("::127.0.0.1"), Some(Blocked::Loopback));
        assert_eq!(judge("::192.168.0.1"), Some(Blocked::Private));
        assert_eq!(judge("2002:c0a8:0101::1"), Some(Blocked::Private));
        assert_eq!(judge("::ffff:93.184.215.14"), None, "a mapped public address is public");
        assert_eq!(judge("2002:5db8:d70e::1"), None);
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "93.184.215.14",
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "198.20.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "64:ff9b:2::1",
        ] {
            assert_eq!(judge(address), None, "{address}");
        }
    }

    #[test]
    fn the_reason_reads_as_a_phrase() {
        assert_eq!(Blocked::Private.to_string(), "a private address");
        assert_eq!(Blocked::UniqueLocal.to_string(), "an IPv6 unique-local address");
    }
}
