//! Widgets: list (pages, streams, limits), get, install (checked or not), uninstall.

use amocrm::Error;
use amocrm::error::Invalid;
use amocrm::widgets::{Credentials, Settings, SettingsFieldType};
use amocrm_fake::FakeServer;
use futures::{StreamExt, TryStreamExt};

use super::{api_requests, asterisk_settings, client};

#[tokio::test]
async fn list_pages_follow_next_links_and_end_with_204() {
    let fake = FakeServer::builder().widgets(1000).start().await.unwrap();
    let total = fake.widget_count();
    let client = client(&fake, fake.token());

    // 200: one page with HAL links.
    let first = client.widgets().list().limit(250).send().await.unwrap();
    assert_eq!(first.page, 1);
    assert_eq!(first.items.len(), 250);
    assert_eq!(first.next_page(), Some(2));
    assert!(first.links.this.as_deref().unwrap().contains("page=1"));

    // The stream yields every widget once, in order, across pages.
    let all: Vec<amocrm::widgets::Widget> = client
        .widgets()
        .list()
        .limit(250)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), total);
    let mut ids: Vec<i64> = all.iter().map(|w| w.id).collect();
    let in_order = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "no duplicates");
    assert_eq!(ids, in_order, "ordered as the server lists them");
    let pages = total.div_ceil(250);
    let list_requests = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v4/widgets")
        .count();
    assert_eq!(
        list_requests,
        1 + pages,
        "one request per page, none past the last"
    );

    // 204 past the end: an empty page.
    let past = client
        .widgets()
        .list()
        .limit(250)
        .page(99)
        .send()
        .await
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.next_page(), None);

    // Starting the stream past the end yields nothing.
    let none: Vec<_> = client.widgets().list().page(99).stream().collect().await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn list_rejects_out_of_range_limit_and_page_before_sending() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    for limit in [0, 251, 1000] {
        let error = client
            .widgets()
            .list()
            .limit(limit)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Invalid(Invalid::Limit { max: 250, .. })),
            "{error}"
        );
    }
    let error = client.widgets().list().page(0).send().await.unwrap_err();
    assert!(matches!(error, Error::Invalid(Invalid::Page)));
    let mut stream = client.widgets().list().limit(251).stream();
    assert!(matches!(stream.next().await, Some(Err(Error::Invalid(_)))));
    assert!(stream.next().await.is_none());
    assert_eq!(api_requests(&fake), 0, "nothing was sent");
    // The limits themselves are accepted.
    assert!(client.widgets().list().limit(1).send().await.is_ok());
    assert!(client.widgets().list().limit(250).send().await.is_ok());
}

#[tokio::test]
async fn get_returns_the_seed_widget_and_404_for_unknown_codes() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    let widget = client.widgets().get("amo_dropbox").send().await.unwrap();
    assert_eq!(widget.id, 742);
    assert_eq!(widget.version.as_deref(), Some("0.0.13"));
    let rating = widget.rating.as_ref().expect("a rating");
    assert_eq!(rating.as_str(), "2,8");
    assert_eq!(rating.value(), Some(2.8));
    assert_eq!(widget.settings_template[0].kind, SettingsFieldType::Custom);
    assert_eq!(widget.client_uuid, None);
    assert_eq!(widget.pipeline_id, None);
    assert!(widget.settings.is_none(), "not installed: no settings");
    assert!(
        widget
            .self_link
            .unwrap()
            .ends_with("/api/v4/widgets/amo_dropbox")
    );

    let missing = client
        .widgets()
        .get("no_such_widget")
        .send()
        .await
        .unwrap_err();
    match &missing {
        Error::NotFound(problem) => {
            assert_eq!(problem.status, 404);
            assert!(!problem.title.is_empty());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn install_persists_and_uninstall_removes() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());

    // 200: installed, settings echoed and typed; secrets redacted in Debug.
    let installed = client
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .checked()
        .send()
        .await
        .unwrap();
    assert_eq!(installed.is_active_in_account, Some(true));
    assert_eq!(installed.settings.as_ref().unwrap(), &asterisk_settings());
    assert!(!format!("{installed:?}").contains("eXaMp1E"));
    assert_eq!(
        fake.installed_settings("amo_asterisk").unwrap(),
        serde_json::json!({
            "login": "example", "password": "eXaMp1E",
            "phones": {"504141": "1039"}, "script_path": "https://example.com/"
        })
    );
    // Install state persists across calls.
    let again = client.widgets().get("amo_asterisk").send().await.unwrap();
    assert_eq!(again.is_active_in_account, Some(true));

    // 204: uninstalled.
    client
        .widgets()
        .uninstall("amo_asterisk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .widgets()
            .get("amo_asterisk")
            .send()
            .await
            .unwrap()
            .is_active_in_account,
        Some(false)
    );
    assert_eq!(fake.installed_settings("amo_asterisk"), None);

    // 404 on both.
    let install = client
        .widgets()
        .install("nope", &Settings::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(install, Error::NotFound(_)), "{install}");
    let uninstall = client.widgets().uninstall("nope").send().await.unwrap_err();
    assert!(matches!(uninstall, Error::NotFound(_)), "{uninstall}");
}

#[tokio::test]
async fn install_400_keeps_validation_errors() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    // Sent unchecked on purpose: the server's 400 with validation-errors.
    let settings = Settings::new().text("login", "example");
    let error = client
        .widgets()
        .install("amo_asterisk", &settings)
        .send()
        .await
        .unwrap_err();
    let Error::Api { problem } = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(problem.status, 400);
    let paths: Vec<&str> = problem
        .validation_errors
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    for key in ["password", "phones", "script_path"] {
        assert!(paths.iter().any(|p| p.contains(key)), "{key} in {paths:?}");
    }
    assert!(
        problem
            .validation_errors
            .iter()
            .all(|e| !e.code.is_empty() && !e.detail.is_empty())
    );
    assert_eq!(fake.installed_settings("amo_asterisk"), None);
}

#[tokio::test]
async fn install_checked_sends_nothing_when_settings_do_not_fit() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    let settings = Settings::new()
        .text("login", "example")
        .text("phones", "1039")
        .users_lp("password", [(1, Credentials::new("l", "p"))]);
    let error = client
        .widgets()
        .install("amo_asterisk", &settings)
        .checked()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Invalid(Invalid::Settings(ref p)) if p.len() == 3),
        "{error}"
    );
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 0, "no install request was sent");
}
