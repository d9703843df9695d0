//! The request path, room by room of its behaviour: one path for every call (the raw
//! client included), retries, the rate limiter, the HTTP options no one can undo, TLS,
//! and the faults of servers and proxies.

mod fault_recovery;
mod http_config;
mod one_path;
mod retries;
mod wire_faults;
