//! The install bound to the browser that started it (the nonce cookie), a widget's install
//! without a state, a forged referer refused, and the webhook work bounded.

use std::time::Duration;

use amocrm_fake::Fault;

use super::fleet::*;

#[tokio::test]
async fn the_install_cookie_binds_the_state_and_a_widgets_install_needs_none() {
    let test = "the_install_cookie_binds_the_state_and_a_widgets_install_needs_none";
    let Some(fleet) = Fleet::new(test).await else {
        return;
    };
    // acc2 lives where example does: a referer naming acc2 gets example's token (forged).
    let urls = format!("example={0},acc2={0}", fleet.fake.base_url());
    let one = fleet
        .start("one", &[("WIDGET_ACCOUNT_URLS", urls.as_str())])
        .await;
    let example = fleet.fake.default_account();

    // /oauth/start's cookie: the nonce, HttpOnly, Secure (the redirect URI is https),
    // SameSite=Lax (amoCRM's redirect back carries it), only for /oauth.
    let answer = (fleet.http)
        .get(format!("{}/oauth/start", one.url))
        .send()
        .await
        .expect("an answer");
    let set = answer.headers()["set-cookie"].to_str().expect("a cookie");
    assert!(set.starts_with("amocrm_install_nonce="), "{set}");
    for attribute in ["; HttpOnly", "; Secure", "; SameSite=Lax", "; Path=/oauth"] {
        assert!(set.contains(attribute), "{attribute}: {set}");
    }

    // A state without its cookie, with another start's, with an empty one: 400, nothing
    // sent to amoCRM.
    let (state, cookie) = fleet.state(&one).await;
    let (_, another) = fleet.state(&one).await;
    let code = example.issue_authorization_code();
    let with_state = [
        ("code", code.as_str()),
        ("referer", "example.amocrm.ru"),
        ("state", state.as_str()),
    ];
    for cookie in [None, Some(another.as_str()), Some("amocrm_install_nonce=")] {
        let (status, text, _) = fleet.callback(&one, &with_state, cookie).await;
        assert_eq!(status, 400, "{cookie:?}: {text}");
        assert!(text.contains("not issued to this session"), "{text}");
    }
    // No state and not a widget's: 400.
    let bare = [("code", code.as_str()), ("referer", "example.amocrm.ru")];
    let (status, text, _) = fleet.callback(&one, &bare, Some(&cookie)).await;
    assert_eq!(status, 400, "{text}");
    assert!(
        fleet.fake.requests().is_empty(),
        "{:?}",
        fleet.fake.requests()
    );
    assert_eq!(example.oauth_stats().grants(), 0);

    // A widget's install (from_widget, no state, no cookie): installed.
    let widget = [
        ("code", code.as_str()),
        ("referer", "example.amocrm.ru"),
        ("platform", "1"),
        ("from_widget", "1"),
    ];
    let (status, text, _) = fleet.callback(&one, &widget, None).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("(from the widget, without a state)"),
        "{text}"
    );
    assert_eq!(fleet.pairs(example.url()).await, 1);

    // The state with its own cookie: installed, the cookie cleared.
    let code = example.issue_authorization_code();
    let with_state = [
        ("code", code.as_str()),
        ("referer", "example.amocrm.ru"),
        ("state", state.as_str()),
    ];
    let (status, text, set) = fleet.callback(&one, &with_state, Some(&cookie)).await;
    assert_eq!(status, 200, "{text}");
    let set = set.expect("the cookie cleared");
    assert!(set.starts_with("amocrm_install_nonce=; Max-Age=0"), "{set}");

    // A forged referer (acc2 named, example's code): 403, nothing stored for acc2.
    let (state, cookie) = fleet.state(&one).await;
    let code = example.issue_authorization_code();
    let forged = [
        ("code", code.as_str()),
        ("referer", "acc2.amocrm.ru"),
        ("state", state.as_str()),
    ];
    let (status, text, _) = fleet.callback(&one, &forged, Some(&cookie)).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("not acc2"), "{text}");
    drop(one);
    fleet.drop_schema().await;
}

#[tokio::test]
async fn webhook_work_is_bounded_and_a_refused_delivery_comes_again() {
    let test = "webhook_work_is_bounded_and_a_refused_delivery_comes_again";
    let Some(fleet) = Fleet::new(test).await else {
        return;
    };
    let one = fleet.start("one", &[("WIDGET_WEBHOOK_WORKERS", "1")]).await;
    let (fake, example) = (&fleet.fake, fleet.fake.default_account());
    let (state, cookie) = fleet.state(&one).await;
    let (status, text) = fleet.install(&one, example, &state, &cookie).await;
    assert_eq!(status, 200, "{text}");
    let (lead, _, _) = lead_with_contact(&fleet).await;
    let seeded = fleet.notes(lead).await.len();
    let notes_sent = || {
        (example.requests().iter())
            .filter(|r| r.method == "POST" && r.path.ends_with("/notes"))
            .count()
    };
    let body = |status: i64| {
        format!(
            "leads[status][0][id]={lead}&leads[status][0][status_id]={status}\
             &leads[status][0][old_status_id]=1&account[id]={}&account[subdomain]=example",
            example.account_id()
        )
    };
    let url = format!("{}/webhooks/{WEBHOOK_SECRET}", one.url);

    // The one worker busy on a slow note: the next delivery is 503 (amoCRM delivers it
    // again), a wrong secret still 404.
    let slow = fake
        .faults()
        .add(note_fault(Fault::latency(Duration::from_millis(1500))));
    let (status, _) = fleet.post(url.clone(), body(201), true).await;
    assert_eq!(status, 200);
    eventually("the first note sent", async || notes_sent() == 1).await;
    let (status, _) = fleet.post(url.clone(), body(202), true).await;
    assert_eq!(status, 503);
    let wrong = format!("{}/webhooks/wh-Secret_0123456789abcdeX", one.url);
    let (status, _) = fleet.post(wrong, body(202), true).await;
    assert_eq!(status, 404);
    assert!(fake.faults().remove(slow));

    // amoCRM's next attempt, once the worker is free: not taken for a duplicate (the 503
    // remembered nothing), worked on.
    let mut answered = 0;
    for _ in 0..100 {
        answered = fleet.post(url.clone(), body(202), true).await.0;
        if answered != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answered, 200);
    eventually("both notes", async || {
        fleet.added_notes(lead, seeded).await.len() == 2
    })
    .await;
    let added = fleet.added_notes(lead, seeded).await;
    assert!(
        added[1].1.starts_with("Stage changed: 1 → 202"),
        "{added:?}"
    );
    drop(one);
    fleet.drop_schema().await;
}
