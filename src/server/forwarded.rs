//! Who a request comes from behind a reverse proxy: the address in
//! `X-Forwarded-For` is believed only when the connection comes from a configured
//! trusted proxy, and then the rightmost address that is not itself a trusted proxy
//! is the client's (what the proxy appended; anything to its left was sent by the
//! client and could be anything).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The configured trusted proxies.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(nets)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request that came over a connection from `peer`.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.contains(peer.ip()) {
            return peer;
        }
        // Every element, in order, across headers; read from the right: the
        // rightmost address that is not a trusted proxy is the client (what the
        // proxy appended). Anything to its left came from the client and is
        // ignored, even unreadable; an unreadable element before it (from a
        // proxy) names nobody, and the proxy counts as the client.
        let mut parts: Vec<String> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else {
                return peer;
            };
            parts.extend(text.split(',').map(|p| p.trim().to_owned()));
        }
        let mut last_proxy = None;
        for part in parts.iter().rev() {
            match part.parse::<IpAddr>().map(canonical) {
                Ok(ip) if self.contains(ip) => last_proxy = Some(ip),
                Ok(ip) => return SocketAddr::new(ip, 0),
                Err(_) => return peer,
            }
        }
        // Only proxies: the leftmost of them.
        last_proxy.map_or(peer, |ip| SocketAddr::new(ip, 0))
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// An address cut to its first `v4` or `v6` bits (the rest zeroed), for logs; `None`
/// when the configured precision is 0 bits.
pub fn truncated(ip: IpAddr, v4: u8, v6: u8) -> Option<String> {
    let ip = canonical(ip);
    let bits = match ip {
        IpAddr::V4(_) => v4.min(32),
        IpAddr::V6(_) => v6.min(128),
    };
    if bits == 0 {
        return None;
    }
    let net = IpNet::new(ip, bits).ok()?;
    Some(if net.prefix_len() == net.max_prefix_len() {
        ip.to_string()
    } else {
        net.trunc().to_string()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let trusted = TrustedProxies::new(vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ]);
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        // From a stranger the header is ignored.
        assert_eq!(
            trusted.client(stranger, &headers(&["198.51.100.1"])),
            stranger
        );
        // From the proxy: the rightmost address that is not a proxy.
        let ip = |s: &str| trusted.client(proxy, &headers(&[s])).ip().to_string();
        assert_eq!(ip("198.51.100.1"), "198.51.100.1");
        assert_eq!(ip("6.6.6.6, 198.51.100.1"), "198.51.100.1");
        assert_eq!(ip("198.51.100.1, 10.1.2.3"), "198.51.100.1");
        assert_eq!(ip("::ffff:198.51.100.7"), "198.51.100.7");
        // Several headers read as one list, in order.
        assert_eq!(
            trusted
                .client(proxy, &headers(&["6.6.6.6", "198.51.100.2"]))
                .ip()
                .to_string(),
            "198.51.100.2"
        );
        // Unreadable, or absent: the proxy itself; junk to the left of the
        // address the proxy appended is the client's own and changes nothing.
        assert_eq!(trusted.client(proxy, &headers(&["nope"])), proxy);
        assert_eq!(ip("x, 198.51.100.9"), "198.51.100.9");
        assert_eq!(ip("unknown, 198.51.100.9, 10.0.0.1"), "198.51.100.9");
        assert_eq!(
            trusted.client(proxy, &headers(&["198.51.100.9, junk"])),
            proxy
        );
        assert_eq!(trusted.client(proxy, &HeaderMap::new()), proxy);
        // Only proxies in the chain: the leftmost.
        assert_eq!(ip("10.0.0.1, 10.0.0.2"), "10.0.0.1");
        // A mapped IPv6 peer is its IPv4 address.
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        assert_eq!(
            trusted
                .client(mapped, &headers(&["198.51.100.3"]))
                .ip()
                .to_string(),
            "198.51.100.3"
        );
    }

    #[test]
    fn logged_addresses_keep_only_the_configured_bits() {
        let v4: IpAddr = "198.51.100.77".parse().unwrap();
        let v6: IpAddr = "2001:db8:1234:5678::1".parse().unwrap();
        assert_eq!(truncated(v4, 24, 48).unwrap(), "198.51.100.0/24");
        assert_eq!(truncated(v6, 24, 48).unwrap(), "2001:db8:1234::/48");
        assert_eq!(truncated(v4, 32, 128).unwrap(), "198.51.100.77");
        assert_eq!(truncated(v4, 0, 0), None);
    }
}
