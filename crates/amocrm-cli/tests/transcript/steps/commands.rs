//! The commands and their help: widgets, bot continue, account, completions, usage errors.

use amocrm_fake::{BotKind, FakeClock, FakeServer};

use crate::harness::{Step, Transcript, fake};

pub async fn help(t: &mut Transcript) {
    t.section("help, version and the command line's shape");
    for line in [
        "--help",
        "-h",
        "--version",
        "help",
        "help widgets list",
        "widgets --help",
        "widgets list --help",
        "widgets list -h",
        "widgets get --help",
        "widgets install --help",
        "widgets uninstall --help",
        "bot --help",
        "bot continue --help",
        "bot continue -h",
        "account --help",
        "completions --help",
        "auth --help",
        "auth import --help",
        "auth login --help",
        "auth status --help",
        "auth refresh --help",
        "",
        "widgets",
        "bot",
        "auth",
    ] {
        t.run("help", Step::sh(line)).await;
    }
}

pub async fn completions(t: &mut Transcript) {
    t.section("shell completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish", "tcsh"] {
        t.run(shell, Step::new(&["completions", shell])).await;
    }
}

pub async fn usage_errors(t: &mut Transcript) {
    t.section("usage and input errors, exit 2 before sending");
    let fake = fake(t, FakeServer::builder().widgets(0), "fake").await;
    for line in [
        "widgets list --page abc",
        "widgets frobnicate",
        "widgets get",
        "widgets list --limit 300",
        "widgets list --all --limit 300",
        "widgets list --page 0",
        "widgets list --limit 0",
        "bot continue chatbot 1 c",
        "bot continue salesbot x c",
        "bot continue salesbot 1 c --goto sideways:2",
        "bot continue salesbot 1 c --goto finish",
        "bot continue salesbot 1 c --button orphan",
        "account --with everything",
        "--timeout soon widgets list",
        "--timeout 0s widgets list",
        "--timeout 2h widgets list",
        "--domain example.org widgets list",
        "--token '  ' widgets list",
        "--client-secret ' ' widgets list",
        "--progress=sometimes widgets list",
    ] {
        t.run("usage", Step::sh(line).on(&fake)).await;
    }
    let base = fake.base_url();
    let token = fake.token();
    let steps = [
        (
            "both account flags",
            Step::sh(&format!(
                "--base-url {base} --subdomain example widgets list"
            ))
            .env("AMOCRM_TOKEN", token),
        ),
        (
            "both account variables",
            Step::sh("widgets list")
                .env("AMOCRM_BASE_URL", &base)
                .env("AMOCRM_SUBDOMAIN", "example")
                .env("AMOCRM_TOKEN", token),
        ),
        (
            "no account",
            Step::sh("widgets list").env("AMOCRM_TOKEN", token),
        ),
        (
            "no token",
            Step::sh(&format!("--base-url {base} widgets list")),
        ),
        (
            "an empty token variable is no token",
            Step::sh(&format!("--base-url {base} widgets list")).env("AMOCRM_TOKEN", ""),
        ),
    ];
    for (title, step) in steps {
        t.run(title, step).await;
    }
    for (what, flags) in [
        ("a subdomain with spaces", "--subdomain 'Not A Subdomain'"),
        (
            "a host on another domain",
            "--subdomain ex.kommo.com --domain amocrm.ru",
        ),
        ("a host on no amoCRM domain", "--subdomain ex.example.org"),
        (
            "a domain with a base URL",
            "--base-url http://127.0.0.1:1 --domain kommo.com",
        ),
        ("plain http off loopback", "--base-url http://example.com"),
        ("not http", "--base-url ftp://example.com"),
        (
            "user info in the base URL",
            "--base-url https://user:pw@example.com",
        ),
    ] {
        let step = Step::sh(&format!("{flags} widgets get x")).env("AMOCRM_TOKEN", "tok-u");
        t.run(what, step).await;
    }
    let long = "x".repeat(81);
    t.run(
        "bot continue: the handlers are checked before the account",
        Step::sh(&format!("bot continue salesbot 1 abc --show-text {long}")),
    )
    .await;
}

pub async fn widgets(t: &mut Transcript) {
    t.section("widgets against the fake");
    let fake = fake(t, FakeServer::builder().widgets(10), "fake").await;
    for line in [
        "widgets list",
        "widgets list --limit 5",
        "--json widgets list --limit 4 --page 1",
        "widgets list --limit 5 --page 2 --progress",
        "widgets list --limit 5 --page 3 --progress=always",
        "widgets list --page 9 --progress",
        "widgets list --all --limit 4 --progress",
        "--json widgets list --all --limit 6 --page 2 --progress",
        "widgets list --all --progress=never",
        "widgets get amo_asterisk",
        "widgets get amo_dropbox",
        "--json widgets get amo_dropbox",
        "widgets get no_such_widget",
        "widgets get 'bad code!'",
        "widgets install amo_asterisk --set login=example --set password=eXaMp1E \
         --set-json 'phones={\"504141\":\"1039\"}' --set script_path=https://example.com/",
        "--json widgets install widget_00004 --set-json \
         'accounts={\"504141\":{\"login\":\"operator\",\"password\":\"s3cret-pw\"}}' \
         --set domain=example.org",
        "widgets install amo_mailchimp --set login=example --set password=hunter22",
        "widgets install amo_mailchimp --set login=example --set password=hunter22 \
         --set phones=1039 --set typo=1 --set login=again --set-json sip={ --set nothing",
        "widgets install amo_dropbox --set typo=1",
        "widgets install widget_00001 --set api_key=k-1",
        "widgets get widget_00001",
        "widgets uninstall widget_00001",
        "--json widgets uninstall widget_00001",
        "widgets uninstall no_such_widget",
        "-v widgets get amo_dropbox",
    ] {
        t.run("widgets", Step::sh(line).on(&fake)).await;
    }
    for secret in ["eXaMp1E", "s3cret-pw", "hunter22"] {
        t.secret(secret);
    }
    let step = Step::sh("widgets install amo_dropbox")
        .env("AMOCRM_BASE_URL", fake.base_url())
        .env("AMOCRM_TOKEN", fake.user_token());
    t.run("a read-only user cannot install", step).await;
    let step = Step::sh(&format!(
        "--base-url {} --token bad-token-Zq9x7 widgets list",
        fake.base_url()
    ));
    t.run("a bad token", step).await;
}

