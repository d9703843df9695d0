//! The fake posting webhooks: each account with a webhook runs a dispatcher that reads the
//! CRM's event feed past its cursor (whatever changed it: the admin routes, [`crate::FakeCrm`],
//! a write endpoint), turns the new events into entries
//! ([`payload`](crate::model::webhooks::payload)) and posts each destination the entries it
//! subscribed to, in one form body, retrying on the account's [`WebhookSchedule`] and
//! switching a destination off after repeated failures. Plain HTTP/1.1 only, written here
//! (no HTTP client dependency, no TLS): an `https://` destination's attempts fail.
//!
//! [`WebhookSchedule`]: crate::WebhookSchedule

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::model::tenant::Tenant;
use crate::model::webhooks::WebhookAttempt;
use crate::model::webhooks::payload::{self, Entry};
use crate::model::{lock, read};

/// How often a dispatcher looks at the feed when nobody woke it.
const TICK: Duration = Duration::from_millis(20);

/// Starts `tenant`'s dispatcher unless it runs already (on the current tokio runtime).
pub(crate) fn start(tenant: &Arc<Tenant>) {
    {
        let mut hooks = lock(&tenant.webhooks);
        if hooks.dispatching {
            return;
        }
        hooks.dispatching = true;
    }
    let weak = Arc::downgrade(tenant);
    tokio::spawn(async move {
        loop {
            // Held at most one tick: a server dropped ends its dispatcher.
            let Some(tenant) = weak.upgrade() else { return };
            let _ = tokio::time::timeout(TICK, tenant.changed.notified()).await;
            dispatch(&tenant);
        }
    });
}

/// Posts what changed since the cursor.
fn dispatch(tenant: &Arc<Tenant>) {
    let entries = {
        let crm = read(&tenant.crm);
        let mut hooks = lock(&tenant.webhooks);
        let from = hooks
            .cursor
            .unwrap_or(crm.events.len())
            .min(crm.events.len());
        hooks.cursor = Some(crm.events.len());
        payload::entries(&crm, &crm.events[from..])
    };
    if entries.is_empty() {
        return;
    }
    let mut deliveries: Vec<(String, Vec<&Entry>)> = Vec::new();
    {
        let hooks = lock(&tenant.webhooks);
        for entry in &entries {
            for destination in hooks.destinations_for(&entry.code) {
                match deliveries.iter_mut().find(|(d, _)| *d == destination) {
                    Some((_, list)) => list.push(entry),
                    None => deliveries.push((destination, vec![entry])),
                }
            }
        }
    }
    let self_link = format!("http://{}{}", tenant.local_addr, tenant.prefix);
    for (destination, list) in deliveries {
        let body = payload::form(&list, (tenant.account_id, &tenant.subdomain), &self_link);
        tokio::spawn(deliver(Arc::downgrade(tenant), destination, body));
    }
}

/// Posts `body` to `destination` until it answers 2xx, the schedule gives up, or the
/// destination is switched off or unsubscribed.
async fn deliver(tenant: Weak<Tenant>, destination: String, body: String) {
    for attempt in 1.. {
        let timeout = {
            let Some(tenant) = tenant.upgrade() else {
                return;
            };
            if !lock(&tenant.webhooks).is_live(&destination) {
                return;
            }
            tenant.webhook_schedule.timeout
        };
        let answer = tokio::time::timeout(timeout, post(&destination, &body)).await;
        let status = answer.ok().flatten();
        let Some(tenant) = tenant.upgrade() else {
            return;
        };
        let schedule = &tenant.webhook_schedule;
        let record = WebhookAttempt {
            destination: destination.clone(),
            attempt,
            status,
            body: body.clone(),
        };
        let switched_off = lock(&tenant.webhooks).record(record, schedule, Instant::now());
        if matches!(status, Some(100..=299)) || switched_off {
            return;
        }
        let Some(wait) = schedule.retry_after(attempt, status) else {
            return;
        };
        drop(tenant);
        tokio::time::sleep(wait).await;
    }
}

/// POSTs `body` as amoCRM does (form-encoded, `Connection: close`) and reads the answer's
/// status line; `None` when there is no answer (no connection, not HTTP, not `http://`).
async fn post(destination: &str, body: &str) -> Option<u16> {
    let url = url::Url::parse(destination).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let authority = format!("{}:{}", url.host_str()?, url.port_or_known_default()?);
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut stream = TcpStream::connect(&authority).await.ok()?;
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         User-Agent: amoCRM-Webhooks (amocrm-fake)\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    while !answer.windows(2).any(|w| w == b"\r\n") && answer.len() < 4096 {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let line = std::str::from_utf8(&answer).ok()?.lines().next()?;
    let mut parts = line.split(' ');
    parts.next().filter(|v| v.starts_with("HTTP/1."))?;
    parts.next()?.parse().ok()
}
