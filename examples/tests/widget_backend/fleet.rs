//! The fleet under test: the fake amoCRM, the instances of the example sharing PostgreSQL
//! and Redis, and what the tests ask of them.

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm_fake::widget_request::sign;
use amocrm_fake::{FakeAccount, FakeServer, Fault, WebhookSchedule};
use amocrm_test_support::loopback::free_port;
use amocrm_test_support::services::{self, reachable, unique};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_widget_backend");
pub const SECRET: &str = amocrm_fake::DEFAULT_CLIENT_SECRET;
pub const WEBHOOK_SECRET: &str = "wh-Secret_0123456789abcdef";

/// One running instance; killed when dropped.
pub struct Instance {
    pub url: String,
    _child: Child,
}

/// The fake, the environment every instance shares, and the test's PostgreSQL schema
/// (dropped at the end).
pub struct Fleet {
    pub fake: FakeServer,
    env: Vec<(String, String)>,
    pg: String,
    schema: String,
    pub http: reqwest::Client,
}

impl Fleet {
    /// `None` (the test skipped) without PostgreSQL or Redis.
    pub async fn new(test: &str) -> Option<Fleet> {
        let (pg, redis) = (services::postgres_url(), services::redis_url());
        for url in [&pg, &redis] {
            if let Err(why) = reachable(url).await {
                services::skip(test, &why, services::HOW_BOTH);
                return None;
            }
        }
        // The default account ("example") at the fake's root, acc1 under /acc1.
        let fake = FakeServer::builder()
            .account("acc1")
            .webhook_schedule(WebhookSchedule::compressed(3000))
            .start()
            .await
            .expect("the fake starts");
        let schema = unique("widget_backend_test");
        let env = [
            ("WIDGET_POSTGRES_URL", pg.clone()),
            ("WIDGET_TOKEN_TABLE", format!("{schema}.amocrm_tokens")),
            ("WIDGET_REDIS_URL", redis),
            ("WIDGET_REDIS_PREFIX", format!("{}:", unique("widget"))),
            ("WIDGET_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            (
                "AMOCRM_CLIENT_ID",
                amocrm_fake::DEFAULT_CLIENT_ID.to_owned(),
            ),
            ("AMOCRM_CLIENT_SECRET", SECRET.to_owned()),
            (
                "AMOCRM_REDIRECT_URI",
                amocrm_fake::DEFAULT_REDIRECT_URI.to_owned(),
            ),
            (
                "WIDGET_ACCOUNT_URL_TEMPLATE",
                format!("{}/{{subdomain}}", fake.base_url()),
            ),
            (
                "WIDGET_ACCOUNT_URLS",
                format!("example={}", fake.base_url()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let http = amocrm::client::http_client_builder()
            .expect("TLS")
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Some(Fleet {
            fake,
            env,
            pg,
            schema,
            http,
        })
    }

    pub async fn start(&self, name: &str, extra: &[(&str, &str)]) -> Instance {
        let port = free_port();
        let child = Command::new(BIN)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--instance", name])
            .args(["--metrics-listen", "127.0.0.1:0"])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the example runs");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if let Ok(answer) = self.http.get(format!("{url}/healthz")).send().await
                && answer.status() == 200
            {
                return Instance { url, _child: child };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{name} did not start listening on {url} within 10 s");
    }

    pub async fn get(&self, url: String) -> (u16, String, Option<String>) {
        let answer = self.http.get(url).send().await.expect("an answer");
        let location = answer
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap_or_default(), location)
    }

    pub async fn post(&self, url: String, body: String, form: bool) -> (u16, Value) {
        let kind = if form {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        let answer = self
            .http
            .post(url)
            .header("content-type", kind)
            .body(body)
            .send()
            .await
            .expect("an answer");
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or_default())
    }

    /// A fresh state from `instance`'s `/oauth/start`, and the cookie holding its nonce
    /// (`name=value`, as a browser sends it back).
    pub async fn state(&self, instance: &Instance) -> (String, String) {
        let answer = (self.http)
            .get(format!("{}/oauth/start?domain=amocrm.ru", instance.url))
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), 302);
        let cookie = answer.headers()["set-cookie"].to_str().expect("a cookie");
        let cookie = cookie.split(';').next().expect("name=value").to_owned();
        let location = answer.headers()["location"].to_str().expect("a Location");
        let location = url::Url::parse(location).expect("a URL");
        let state = location.query_pairs().find(|(k, _)| k == "state");
        (state.expect("a state").1.into_owned(), cookie)
    }

    /// The install redirect of `account` through `instance`, from the browser holding
    /// `cookie`: its status and text.
    pub async fn install(
        &self,
        instance: &Instance,
        account: &FakeAccount,
        state: &str,
        cookie: &str,
    ) -> (u16, String) {
        let code = account.issue_authorization_code();
        let referer = format!("{}.amocrm.ru", account.subdomain());
        let query = [
            ("code", code.as_str()),
            ("referer", referer.as_str()),
            ("state", state),
            ("platform", "1"),
            ("from_widget", "1"),
        ];
        let (status, text, _) = self.callback(instance, &query, Some(cookie)).await;
        (status, text)
    }

    /// `GET /oauth/callback` with `query`, and `cookie` when given: status, text and the
    /// `Set-Cookie` answered.
    pub async fn callback(
        &self,
        instance: &Instance,
        query: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> (u16, String, Option<String>) {
        let url = url::Url::parse_with_params(&format!("{}/oauth/callback", instance.url), query);
        let mut request = self.http.get(url.expect("a URL"));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let answer = request.send().await.expect("an answer");
        let set = answer.headers().get("set-cookie");
        let set = set.and_then(|v| v.to_str().ok()).map(str::to_owned);
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap_or_default(), set)
    }

    /// How many live pairs the shared table holds for the account at `base_url`.
    pub async fn pairs(&self, base_url: &str) -> i64 {
        use amocrm_postgres::tokio_postgres::{NoTls, connect};
        let (client, connection) = connect(&self.pg, NoTls).await.expect("PostgreSQL");
        tokio::spawn(connection);
        let sql = format!(
            "SELECT count(*) FROM \"{}\".amocrm_tokens WHERE account = $1 AND access_token IS NOT NULL",
            self.schema
        );
        let row = client.query_one(&sql, &[&base_url]).await.expect("a count");
        row.get(0)
    }

    /// The notes of `lead` in the default account, oldest first, read back through the
    /// fake's `GET /api/v4/leads/{id}/notes` (the seeded ones included).
    pub async fn notes(&self, lead: i64) -> Vec<Value> {
        let answer = (self.http)
            .get(format!(
                "{}/api/v4/leads/{lead}/notes?order[id]=asc&limit=250",
                self.fake.base_url()
            ))
            .bearer_auth(self.fake.token())
            .send()
            .await
            .expect("the fake answers");
        if answer.status() == 204 {
            return Vec::new();
        }
        assert_eq!(answer.status(), 200);
        let page: Value = answer.json().await.expect("a page of notes");
        assert!(
            page["_links"]["next"].is_null(),
            "more than a page of notes"
        );
        let notes = page["_embedded"]["notes"].as_array().expect("notes");
        notes.clone()
    }

    /// The notes added to `lead` after its `seeded` first ones (the backend's), each
    /// checked to be a common note of that lead: their ids and texts, oldest first.
    pub async fn added_notes(&self, lead: i64, seeded: usize) -> Vec<(i64, String)> {
        let notes = self.notes(lead).await;
        let added = notes
            .get(seeded..)
            .expect("the seeded notes are still there");
        (added.iter())
            .map(|note| {
                let kind = (note["note_type"].as_str(), note["entity_id"].as_i64());
                assert_eq!(kind, (Some("common"), Some(lead)), "{note}");
                let text = note["params"]["text"].as_str().expect("a text");
                (note["id"].as_i64().expect("an id"), text.to_owned())
            })
            .collect()
    }

    pub async fn drop_schema(self) {
        use amocrm_postgres::tokio_postgres::{NoTls, connect};
        if let Ok((client, connection)) = connect(&self.pg, NoTls).await {
            tokio::spawn(connection);
            let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
            let _ = client.batch_execute(&sql).await;
        }
    }
}

/// `fault` on the requests adding notes to a lead.
pub fn note_fault(fault: Fault) -> Fault {
    fault.route("POST", "/api/v4/leads/{id}/notes")
}

pub fn claims(subdomain: &str) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    json!({
        "iss": format!("https://{subdomain}.amocrm.ru"),
        "aud": "https://widget.example.com",
        "jti": unique("jti"),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "account_id": 123,
        "subdomain": subdomain,
        "bot_type": "salesbot",
    })
}

