//! widget_request: parsing the body, verifying the HS512 token and the return_url, replays,
//! and continuing the bot from it — end to end against the fake amoCRM server. What the
//! modules share (signing as amoCRM signs, the verifier, the fake's client) is here.

mod continuing;
mod replays;
mod return_url;
mod tokens;

use std::time::{SystemTime, UNIX_EPOCH};

use amocrm::bots::{BotKind, ContinueRequest, Handler};
use amocrm::error::WidgetRequestError;
use amocrm::widget_request::{
    ContinueUrl, ReplayGuard, ReplayGuardError, WidgetRequest, WidgetRequestVerifier,
};
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Domain, Error, ExposeSecret, RetryPolicy};
use amocrm_fake::FakeServer;
use amocrm_fake::widget_request::{Algorithm, base64url as b64, sign_segments, sign_with};
use amocrm_test_support::fake;
use base64::Engine as _;
use serde_json::{Value, json};

const SECRET: &str = "integration-secret-key";
const RETURN_URL: &str = "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims() -> Value {
    let now = now();
    json!({
        "iss": "https://example.amocrm.ru",
        "aud": "https://widget.example.com",
        "jti": "1c7d9a3e-0000-4000-8000-000000000001",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "account_id": 123,
        "subdomain": "example",
        "entity_id": "456",
        "entity_type": "leads",
        "bot_type": "salesbot",
    })
}

fn sign(claims: &Value) -> String {
    sign_with(claims, Algorithm::Hs512, SECRET)
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn request(token: &str, return_url: &str) -> WidgetRequest {
    WidgetRequest::from_value(json!({
        "token": token,
        "data": {"phone": "+79990000000"},
        "return_url": return_url,
    }))
    .unwrap()
}

fn verifier() -> WidgetRequestVerifier {
    WidgetRequestVerifier::new(SECRET)
}

fn verify_token(
    token: &str,
) -> Result<amocrm::widget_request::VerifiedWidgetRequest, WidgetRequestError> {
    verifier().verify(&request(token, RETURN_URL))
}

fn fake_client(fake: &FakeServer) -> Client {
    fake::client_builder(fake)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// A verifier for every domain, and a token without `iss`.
fn without_issuer() -> String {
    sign(&without(claims(), "iss"))
}

fn on(host: &str) -> String {
    format!("https://{host}/api/v4/salesbot/42/continue/a1b2c3")
}

#[derive(Debug, Default)]
struct Recorder {
    calls: std::sync::Mutex<Vec<(String, SystemTime)>>,
    fail: bool,
}

impl ReplayGuard for Recorder {
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> futures::future::BoxFuture<'a, Result<bool, ReplayGuardError>> {
        Box::pin(async move {
            if self.fail {
                return Err("redis is down".into());
            }
            let mut calls = self.calls.lock().unwrap();
            let fresh = calls.iter().all(|(seen, _)| seen != key);
            calls.push((key.to_owned(), until));
            Ok(fresh)
        })
    }
}

/// Signed by Python's `hmac`/`hashlib` (HS512, expires in 2100), not by this crate's code:
/// the verifier agrees with an independent implementation, not only with the signer above.
const FOREIGN_TOKEN: &str = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUuYW1vY3JtLnJ1IiwiaWF0IjoxNzAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMCwiYWNjb3VudF9pZCI6MTIzLCJzdWJkb21haW4iOiJleGFtcGxlIiwiYm90X3R5cGUiOiJzYWxlc2JvdCJ9.pB1okD7wmBloBm_QKbWExRCDbCoL8I7M-HB8hgHxMYbIw6GGWzwD1kMCn1lbOQp6dTUM-kfpmHYS_N2jUMCyzg";

/// A token whose header and payload are given as text, signed with the right secret.
fn sign_raw(header: &str, payload: &str) -> String {
    sign_segments(&format!("{header}.{payload}"), Algorithm::Hs512, SECRET)
}

/// An OAuth provider of the account `subdomain` on `domain`, with this file's client
/// secret and a store that keeps nothing (these tests exchange no code).
fn oauth_on(subdomain: &str, domain: Domain) -> amocrm::OAuth {
    amocrm::OAuth::builder()
        .account(AccountUrl::new(subdomain, domain))
        .app(AppCredentials::new(
            "integration",
            SECRET,
            "https://widget.example.com/oauth",
        ))
        .store(amocrm::store::TokenStoreFn::new(
            |_: amocrm::TokenPair| async { Ok::<(), std::io::Error>(()) },
        ))
        .build()
        .unwrap()
}
