//! The HTTP client's name resolver: it resolves a host and checks **every** address before the
//! client sees any, so the connection can only go to an address that was checked (no gap
//! between a check and a second lookup for DNS rebinding to use). IP literals never come
//! here; `fetcher` checks them before the request.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::FetchError;
use crate::address::blocked;

/// The hosts that may resolve to (or be) internal addresses, compared as written in a URL:
/// lower case, without the brackets of an IPv6 literal or a final dot.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowList(HashSet<String>);

impl AllowList {
    pub(crate) fn new(hosts: &[String]) -> AllowList {
        AllowList(hosts.iter().map(|host| normalize(host)).filter(|host| !host.is_empty()).collect())
    }

    pub(crate) fn contains(&self, host: &str) -> bool {
        self.0.contains(&normalize(host))
    }
}

fn normalize(host: &str) -> String {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']').trim_end_matches('.');
    // An IP address in its one canonical spelling, so "::1" and "0:0::1" are the same entry.
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => host.to_ascii_lowercase(),
    }
}

/// The refusal for `host`'s addresses, unless it is allow-listed: the first address refused.
pub(crate) fn check_addresses(host: &str, addresses: &[IpAddr], allow: &AllowList) -> Result<(), FetchError> {
    if allow.contains(host) {
        return Ok(());
    }
    for &address in addresses {
        if let Some(kind) = blocked(address) {
            return Err(FetchError::BlockedName { host: host.to_string(), address: address.to_string(), kind });
        }
    }
    Ok(())
}

/// `reqwest::dns::Resolve` with the check above; a refusal travels back as the resolver's
/// error, a `FetchError` that `fetcher` finds again in the client's error chain.
pub(crate) struct CheckedResolver {
    pub(crate) allow: AllowList,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| FetchError::Unresolved { host: host.clone(), reason: e.to_string() })?
                .collect();
            if found.is_empty() {
                return Err(FetchError::Unresolved { host, reason: "no addresses".into() }.into());
            }
            let addresses: Vec<IpAddr> = found.iter().map(SocketAddr::ip).collect();
            check_addresses(&host, &addresses, &allow)?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::{AllowList, check_addresses};

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|ip| ip.parse().expect("ip")).collect()
    }

    #[test]
    fn one_internal_address_refuses_the_whole_name() {
        let error = check_addresses("example.internal", &ips(&["93.184.215.14", "10.1.2.3"]), &AllowList::default()).expect_err("refused");
        assert_eq!(error.to_string(), "example.internal resolves to 10.1.2.3, a private address");
        assert!(
            check_addresses("example.com", &ips(&["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]), &AllowList::default())
                .is_ok()
        );
    }

    #[test]
    fn allow_listed_hosts_may_be_internal() {
        let allow = AllowList::new(&[" Intranet.Example. ".into(), "[::1]".into(), String::new()]);
        assert!(check_addresses("intranet.example", &ips(&["10.1.2.3"]), &allow).is_ok());
        assert!(allow.contains("INTRANET.example"));
        assert!(allow.contains("0:0::1"));
        assert!(allow.contains("[::1]"));
        assert!(!allow.contains(""));
        assert!(check_addresses("other.example", &ips(&["10.1.2.3"]), &allow).is_err());
    }
}
