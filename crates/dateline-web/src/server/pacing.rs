//! No pacing for readers on the same machine.
//!
//! A congestion control that paces (BBR, the default on many tuned hosts) spaces a
//! connection's segments out with timers so as not to overrun a network queue; on the
//! loopback device, which has no queue discipline, TCP does that pacing itself. A connection
//! from this machine (the reverse proxy in front of Dateline, or a local client) crosses no
//! network: pacing it only costs CPU. Measured on a host running BBR, a 119 KB page sent to a
//! local client cost 25 µs of the server's CPU an answer paced and 10 µs unpaced
//! (docs/PERFORMANCE.md, "Stop 49").
//!
//! A socket's pacing is decided when its congestion control starts: switching an open
//! connection away from BBR leaves it paced. So the listener, before it listens, gets an
//! algorithm that does not pace, which the connections it accepts inherit, and a connection
//! from another machine is switched back to the system's algorithm before anything is sent
//! on it. `[server] pace_local_connections = true` leaves everything to the system.

#[cfg(target_os = "linux")]
pub(super) use linux::{LocalPeersUnpaced, unpace_listener};

#[cfg(not(target_os = "linux"))]
pub(super) use elsewhere::{LocalPeersUnpaced, unpace_listener};

/// Algorithms that do not pace, in order of preference: CUBIC is Linux's default; Reno is
/// the one a process may normally choose without privileges.
#[cfg(target_os = "linux")]
const UNPACED: [&str; 2] = ["cubic", "reno"];

/// BBR's versions pace by design; the others Linux ships pace only under the `fq` queue
/// discipline, which does it by itself (and which the loopback device does not have).
#[cfg(any(target_os = "linux", test))]
fn paces(algorithm: &str) -> bool {
    algorithm.starts_with("bbr")
}

/// A peer on a loopback address, or on the address the connection arrived at (this
/// machine's own address, which the kernel routes through loopback too). A proxy reaching a
/// container through its bridge is another machine to this test, and stays paced. The local
/// address is asked for (a system call) only when the peer is not on a loopback address.
#[cfg(any(target_os = "linux", test))]
fn same_machine(peer: std::net::SocketAddr, local: impl FnOnce() -> Option<std::net::SocketAddr>) -> bool {
    let peer = peer.ip().to_canonical();
    peer.is_loopback() || local().is_some_and(|local| local.ip().to_canonical() == peer)
}

#[cfg(target_os = "linux")]
mod linux {
    use std::net::SocketAddr;

    use rustix::net::sockopt::{set_tcp_congestion, tcp_congestion};
    use tokio::net::{TcpListener, TcpSocket, TcpStream};

    use super::{UNPACED, paces, same_machine};

    /// Gives `socket`, about to listen, an algorithm that does not pace when the system's
    /// paces, and only if a connection can be handed the system's back (an administrator may
    /// have left it out of `net.ipv4.tcp_allowed_congestion_control`): a fresh socket is
    /// switched there and back first. Anything refused leaves the socket as it was, and is
    /// logged: pacing costs CPU, not correctness.
    pub(in crate::server) fn unpace_listener(socket: &TcpSocket, ipv4: bool) {
        let Some((probe, system)) = system_algorithm(ipv4) else { return };
        if !paces(&system) {
            return;
        }
        let chosen =
            UNPACED.into_iter().find(|&unpaced| set_tcp_congestion(&probe, unpaced).is_ok() && set_tcp_congestion(&probe, &system).is_ok());
        // Logged at debug: this runs before the store is opened, and a command that fails
        // there prints its one line only. `LocalPeersUnpaced::of` says what came of it.
        match chosen.map(|unpaced| (unpaced, set_tcp_congestion(socket, unpaced))) {
            Some((_, Ok(()))) => {}
            Some((unpaced, Err(err))) => {
                tracing::debug!(system = %system, local = %unpaced, error = %err, "the listener keeps the system's algorithm")
            }
            None => tracing::debug!(system = %system, "no algorithm without pacing may be chosen, or the system's cannot be given back"),
        }
    }

    /// What a new socket gets, the system's algorithm, with that socket (to try others on).
    fn system_algorithm(ipv4: bool) -> Option<(TcpSocket, String)> {
        let probe = if ipv4 { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
        match probe.and_then(|probe| Ok((tcp_congestion(&probe)?, probe))) {
            Ok((name, probe)) => Some((probe, name)),
            Err(err) => {
                tracing::debug!(error = %err, "the system's congestion control is unknown; connections are left as they come");
                None
            }
        }
    }

    /// What accepted connections need: `remote`, the system's algorithm, when the listener
    /// was given `local` instead of it.
    #[derive(Debug, Default)]
    pub(in crate::server) struct LocalPeersUnpaced {
        pub(super) swap: Option<(String, String)>,
    }

    impl LocalPeersUnpaced {
        /// Reads what [`unpace_listener`] did to `listener` (nothing, for a listener made
        /// elsewhere or with `pace_local_connections`).
        pub(in crate::server) fn of(listener: &TcpListener) -> LocalPeersUnpaced {
            let ipv4 = listener.local_addr().is_ok_and(|address| address.is_ipv4());
            let (Ok(local), Some((_, system))) = (tcp_congestion(listener), system_algorithm(ipv4)) else {
                return LocalPeersUnpaced::default();
            };
            if !paces(&system) {
                return LocalPeersUnpaced::default();
            }
            if UNPACED.contains(&local.as_str()) {
                tracing::info!(system = %system, local = %local, "connections from this machine are not paced");
                LocalPeersUnpaced { swap: Some((local, system)) }
            } else {
                tracing::info!(system = %system, "connections from this machine are paced");
                LocalPeersUnpaced::default()
            }
        }

        /// Gives a connection from another machine the system's algorithm back, unless it
        /// arrived with another than the listener's (a route's `congctl`, say, which the
        /// kernel prefers to the listener's).
        pub(in crate::server) fn accepted(&self, stream: &TcpStream, peer: SocketAddr) {
            let Some((local, remote)) = &self.swap else { return };
            if same_machine(peer, || stream.local_addr().ok()) {
                return;
            }
            if tcp_congestion(stream).is_ok_and(|now| now == *local)
                && let Err(err) = set_tcp_congestion(stream, remote)
            {
                tracing::debug!(error = %err, %peer, "the connection keeps the listener's congestion control");
            }
        }
    }
}

/// Elsewhere the system's algorithm is left alone.
#[cfg(not(target_os = "linux"))]
mod elsewhere {
    #[derive(Debug, Default)]
    pub(in crate::server) struct LocalPeersUnpaced;

