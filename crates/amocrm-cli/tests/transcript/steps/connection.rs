//! Where the connection comes from: token sources, profiles, OAuth pairs in token
//! stores, and shared pacers.

use std::time::Duration;

use amocrm_fake::{FakeAccount, FakeServer, IssuedTokens};
use serde_json::json;

use crate::harness::{Step, Transcript, fake, path};
use crate::support::{TempDir, free_port};

pub async fn token_sources(t: &mut Transcript) {
    t.section("where the token comes from");
    let fake = fake(t, FakeServer::builder().token("main-token-Xq1"), "main").await;
    let dir = TempDir::new();
    t.mask(path(dir.path()), "<tmp>");
    let base = fake.base_url();
    let file = dir.file("a.token", "main-token-Xq1\n", 0o600);
    let shared = dir.file("shared.token", "main-token-Xq1", 0o644);
    let notepad = dir.file("notepad.token", "\u{feff}main-token-Xq1\r\n", 0o600);
    let empty = dir.file("empty.token", "\n", 0o600);
    let two = dir.file("two.token", "s3cr3t-first\ns3cr3t-second\n", 0o600);
    let missing = path(&dir.path().join("missing.token"));
    let folder = path(dir.path());
    let get = |flags: &str| {
        Step::sh(&format!(
            "--base-url {base} {flags} widgets get amo_dropbox"
        ))
    };
    for flags in [
        format!("--token-file {file}"),
        format!("--token-file {shared}"),
        format!("--token-file {notepad}"),
        format!("--token-file {empty}"),
        format!("--token-file {two}"),
        format!("--token-file {missing}"),
        format!("--token-file {folder}"),
        format!("--token main-token-Xq1 --token-file {file}"),
        format!("--token-file {file} --token-stdin"),
    ] {
        t.run("token file", get(&flags)).await;
    }
    let only_env = || Step::sh("widgets get amo_dropbox").env("AMOCRM_BASE_URL", &base);
    let steps = [
        (
            "AMOCRM_TOKEN_FILE",
            only_env().env("AMOCRM_TOKEN_FILE", &file),
        ),
        (
            "two token variables",
            only_env()
                .env("AMOCRM_TOKEN", "main-token-Xq1")
                .env("AMOCRM_TOKEN_FILE", &file),
        ),
        (
            "a flag wins over the variable of another source",
            get(&format!("--token-file {file}")).env("AMOCRM_TOKEN", "wrong-token"),
        ),
        (
            "the token on stdin",
            get("--token-stdin").stdin("main-token-Xq1\n"),
        ),
        ("nothing on stdin", get("--token-stdin").stdin("")),
        (
            "empty variables count as unset",
            only_env()
                .env("AMOCRM_TOKEN", "main-token-Xq1")
                .env("AMOCRM_SUBDOMAIN", "")
                .env("AMOCRM_DOMAIN", "")
                .env("AMOCRM_TOKEN_FILE", "")
                .env("AMOCRM_PROFILE", "")
                .env("AMOCRM_CONFIG", "")
                .env("AMOCRM_TIMEOUT", ""),
        ),
    ];
    for (title, step) in steps {
        t.run(title, step).await;
    }
    t.secret("s3cr3t");
}