/// A widget_request body for `example`'s bot 42 step `continue_id`, naming `lead`.
pub fn widget_request(fake: &FakeServer, lead: Value, continue_id: &str) -> String {
    json!({
        "token": sign(&claims("example"), SECRET),
        "data": {"lead_id": lead},
        "return_url": format!("{}/api/v4/salesbot/42/continue/{continue_id}", fake.base_url()),
    })
    .to_string()
}

/// A lead of the default account with a main contact, open (not won, 142): (lead id,
/// pipeline id, contact id).
pub async fn lead_with_contact(fleet: &Fleet) -> (i64, i64, i64) {
    let fake = &fleet.fake;
    let answer = (fleet.http)
        .get(format!(
            "{}/api/v4/leads?with=contacts&limit=250",
            fake.base_url()
        ))
        .bearer_auth(fake.token())
        .send()
        .await
        .expect("the fake answers");
    let page: Value = answer.json().await.expect("a page of leads");
    let leads = page["_embedded"]["leads"].as_array().expect("leads");
    leads
        .iter()
        .find_map(|lead| {
            let contacts = lead["_embedded"]["contacts"].as_array()?;
            let main = contacts.iter().find(|c| c["is_main"] == true)?;
            if lead["status_id"] == 142 {
                return None;
            }
            Some((
                lead["id"].as_i64()?,
                lead["pipeline_id"].as_i64()?,
                main["id"].as_i64()?,
            ))
        })
        .expect("a seeded lead with a main contact")
}

/// Waits up to 5 s for `done`.
pub async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..250 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 5 s");
}
