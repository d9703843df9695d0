//! The connections an account's requests came back over. A request on a connection its
//! account had not used paid the connection's setup (TCP, TLS) before its first byte
//! reached the server, so it may have arrived well after its slot, in the same second as
//! the requests behind it: the pacer is told ([`crate::pace::Pacer::reached_late`]).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};

use hyper_util::client::legacy::connect::HttpInfo;

/// How many connections an account remembers (the pool keeps a few per host).
const KEPT: usize = 8;

/// The local ends of the connections seen last, newest at the back.
#[derive(Debug, Default)]
pub(crate) struct Connections {
    seen: Mutex<VecDeque<SocketAddr>>,
}

impl Connections {
    /// Whether `response` came over a connection not seen before (remembered from now
    /// on). A response that does not say (no connection information) is not new.
    pub(crate) fn is_new(&self, response: &reqwest::Response) -> bool {
        let Some(info) = response.extensions().get::<HttpInfo>() else {
            return false;
        };
        let local = info.local_addr();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(&local) {
            return false;
        }
        if seen.len() >= KEPT {
            seen.pop_front();
        }
        seen.push_back(local);
        true
    }
}