pub async fn profiles(t: &mut Transcript) {
    t.section("profiles of the config file");
    let main = fake(t, FakeServer::builder().token("main-token-Xq1"), "main").await;
    let other = fake(t, FakeServer::builder().token("other-token-Zr2"), "other").await;
    let dir = TempDir::new();
    t.mask(path(dir.path()), "<profiles>");
    dir.file("amocrm/main.token", "main-token-Xq1\n", 0o600);
    let other_file = dir.file("tokens/other.token", "other-token-Zr2\n", 0o600);
    let (main_url, other_url) = (main.base_url(), other.base_url());
    let text = format!(
        "default_profile = \"main\"\n\n\
         [profiles.main]\nbase_url = \"{main_url}\"\ntoken_file = \"main.token\"\n\
         timeout = \"20s\"\n\n\
         [profiles.other]\nbase_url = \"{other_url}\"\ntoken_file = \"{other_file}\"\n\n\
         [profiles.stored]\nsubdomain = \"example\"\ndomain = \"kommo.com\"\n\
         token_store = \"example-tokens.json\"\n\n\
         [profiles.both]\nsubdomain = \"a\"\nbase_url = \"http://127.0.0.1:1\"\n\
         domain = \"kommo.com\"\ntoken_file = \"x\"\ntoken_store = \"y\"\n"
    );
    let config = dir.file("amocrm/config.toml", &text, 0o600);
    let bad_key = dir.file(
        "bad-key.toml",
        "[profiles.a]\nsubdomain = \"x\"\ntoken = \"s3cr3t-in-config\"\n",
        0o600,
    );
    let bad_value = dir.file(
        "bad-value.toml",
        "[profiles]\nwork = \"s3cr3t-token\"\n",
        0o600,
    );
    let bad_domain = dir.file("bad-domain.toml", "[profiles.a]\ndomain = \"ru\"\n", 0o600);
    let gone = dir.file(
        "gone.toml",
        "default_profile = \"gone\"\n[profiles.a]\n",
        0o600,
    );
    let huge = dir.file("huge.toml", &"#\n".repeat(600_000), 0o600);
    let missing = path(&dir.path().join("missing.toml"));
    let xdg = path(dir.path());
    let with_config = [("AMOCRM_CONFIG", config.as_str())];
    for (env, flags) in [
        (&with_config[..], String::new()),
        (&with_config, "--profile other".to_owned()),
        (
            &[("AMOCRM_CONFIG", &config), ("AMOCRM_PROFILE", "other")],
            "--profile main".to_owned(),
        ),
        (&[("XDG_CONFIG_HOME", &xdg)], "--profile other".to_owned()),
        (
            &[
                ("AMOCRM_CONFIG", &config),
                ("AMOCRM_TOKEN", "other-token-Zr2"),
            ],
            format!("--profile main --base-url {other_url}"),
        ),
        (
            &[("AMOCRM_CONFIG", &config), ("AMOCRM_BASE_URL", &other_url)],
            "--profile main".to_owned(),
        ),
        (
            &with_config,
            format!("--profile main --base-url {main_url}/"),
        ),
        (&with_config, "--profile nope".to_owned()),
        (&with_config, "--profile stored".to_owned()),
        (&with_config, "--profile both".to_owned()),
        (&[], "--profile main".to_owned()),
        (&[], format!("--config {missing}")),
        (&[("AMOCRM_CONFIG", &gone)], String::new()),
        (&[("AMOCRM_CONFIG", &bad_key)], "--profile a".to_owned()),
        (&[("AMOCRM_CONFIG", &bad_value)], String::new()),
        (&[("AMOCRM_CONFIG", &bad_domain)], String::new()),
        (&[], format!("--config {huge}")),
    ] {
        let mut step = Step::sh(&format!("{flags} widgets get amo_dropbox"));
        for (name, value) in env {
            step = step.env(name, *value);
        }
        t.run("profiles", step).await;
    }
    t.secret("s3cr3t");
}

/// The token endpoint's answer for `tokens`, as `amocrm auth import` reads it.
fn answer(tokens: &IssuedTokens) -> String {
    json!({
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
    })
    .to_string()
}

