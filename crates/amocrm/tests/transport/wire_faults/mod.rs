//! Faults of a server or a proxy, each against a loopback server writing exact bytes: every
//! one ends in a typed error that keeps its status, body and source, or in a recovery.

mod answers;
mod streams;

use amocrm_test_support::loopback;
use std::time::Duration;

use amocrm::AccountUrl;
use amocrm::widgets::{Settings, Widget};
use amocrm::{Error, RetryPolicy};
use amocrm_test_support::loopback::{Reply, Server, client, quick_retries, response};
use futures::StreamExt;

const WIDGET_CUT: &str = r#"{"id":7,"code":"w7","version":"1.0","rating":"2,8","settings_te"#;

async fn get_error(reply: Reply) -> (Error, usize) {
    let server = Server::always(reply).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let error = client.widgets().get("w7").send().await.unwrap_err();
    (error, server.count())
}

fn pages_server(
    total: u32,
    fault: impl Fn(u32, usize) -> Option<Reply> + Send + Sync + 'static,
) -> impl Fn(usize, &loopback::Seen) -> Reply + Send + Sync + 'static {
    // `fault(page, how many times this page was asked before)`.
    let asked = std::sync::Mutex::new(std::collections::HashMap::<u32, usize>::new());
    move |_, seen| {
        let page = loopback::page_of(&seen.target);
        let limit = loopback::limit_of(&seen.target);
        let before = {
            let mut asked = asked.lock().unwrap();
            let n = asked.entry(page).or_default();
            *n += 1;
            *n - 1
        };
        if let Some(reply) = fault(page, before) {
            return reply;
        }
        match loopback::page_json(page, limit, total) {
            Some(body) => loopback::json(&body),
            None => loopback::no_content(),
        }
    }
}

fn codes(widgets: &[Widget]) -> Vec<String> {
    widgets.iter().map(|w| w.code.clone()).collect()
}

fn expected(total: u32) -> Vec<String> {
    (1..=total).map(|i| format!("w{i}")).collect()
}

fn client_for(server: &Server) -> amocrm::Client {
    client(server.base_url(), RetryPolicy::disabled())
}
