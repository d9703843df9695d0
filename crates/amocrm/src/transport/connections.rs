//! The connections an account's requests came back over. A request on a connection its
//! account had not used paid the connection's setup (TCP, TLS) before its first byte
//! reached the server, so it may have arrived well after its slot, in the same second as
//! the requests behind it: the pacer is told ([`crate::pace::Pacer::reached_late`]).
//! Counted: the first answer over each connection, once, while the account keeps at most
//! [`KEPT`] connections busy (the least recently used beyond that is forgotten).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

use hyper_util::client::legacy::connect::HttpInfo;

/// How many connections an account remembers. reqwest's pool keeps every idle connection
/// of a host, so an account with many calls in flight answers over as many connections:
/// room for all of them (each touched on every answer), still bounded.
pub(crate) const KEPT: usize = 64;

/// The local ends of the connections answered over, least recently used at the front.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    seen: Mutex<VecDeque<SocketAddr>>,
}

impl Connections {
    /// Whether `response` came over a connection not seen before. Every answer touches
    /// its connection (the most recently used from now on), and past [`KEPT`] the least
    /// recently used is forgotten: an account counts one new connection per connection it
    /// opens, not one per answer, as long as it keeps at most [`KEPT`] busy. A response
    /// that does not say (no connection information) is not new; a new connection that
    /// happens to reuse the local port of one remembered is not counted.
    pub(crate) fn is_new(&self, response: &reqwest::Response) -> bool {
        let Some(info) = response.extensions().get::<HttpInfo>() else {
            return false;
        };
        self.touch(info.local_addr())
    }

    /// Marks `local` the most recently used; whether it was not remembered.
    fn touch(&self, local: SocketAddr) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = seen.iter().position(|known| *known == local) {
            seen.remove(at);
            seen.push_back(local);
            return false;
        }
        if seen.len() >= KEPT {
            seen.pop_front();
        }
        seen.push_back(local);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(n: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], n))
    }

    #[test]
    fn the_least_recently_used_is_forgotten_and_every_answer_touches_its_connection() {
        let connections = Connections::default();
        for n in 0..KEPT as u16 {
            assert!(connections.touch(port(n)));
        }
        // The first one answers again: it is the most recent now, the second the oldest.
        assert!(!connections.touch(port(0)));
        assert!(connections.touch(port(1000)));
        assert!(!connections.touch(port(0)), "the one in use was forgotten");
        assert!(
            connections.touch(port(1)),
            "the least recently used was kept"
        );
        // Port 2 made room for it; every one remembered answering again is not new.
        for n in (3..KEPT as u16).chain([0, 1, 1000]) {
            assert!(!connections.touch(port(n)), "{n}");
        }
        assert!(connections.seen.lock().unwrap().len() <= KEPT);
    }
}
