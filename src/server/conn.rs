//! What keeps hostile clients from holding connections: a watchdog that closes a
//! connection when it has been silent too long with no request in flight (before
//! its first byte, between keep-alive requests, on an HTTP/2 connection without
//! streams), a cap on connections per address, room made for a newcomer by closing
//! the connection idle the longest, and a quick "unavailable" for clients that come
//! when every connection is busy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// When a connection last moved a byte, and whether a request is in flight.
pub struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    spoke: AtomicBool,
    inflight: AtomicUsize,
}

impl Activity {
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            spoke: AtomicBool::new(false),
            inflight: AtomicUsize::new(0),
        })
    }

    fn touch(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last_ms.store(now, Ordering::Relaxed);
    }

    /// Since when the connection has been idle (no request in flight), if it is.
    fn idle_since(&self) -> Option<Instant> {
        (self.inflight.load(Ordering::SeqCst) == 0)
            .then(|| self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn request(self: &Arc<Activity>) -> InFlight {
        self.inflight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// Resolves when the connection has been silent, with no request in flight, for
    /// `first` before its first byte or `idle` after it.
    pub async fn idle(&self, first: Duration, idle: Duration) {
        loop {
            let limit = if self.spoke.load(Ordering::Relaxed) {
                idle
            } else {
                first
            };
            let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = self.start + last + limit;
            if Instant::now() >= deadline && self.inflight.load(Ordering::SeqCst) == 0 {
                return;
            }
            let wake = deadline.max(Instant::now() + Duration::from_millis(250));
            tokio::time::sleep_until(wake.into()).await;
        }
    }
}

/// A request in flight on a connection.
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.inflight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An I/O stream that reports every byte moved to its [`Activity`].
pub struct Watched<IO> {
    pub inner: IO,
    pub activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.spoke.store(true, Ordering::Relaxed);
            self.activity.touch();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The open connections, so that a newcomer can take the place of the one idle the
/// longest when the server is full.
#[derive(Default)]
pub struct Registry {
    next: AtomicU64,
    live: Mutex<HashMap<u64, Live>>,
}

/// A live connection: its activity, and how to ask it to close.
type Live = (Arc<Activity>, Arc<Notify>);

impl Registry {
    pub fn new() -> Arc<Registry> {
        Arc::new(Registry::default())
    }

    pub fn join(self: &Arc<Registry>, activity: &Arc<Activity>) -> Member {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.insert(id, (Arc::clone(activity), Arc::clone(&evict)));
        Member {
            id,
            evict,
            registry: Arc::clone(self),
        }
    }

    /// Asks the connection idle the longest to close; false if every one is busy.
    pub fn evict_idle(&self) -> bool {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        let oldest = live
            .iter()
            .filter_map(|(id, (a, _))| a.idle_since().map(|t| (t, *id)))
            .min();
        match oldest.and_then(|(_, id)| live.remove(&id)) {
            Some((_, evict)) => {
                evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A connection's entry in the [`Registry`], removed on drop.
pub struct Member {
    id: u64,
    evict: Arc<Notify>,
    registry: Arc<Registry>,
}

impl Member {
    /// Resolves when the server needs this connection's place.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let mut live = self.registry.live.lock().unwrap_or_else(|p| p.into_inner());
        live.remove(&self.id);
    }
}

/// Open connections per client address, capped.
pub struct PerAddress {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerAddress {
    pub fn new(max: usize) -> Arc<PerAddress> {
        Arc::new(PerAddress {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `ip`, if it has fewer than the cap. An
    /// IPv6 address counts as its /64 (one subscriber's network: she may hold many
    /// of its addresses), an IPv4-mapped one as its IPv4 address.
    pub fn enter(self: &Arc<PerAddress>, ip: IpAddr) -> Option<AddressSlot> {
        let ip = limit_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            ip,
            table: Arc::clone(self),
        })
    }
}

/// The key an address is counted under (see [`Peer::network`]).
fn limit_key(ip: IpAddr) -> IpAddr {
    crate::vault::attempts::Peer::new(ip).network()
}

/// One connection's place in [`PerAddress`], given back on drop.
pub struct AddressSlot {
    ip: IpAddr,
    table: Arc<PerAddress>,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_capped_and_places_come_back() {
        let table = PerAddress::new(2);
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let one = table.enter(a).unwrap();
        let _two = table.enter(a).unwrap();
        assert!(table.enter(a).is_none());
        assert!(table.enter(b).is_some());
        drop(one);
        assert!(table.enter(a).is_some());
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let table = PerAddress::new(2);
        let a: IpAddr = "2001:db8:1:2::10".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::99".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::10".parse().unwrap();
        let _one = table.enter(a).unwrap();
        let _two = table.enter(b).unwrap();
        assert!(table.enter(a).is_none(), "the /64 holds its two places");
        assert!(table.enter(other).is_some());
        let v4: IpAddr = "198.51.100.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        let _v4 = table.enter(v4).unwrap();
        let _mapped = table.enter(mapped).unwrap();
        assert!(
            table.enter(v4).is_none(),
            "a mapped address is its IPv4 address"
        );
    }
}