pub async fn bots(t: &mut Transcript) {
    t.section("bot continue");
    let fake = fake(t, FakeServer::builder().widgets(0), "fake").await;
    fake.add_pending_continuation(BotKind::Salesbot, 123, "abc");
    fake.add_pending_continuation(BotKind::Marketingbot, 7, "m-1");
    let long = "x".repeat(81);
    let eleven: Vec<String> = (0..11).map(|i| format!("--show-text t{i}")).collect();
    for line in [
        "bot continue salesbot 123 abc --data status=success --data-json count=3 \
         --show-text 'Здесь текст' --show-buttons 'Нажми на кнопку' --button '1ая кнопка' \
         --button '2ая кнопка' --goto question:5 --show-buttons-url 'Кнопки со ссылками' \
         --button-url https://amocrm.ru --button-url https://amocrm.com"
            .to_owned(),
        "--json bot continue salesbot 123 abc".to_owned(),
        "--json bot continue marketingbot 7 m-1 --goto finish:2".to_owned(),
        format!("bot continue salesbot 123 abc --show-text {long}"),
        "bot continue salesbot 123 abc --show-buttons 'no buttons'".to_owned(),
        "bot continue salesbot 123 abc --show-buttons-url x --button-url 'not a url'".to_owned(),
        "bot continue salesbot 123 abc --data-json x={ --data novalue --data a=1 \
         --data-json a=2"
            .to_owned(),
        "bot continue salesbot 123 abc --button-url https://a.example --show-buttons-url x"
            .to_owned(),
        format!("bot continue salesbot 123 abc {}", eleven.join(" ")),
    ] {
        t.run("bot", Step::sh(&line).on(&fake)).await;
    }
}

pub async fn account(t: &mut Transcript) {
    t.section("account");
    let fake = fake(t, FakeServer::builder().widgets(0), "fake").await;
    for line in [
        "account",
        "--json account",
        "account --with amojo_id,users_groups --with version",
        "account --with task_types,entity_names,datetime_settings,amojo_rights",
        "--json account --with amojo_id,users_groups --with version",
    ] {
        t.run("account", Step::sh(line).on(&fake)).await;
    }
}

/// Last, so that adding it kept the numbers of every step before it.
pub async fn pipelines(t: &mut Transcript) {
    t.section("pipelines");
    let fake = fake(t, FakeServer::builder().widgets(0).pipelines(3), "fake").await;
    for line in [
        "pipelines --help",
        "pipelines get --help",
        "pipelines",
        "pipelines list",
        "--json pipelines list",
        "pipelines list --page 2",
        "pipelines get 3177729",
        "--json pipelines get 3177729",
        "pipelines get 42",
        "--json pipelines get 42",
        "pipelines get 0",
        "pipelines get 9223372036854775808",
        "pipelines get main",
    ] {
        t.run("pipelines", Step::sh(line).on(&fake)).await;
    }
    // Read-only: any user of the account may list them.
    let step = Step::sh("pipelines list").env("AMOCRM_BASE_URL", fake.base_url());
    t.run(
        "a user's token",
        step.env("AMOCRM_TOKEN", fake.user_token()),
    )
    .await;
}

/// `webhooks`: subscribe, list, resubscribe, unsubscribe, and what is refused.
pub async fn webhooks(t: &mut Transcript) {
    t.section("webhooks");
    // A clock that stands still: the webhooks' created_at and updated_at are the same each run.
    let clock = FakeClock::manual(1_575_296_400);
    let fake = fake(t, FakeServer::builder().widgets(0).clock(clock), "fake").await;
    for line in [
        "webhooks --help",
        "webhooks subscribe --help",
        "webhooks list",
        "webhooks subscribe https://example.com/hooks/a1 --events add_lead,status_lead --sort 3",
        "webhooks subscribe https://example.com/other --events update_contact,add_unsorted",
        "webhooks list",
        "--json webhooks list --destination https://example.com/other",
        "webhooks subscribe https://example.com/hooks/a1 --events delete_lead",
        "webhooks unsubscribe https://example.com/other",
        "webhooks list",
        "webhooks unsubscribe https://example.com/other",
        "webhooks subscribe /relative --events add_lead",
        "webhooks subscribe https://example.com/h --events ''",
        "webhooks subscribe https://example.com/h",
    ] {
        t.run("webhooks", Step::sh(line).on(&fake)).await;
    }
}