    impl LocalPeersUnpaced {
        pub(in crate::server) fn of(_listener: &tokio::net::TcpListener) -> LocalPeersUnpaced {
            LocalPeersUnpaced
        }

        pub(in crate::server) fn accepted(&self, _stream: &tokio::net::TcpStream, _peer: std::net::SocketAddr) {}
    }

    pub(in crate::server) fn unpace_listener(_socket: &tokio::net::TcpSocket, _ipv4: bool) {}
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    #[test]
    fn same_machine_peers_are_loopback_or_the_local_address() {
        let at = |s: &str| s.parse::<SocketAddr>().expect("an address");
        assert!(same_machine(at("127.0.0.1:5000"), || Some(at("127.0.0.1:80"))));
        assert!(same_machine(at("127.8.9.10:5000"), || None));
        assert!(same_machine(at("[::1]:5000"), || Some(at("[::1]:80"))));
        assert!(same_machine(at("[::ffff:127.0.0.1]:5000"), || Some(at("[::ffff:127.0.0.1]:80"))));
        assert!(same_machine(at("192.0.2.7:5000"), || Some(at("192.0.2.7:80"))));
        assert!(!same_machine(at("192.0.2.8:5000"), || Some(at("192.0.2.7:80"))));
        assert!(!same_machine(at("[2001:db8::8]:5000"), || Some(at("[2001:db8::7]:80"))));
        assert!(!same_machine(at("192.0.2.8:5000"), || None));
    }

    #[test]
    fn only_bbr_is_taken_for_pacing() {
        assert!(paces("bbr"));
        assert!(paces("bbr3"));
        assert!(!paces("cubic"));
        assert!(!paces("reno"));
    }

    /// On real sockets: on a host running BBR, a listener made by `server::listen` hands
    /// local peers an unpaced algorithm, and `accepted` gives a remote one BBR back. On a host
    /// whose algorithm does not pace there is nothing to do, and the test checks that nothing
    /// was done.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_listener_on_a_bbr_host_hands_local_peers_an_unpaced_algorithm() {
        use rustix::net::sockopt::tcp_congestion;
        use tokio::net::TcpStream;

        let system = tcp_congestion(tokio::net::TcpSocket::new_v4().expect("a socket")).expect("the system's algorithm");
        let listener = crate::server::listen("127.0.0.1:0".parse().expect("an address"), false).await.expect("a listener");
        let pacing = LocalPeersUnpaced::of(&listener);
        let listening = tcp_congestion(&listener).expect("the listener's algorithm");
        if !paces(&system) {
            eprintln!("this host's algorithm ({system}) does not pace: checking that nothing changed");
            assert_eq!(listening, system);
            return;
        }
        assert!(UNPACED.contains(&listening.as_str()), "the listener has {listening}");

        let address = listener.local_addr().expect("the listener's address");
        let _client = TcpStream::connect(address).await.expect("a connection");
        let (local, peer) = listener.accept().await.expect("an accepted connection");
        pacing.accepted(&local, peer);
        assert_eq!(tcp_congestion(&local).expect("the local peer's algorithm"), listening, "a local peer stays unpaced");

        // A remote peer cannot be made on one machine; the same connection taken for one
        // shows what `accepted` does with it.
        let _client = TcpStream::connect(address).await.expect("a connection");
        let (remote, _) = listener.accept().await.expect("an accepted connection");
        pacing.accepted(&remote, "192.0.2.8:5000".parse().expect("an address"));
        assert_eq!(tcp_congestion(&remote).expect("the remote peer's algorithm"), system, "a remote peer gets the system's back");

        // With `pace_local_connections`, the listener keeps the system's algorithm.
        let paced = crate::server::listen("127.0.0.1:0".parse().expect("an address"), true).await.expect("a listener");
        assert_eq!(tcp_congestion(&paced).expect("the listener's algorithm"), system);
        assert!(LocalPeersUnpaced::of(&paced).swap.is_none());
    }

    /// A listener made elsewhere keeps its algorithm, and its connections theirs.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_listener_made_elsewhere_is_left_alone() {
        use rustix::net::sockopt::tcp_congestion;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a listener");
        let before = tcp_congestion(&listener).expect("the listener's algorithm");
        let pacing = LocalPeersUnpaced::of(&listener);
        assert_eq!(tcp_congestion(&listener).expect("the listener's algorithm"), before);
        assert!(pacing.swap.is_none(), "{:?}", pacing.swap);
    }
}
