//! The threads that serve connections. Each runs a runtime of its own and keeps every
//! connection it is given until the connection ends, as nginx's worker processes do: no thread
//! steals another's work, so none wakes another to share it. With tokio's shared scheduler, two
//! threads on two processors woke each other some 5,000 times a second under load and took a
//! processor's share from everything else on the machine; one thread served small kept pages at
//! three quarters of nginx's rate; a thread a processor each with its own connections serves
//! them at nginx's (docs/PERFORMANCE.md, stop 45).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::connection::Connections;

/// How long a shutdown waits for requests in flight.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// A connection accepted and not yet served: the socket leaves the accepting runtime and is
/// taken up by the worker's.
pub(super) struct Accepted {
    pub(super) stream: std::net::TcpStream,
    pub(super) peer: SocketAddr,
    /// Held until the connection ends: the server's limit on connections at once.
    pub(super) permit: OwnedSemaphorePermit,
}

/// The serving threads, and how many connections each holds.
pub(super) struct Workers {
    inboxes: Vec<UnboundedSender<Accepted>>,
    live: Arc<[AtomicUsize]>,
    threads: Vec<JoinHandle<()>>,
    /// Where the search for the least busy worker starts: turns go round among equals.
    next: usize,
}

impl Workers {
    /// Starts `count` threads (at least one) serving with `connections`.
    pub(super) fn start(count: usize, connections: Connections) -> std::io::Result<Workers> {
        let count = count.max(1);
        let live: Arc<[AtomicUsize]> = (0..count).map(|_| AtomicUsize::new(0)).collect();
        let mut inboxes = Vec::with_capacity(count);
        let mut threads = Vec::with_capacity(count);
        for index in 0..count {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let (inbox, accepted) = unbounded_channel();
            let (connections, live) = (connections.clone(), live.clone());
            let thread = std::thread::Builder::new()
                .name(format!("dateline-serve-{index}"))
                .spawn(move || runtime.block_on(work(accepted, connections, live, index)))?;
            inboxes.push(inbox);
            threads.push(thread);
        }
        Ok(Workers { inboxes, live, threads, next: 0 })
    }

    /// Gives `accepted` to the worker with the fewest connections. With connections that ask
    /// alike, the workers' shares of the work stay even, and so do their readers' waits.
    pub(super) fn hand(&mut self, accepted: Accepted) {
        let index = least_busy(&self.live, self.next);
        self.next = (self.next + 1) % self.inboxes.len();
        self.live[index].fetch_add(1, Ordering::Relaxed);
        if let Err(refused) = self.inboxes[index].send(accepted) {
            // The worker is gone (it only stops at shutdown): the connection is closed.
            self.live[index].fetch_sub(1, Ordering::Relaxed);
            tracing::error!(worker = index, peer = %refused.0.peer, "no worker took the connection");
        }
    }

    /// Waits for every worker to finish what it holds (each lets requests in flight end, and
    /// closes idle connections at once), once no more connections are handed over.
    pub(super) async fn finish(self) {
        drop(self.inboxes);
        for thread in self.threads {
            if tokio::task::spawn_blocking(move || thread.join()).await.map_or(true, |joined| joined.is_err()) {
                tracing::error!("a serving thread ended in a panic");
            }
        }
    }
}

/// The worker holding the fewest connections; among equals the first from `start` on.
fn least_busy(live: &[AtomicUsize], start: usize) -> usize {
    let count = live.len();
    (0..count).map(|step| (start + step) % count).min_by_key(|&index| live[index].load(Ordering::Relaxed)).unwrap_or(0)
}

/// One worker: serves what it is handed until the server stops handing, then winds down.
async fn work(mut accepted: UnboundedReceiver<Accepted>, connections: Connections, live: Arc<[AtomicUsize]>, index: usize) {
    let graceful = GracefulShutdown::new();
    while let Some(Accepted { stream, peer, permit }) = accepted.recv().await {
        let live = live.clone();
        match tokio::net::TcpStream::from_std(stream) {
            Ok(stream) => {
                let connection = graceful.watch(connections.serve(stream, peer));
                tokio::spawn(async move {
                    // Ends when the client closes, a timeout hits, or the connection breaks: all
                    // ordinary for a public server, so only worth a debug line.
                    if let Err(err) = connection.await {
                        tracing::debug!(error = %err, %peer, "connection ended");
                    }
                    live[index].fetch_sub(1, Ordering::Relaxed);
                    drop(permit);
                });
            }
            Err(err) => {
                live[index].fetch_sub(1, Ordering::Relaxed);
                tracing::warn!(error = %err, %peer, "a connection could not be served");
            }
        }
    }
    // Requests in flight get a moment to finish; a client that holds on past it is cut off.
    if tokio::time::timeout(SHUTDOWN_DEADLINE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {} s; closing them", SHUTDOWN_DEADLINE.as_secs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding(counts: &[usize]) -> Vec<AtomicUsize> {
        counts.iter().map(|&count| AtomicUsize::new(count)).collect()
    }

    #[test]
    fn a_connection_goes_to_the_worker_holding_fewest_and_turns_go_round_among_equals() {
        assert_eq!(least_busy(&holding(&[3, 1, 2]), 0), 1);
        assert_eq!(least_busy(&holding(&[3, 1, 2]), 2), 1);
        assert_eq!([0, 1, 2].map(|start| least_busy(&holding(&[4, 4, 4]), start)), [0, 1, 2]);
        assert_eq!(least_busy(&holding(&[2, 0, 0]), 0), 1);
        assert_eq!(least_busy(&holding(&[0]), 5), 0);
    }
}
