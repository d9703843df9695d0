//! The fake posting webhooks: each account with a webhook runs a dispatcher that reads the
//! CRM's event feed past its cursor (whatever changed it: the admin routes, [`crate::FakeCrm`],
//! a write endpoint), turns the new events into entries
//! ([`payload`](crate::model::webhooks::payload)) and posts each destination the entries it
//! subscribed to, in one form body, retrying on the account's [`WebhookSchedule`] and
//! switching a destination off after repeated failures. Plain HTTP only (no TLS client).
//!
//! [`WebhookSchedule`]: crate::WebhookSchedule

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

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
    let timeout = tenant.webhook_schedule.timeout;
    tokio::spawn(async move {
        let Ok(client) = reqwest::Client::builder().timeout(timeout).build() else {
            return;
        };
        loop {
            // Held at most one tick: a server dropped ends its dispatcher.
            let Some(tenant) = weak.upgrade() else { return };
            let _ = tokio::time::timeout(TICK, tenant.changed.notified()).await;
            dispatch(&tenant, &client);
        }
    });
}

/// Posts what changed since the cursor.
fn dispatch(tenant: &Arc<Tenant>, client: &reqwest::Client) {
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
        let (weak, client) = (Arc::downgrade(tenant), client.clone());
        tokio::spawn(deliver(weak, client, destination, body));
    }
}

/// Posts `body` to `destination` until it answers 2xx, the schedule gives up, or the
/// destination is switched off or unsubscribed.
async fn deliver(tenant: Weak<Tenant>, client: reqwest::Client, destination: String, body: String) {
    for attempt in 1.. {
        {
            let Some(tenant) = tenant.upgrade() else {
                return;
            };
            if !lock(&tenant.webhooks).is_live(&destination) {
                return;
            }
        }
        let answer = client
            .post(&destination)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await;
        let status = answer.ok().map(|r| r.status().as_u16());
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
