//! The address policy, in one place: what kind of address a host resolved to, and whether a request may go there.
//!
//! URLs come from documents and providers nobody here controls, so a `kid` or a `Link` header can point at a cloud
//! metadata service or an intranet host. A request is judged before any connection: the host name is resolved here,
//! every address is judged (one bad address refuses the host: a name mixing public and internal addresses is an
//! attack), and the caller pins the connection to the addresses judged, so a second DNS answer cannot redirect it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::Error;

/// What kind of address a host resolved to, for the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    /// RFC 1918, unique-local fc00::/7, carrier-grade NAT 100.64/10.
    Private,
    /// 169.254/16 (including the 169.254.169.254 metadata service) and fe80::/10.
    LinkLocal,
    Unspecified,
    /// Multicast, broadcast, documentation, benchmarking and reserved ranges.
    Reserved,
}

impl AddressClass {
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address",
            AddressClass::Private => "a private address",
            AddressClass::LinkLocal => "a link-local address (cloud metadata services live here)",
            AddressClass::Unspecified => "the unspecified address",
            AddressClass::Reserved => "a reserved, multicast or documentation address",
        }
    }
}

/// Classifies an IP address; IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address inside.
pub fn classify_ip(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (192, 168, _) => AddressClass::Private,
        (172, 16..=31, _) | (100, 64..=127, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (0, _, _) | (192, 0, 0) | (192, 0, 2) | (198, 18..=19, _) | (198, 51, 100) | (203, 0, 113) => {
            AddressClass::Reserved
        }
        (224..=255, _, _) => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    match s[0] {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        _ if ip.is_loopback() => AddressClass::Loopback,
        x if x & 0xfe00 == 0xfc00 => AddressClass::Private,
        x if x & 0xffc0 == 0xfe80 => AddressClass::LinkLocal,
        x if x & 0xff00 == 0xff00 => AddressClass::Reserved,
        0x2001 if s[1] == 0x0db8 => AddressClass::Reserved,
        // Only 2000::/3 is globally routed unicast; the rest (IPv4-compatible ::/96 among them) is not public.
        x if x & 0xe000 != 0x2000 => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

/// Which addresses a host may be reached at.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    /// The user listed the host (an allowed host, the provider under test): loopback is fine too.
    pub listed: bool,
    /// Private, link-local, unspecified and reserved addresses are allowed (never loopback unless listed).
    pub private: bool,
}

impl Reach {
    /// Only public addresses.
    pub const PUBLIC: Reach = Reach {
        listed: false,
        private: false,
    };

    /// Whether a request may go to `ip`; `Err` names the class it may not go to.
    pub fn judge(self, ip: IpAddr) -> Result<(), AddressClass> {
        let class = classify_ip(ip);
        let ok = match class {
            AddressClass::Public => true,
            AddressClass::Loopback => self.listed,
            _ => self.listed || self.private,
        };
        if ok { Ok(()) } else { Err(class) }
    }
}

/// Resolves `host` (within `timeout`) and judges every address it has; `refuse` words a refusal for the caller
/// (`host is ip, class`). Returns the addresses to pin the connection to.
pub async fn resolve_judged(
    url: &str,
    host: &str,
    port: u16,
    reach: Reach,
    timeout: Duration,
    refuse: impl Fn(String) -> Error,
) -> Result<Vec<SocketAddr>, Error> {
    let resolve_error = |reason: String| Error::Resolve {
        url: url.into(),
        reason,
    };
    let addrs: Vec<SocketAddr> = tokio::time::timeout(timeout, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| resolve_error("no answer within the connect timeout".into()))?
        .map_err(|e| resolve_error(e.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(resolve_error("no addresses".into()));
    }
    for addr in &addrs {
        reach
            .judge(addr.ip())
            .map_err(|class| refuse(format!("{host} is {}, {}", addr.ip(), class.describe())))?;
    }
    Ok(addrs)
}