pub async fn auth(t: &mut Transcript) {
    t.section("OAuth pairs: auth import, status, login, refresh; stores and pacers");
    let builder = FakeServer::builder().accounts(["acc1", "acc2"]).widgets(3);
    let fake = fake(t, builder, "oauth").await;
    let acc1 = fake.account("acc1").expect("acc1");
    let acc2 = fake.account("acc2").expect("acc2");
    t.mask(amocrm_fake::DEFAULT_CLIENT_SECRET, "<client secret>");
    t.secret(amocrm_fake::DEFAULT_CLIENT_SECRET);
    t.mask(acc1.token(), "<acc1 token>");
    t.secret(acc1.token());
    let dir = TempDir::new();
    t.mask(path(dir.path()), "<tmp>");
    let store = path(&dir.path().join("tokens.json"));
    let plain = |account: &FakeAccount, line: &str| {
        Step::sh(line)
            .env("AMOCRM_BASE_URL", account.url())
            .env("AMOCRM_TOKEN_STORE", &store)
    };
    let oauth = |account: &FakeAccount, line: &str| {
        plain(account, line)
            .env("AMOCRM_CLIENT_ID", amocrm_fake::DEFAULT_CLIENT_ID)
            .env("AMOCRM_CLIENT_SECRET", amocrm_fake::DEFAULT_CLIENT_SECRET)
            .env("AMOCRM_REDIRECT_URI", amocrm_fake::DEFAULT_REDIRECT_URI)
    };
    let expired = acc1.issue_token_pair(Duration::ZERO);
    t.secret(&expired.access_token);
    t.secret(&expired.refresh_token);

    t.run("nothing stored", plain(acc1, "auth status")).await;
    t.run("nothing stored, JSON", plain(acc1, "--json auth status"))
        .await;
    t.run("nothing stored, refresh", oauth(acc1, "auth refresh"))
        .await;
    // What holds no pair is refused; what a grant keeps, an import keeps, with a warning.
    let (refused, kept) = (
        "not a token answer",
        "kept as a grant keeps it, with a warning",
    );
    for (title, body) in [
        (refused, "s3cr3t-not-json".to_owned()),
        (refused, r#"["s3cr3t"]"#.to_owned()),
        (
            refused,
            r#"{"access_token":"s3cr3t","expires_in":3600}"#.to_owned(),
        ),
        (
            kept,
            r#"{"access_token":"s3cr3t","refresh_token":"s3cr3t2","token_type":"Bearer"}"#
                .to_owned(),
        ),
        (
            kept,
            r#"{"access_token":"s3cr3t a","refresh_token":"r","expires_in":1}"#.to_owned(),
        ),
        (
            kept,
            r#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":5,"token_type":"mac"}"#
                .to_owned(),
        ),
        (
            kept,
            r#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":-5}"#.to_owned(),
        ),
        (refused, "x".repeat(70_000)),
    ] {
        t.run(title, plain(acc1, "auth import").stdin(body)).await;
    }
    let code2 = acc2.issue_authorization_code();
    t.mask(code2.clone(), "<code>");
    let code1 = acc1.issue_authorization_code();
    t.mask(code1.clone(), "<code>");
    let steps = [
        (
            "import an expired pair",
            plain(acc1, "auth import --expired").stdin(answer(&expired)),
        ),
        ("status: expired", plain(acc1, "auth status")),
        ("status: expired, JSON", plain(acc1, "--json auth status")),
        (
            "without the integration's credentials, nothing is sent",
            plain(acc1, "widgets list"),
        ),
        (
            "with them, the list refreshes the pair first",
            oauth(acc1, "--json widgets list"),
        ),
        ("status: fresh", plain(acc1, "auth status")),
        ("status: fresh, JSON", plain(acc1, "--json auth status")),
        (
            "the pair is used as it is",
            oauth(acc1, "widgets get amo_dropbox"),
        ),
        ("another account has none", plain(acc2, "auth status")),
        (
            "login without the credentials",
            plain(acc2, &format!("auth login --code {code2}")),
        ),
        (
            "login with an empty code",
            oauth(acc2, "auth login --code ' '"),
        ),
        (
            "login",
            oauth(acc2, &format!("--json auth login --code {code2}")),
        ),
        (
            "the code is single-use",
            oauth(acc2, &format!("auth login --code {code2}")),
        ),
    ];
    for (title, step) in steps {
        t.run(title, step).await;
    }
    // A refreshed pair expires later than the one it replaces: a second on.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let postgres = format!("postgres://amocrm:pw-Qx7@127.0.0.1:{}/amocrm", free_port());
    t.mask_port(&postgres.replace("amocrm:pw-Qx7@", ""), "no postgres");
    t.secret("pw-Qx7");
    let redis = format!("redis://:hunter2@127.0.0.1:{}/", free_port());
    t.mask_port(&redis.replace(":hunter2@", ""), "no redis");
    t.secret("hunter2");
    let with_token = |line: &str| {
        Step::sh(line)
            .env("AMOCRM_BASE_URL", acc1.url())
            .env("AMOCRM_TOKEN", acc1.token())
    };
    let no_token = |line: &str| Step::sh(line).env("AMOCRM_BASE_URL", acc1.url());
    let steps = [
        ("refresh", oauth(acc2, "auth refresh")),
        ("refresh, JSON", oauth(acc2, "--json auth refresh")),
        (
            "login, text",
            oauth(acc1, &format!("auth login --code {code1}")),
        ),
        (
            "a token and a token store on the command line",
            no_token(&format!(
                "--token {} --token-store {store} widgets list",
                acc1.token()
            )),
        ),
        (
            "a static token wins over AMOCRM_TOKEN_STORE",
            oauth(acc1, "widgets list").env("AMOCRM_TOKEN", acc1.token()),
        ),
        (
            "--token-table goes with PostgreSQL",
            plain(acc1, "--token-table x.y auth status"),
        ),
        (
            "an empty --token-store",
            no_token("--token-store ' ' auth status"),
        ),
        (
            "an unreachable PostgreSQL store",
            no_token(&format!(
                "--token-store {postgres} --token-table s.t auth status"
            )),
        ),
        (
            "a PostgreSQL URL that is not one",
            no_token("--token-store postgres://[::1 auth status"),
        ),
        (
            "an unreachable Redis: nothing is sent",
            with_token(&format!("--redis-url {redis} widgets list")),
        ),
        (
            "an unreachable Redis with the stored pair",
            oauth(acc1, "widgets get amo_dropbox").env("AMOCRM_REDIS_URL", &redis),
        ),
        (
            "an empty --redis-url",
            with_token("--redis-url ' ' widgets list"),
        ),
        (
            "a Redis URL that is not one",
            with_token("--redis-url mysql://x widgets list"),
        ),
        (
            "no config folder for the default store",
            no_token("auth status")
                .env("XDG_CONFIG_HOME", "")
                .env("HOME", ""),
        ),
    ];
    for (title, step) in steps {
        t.run(title, step).await;
    }
}
