//! The widget_backend example as a fleet: instances of it against the fake amoCRM, the real
//! PostgreSQL and Redis. The install through one instance; the uninstall hook, webhooks
//! and widget_request through the other; forged hooks, wrong webhook secrets and bad
//! install states refused with nothing changed or sent.
//!
//! The fake writes the notes: they are read back through its `GET /api/v4/leads/{id}/notes`
//! and their texts checked; faults on `POST …/notes` make a note refused (400) and one
//! whose answer is lost after the fake wrote it (outcome unknown, said as such).

mod fleet;
mod life;
mod local;

use std::time::Duration;

use amocrm::integration::AuthMode;
use amocrm::{AppCredentials, Domain, Integration};
use amocrm_fake::widget_request::sign;
use amocrm_fake::{BotKind, Fault, LeadChange};
use serde_json::json;

use fleet::*;

#[tokio::test]
async fn install_on_one_instance_hook_webhooks_and_widget_request_on_the_other() {
    let test = "install_on_one_instance_hook_webhooks_and_widget_request_on_the_other";
    let Some(fleet) = Fleet::new(test).await else {
        return;
    };
    let (a, b) = (
        fleet.start("instance-a", &[]).await,
        fleet.start("instance-b", &[]).await,
    );
    let fake = &fleet.fake;
    let (example, acc1) = (fake.default_account(), fake.account("acc1").expect("acc1"));

    // The install of both accounts through A, each with a state B issued: any instance
    // verifies any instance's state.
    for account in [example, acc1] {
        let (state, cookie) = fleet.state(&b).await;
        let (status, text) = fleet.install(&a, account, &state, &cookie).await;
        assert_eq!(status, 200, "{text}");
        assert!(
            text.contains(&format!("installed for {}", account.url())),
            "{text}"
        );
        assert_eq!(account.oauth_stats().authorization_code_grants, 1);
    }
    assert_eq!(fleet.pairs(example.url()).await, 1);
    assert_eq!(fleet.pairs(acc1.url()).await, 1);

    // The bot step reaches B, which has no tokens in memory: it takes the pair A saved,
    // reads the lead and its main contact, notes the lead and continues the bot.
    let (lead, pipeline, contact) = lead_with_contact(&fleet).await;
    // The lead's seeded notes: the backend's come after them.
    let seeded = fleet.notes(lead).await.len();
    let contact_name = fake
        .crm()
        .names(amocrm_fake::CrmEntity::Contacts)
        .into_iter()
        .find_map(|(id, name)| (id == contact).then_some(name))
        .expect("the contact's name");
    example.add_pending_continuation(BotKind::Salesbot, 42, "c-1");
    let body = widget_request(fake, json!(lead.to_string()), "c-1");
    let (status, reply) = fleet
        .post(format!("{}/widget_request", b.url), body.clone(), false)
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["continued"], true);
    assert_eq!(reply["instance"], "instance-b");
    assert_eq!(reply["account"], example.url());
    assert_eq!(
        (reply["lead_id"].as_i64(), reply["contact_id"].as_i64()),
        (Some(lead), Some(contact))
    );
    assert_eq!(reply["note"], "added");
    let text = format!("The bot's widget step ran for {contact_name} (instance-b)");
    let added = fleet.added_notes(lead, seeded).await;
    assert_eq!(added, [(reply["note_id"].as_i64().expect("its id"), text)]);
    let continued = example.continuations();
    assert_eq!(continued.len(), 1);
    assert_eq!(
        (continued[0].bot_id, continued[0].continue_id.as_str()),
        (42, "c-1")
    );
    assert_eq!(continued[0].body["data"]["contact"], contact_name.as_str());
    assert_eq!(continued[0].body["data"]["note"], "added");
    assert_eq!(example.oauth_stats().grants(), 1);

    // The same request again, through A: the replay guard in Redis refuses it, and nothing
    // is read, noted or continued.
    let (status, _) = fleet
        .post(format!("{}/widget_request", a.url), body, false)
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        (
            fleet.added_notes(lead, seeded).await.len(),
            example.continuations().len()
        ),
        (1, 1)
    );
    // A note amoCRM refuses: the bot is still continued, and told.
    let refused = fake.faults().add(note_fault(Fault::status(400)));
    example.add_pending_continuation(BotKind::Salesbot, 42, "c-2");
    let body = widget_request(fake, json!(lead), "c-2");
    let (status, reply) = fleet
        .post(format!("{}/widget_request", a.url), body, false)
        .await;
    assert_eq!((status, &reply["note"]), (200, &json!("failed")), "{reply}");
    assert_eq!(example.continuations()[1].body["data"]["note"], "failed");
    assert!(fake.faults().remove(refused));
    assert_eq!(fleet.added_notes(lead, seeded).await.len(), 1);
    // A note written whose answer is lost: not sent again, and said to be unknown, not
    // failed (it is on the lead).
    let cut = fake.faults().add(note_fault(Fault::cut()));
    example.add_pending_continuation(BotKind::Salesbot, 42, "c-6");
    let body = widget_request(fake, json!(lead), "c-6");
    let (status, reply) = fleet
        .post(format!("{}/widget_request", a.url), body, false)
        .await;
    assert_eq!(
        (status, &reply["note"]),
        (200, &json!("unknown")),
        "{reply}"
    );
    assert!(reply["note_id"].is_null(), "{reply}");
    assert_eq!(example.continuations()[2].body["data"]["note"], "unknown");
    assert!(fake.faults().remove(cut));
    let added = fleet.added_notes(lead, seeded).await;
    let text = format!("The bot's widget step ran for {contact_name} (instance-a)");
    assert_eq!(added.len(), 2, "{added:?}");
    assert_eq!(added[1].1, text);
    // No lead id in the data: refused before the token is spent.
    let body = json!({"token": sign(&claims("example"), SECRET), "data": {},
        "return_url": format!("{}/api/v4/salesbot/42/continue/c-3", fake.base_url())});
    let (status, _) = fleet
        .post(format!("{}/widget_request", a.url), body.to_string(), false)
        .await;
    assert_eq!(status, 400);

    // Webhooks: B's destination subscribed to stage changes; a stage change is posted by
    // the fake, answered at once, and B notes the lead.
    let destination = format!("{}/webhooks/{WEBHOOK_SECRET}", b.url);
    let subscribed = (fleet.http)
        .post(format!("{}/api/v4/webhooks", example.url()))
        .bearer_auth(example.token())
        .json(&json!({"destination": destination, "settings": ["status_lead"]}))
        .send()
        .await
        .expect("the fake answers");
    assert_eq!(subscribed.status(), 201);
    assert!(
        fake.crm()
            .update_lead(lead, &LeadChange::new().status(pipeline, 142))
    );
    // Two notes so far: c-1's and c-6's (c-2's was refused).
    eventually("the stage change's note", async || {
        fleet.added_notes(lead, seeded).await.len() == 3
    })
    .await;
    let said = &fleet.added_notes(lead, seeded).await[2].1;
    assert!(
        said.starts_with("Stage changed: ") && said.contains("→ 142 (noted by instance-b)"),
        "{said}"
    );
    eventually("the fake's attempt", async || {
        !example.webhook_attempts().is_empty()
    })
    .await;
    let delivered = example.webhook_attempts()[0].clone();
    assert_eq!((delivered.attempt, delivered.status), (1, Some(200)));

    // amoCRM's delivery again, to A this time: answered 200, no work (Redis saw it).
    let again = format!("{}/webhooks/{WEBHOOK_SECRET}", a.url);
    let (status, _) = fleet
        .post(again.clone(), delivered.body.clone(), true)
        .await;
    assert_eq!(status, 200);
    // A wrong secret: 404, the body not even remembered.
    let own = format!(
        "leads[status][0][id]={lead}&leads[status][0][status_id]=143&leads[status][0][old_status_id]=142\
         &account[id]={}&account[subdomain]=example",
        example.account_id()
    );
    let wrong = format!("{}/webhooks/wh-Secret_0123456789abcdeX", a.url);
    let (status, _) = fleet.post(wrong, own.clone(), true).await;
    assert_eq!(status, 404);
    let (status, _) = fleet
        .post(format!("{}/webhooks/short", a.url), own.clone(), true)
        .await;
    assert_eq!(status, 404);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fleet.added_notes(lead, seeded).await.len(),
        3,
        "a duplicate or a wrong secret made work"
    );
    // The same body with the right secret is new, then a duplicate on the other instance.
    let (status, _) = fleet.post(again, own.clone(), true).await;
    assert_eq!(status, 200);
    eventually("the posted change's note", async || {
        fleet.added_notes(lead, seeded).await.len() == 4
    })
    .await;
    let (status, _) = fleet.post(destination.clone(), own, true).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fleet.added_notes(lead, seeded).await.len(),
        4,
        "a duplicate made work"
    );

    // A forged delivery: example's admin (who sees the destination's URL and the secret
    // in it) names acc1's subdomain and a lead id, with example's own account id. Answered
    // 200, and no work: no note is sent to acc1. The same naming acc1's id: worked on.
    let notes_to_acc1 = || {
        (acc1.requests().iter())
            .filter(|r| r.method == "POST" && r.path.ends_with("/notes"))
            .count()
    };
    let posing = |id: i64, status: i64| {
        format!(
            "leads[status][0][id]=77&leads[status][0][status_id]={status}&leads[status][0][old_status_id]=1\
             &account[id]={id}&account[subdomain]=acc1"
        )
    };
    let forged = posing(example.account_id(), 142);
    let (status, _) = fleet.post(destination.clone(), forged, true).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(notes_to_acc1(), 0, "a forged delivery made work on acc1");
    let (status, _) = fleet
        .post(destination.clone(), posing(acc1.account_id(), 143), true)
        .await;
    assert_eq!(status, 200);
    eventually("acc1's own delivery worked on", async || {
        notes_to_acc1() == 1
    })
    .await;

    // Forged uninstall hooks to B: another signature, another client id (signed with the
    // secret, as if for another integration), another account's id under example's
    // signature. Each 401, each pair still there.
    let genuine = example.uninstall_hook_query();
    let signature = genuine.rsplit_once("signature=").expect("a signature").1;
    let flipped = if signature.ends_with('0') { "1" } else { "0" };
    let forged = [
        format!("{}{flipped}", &genuine[..genuine.len() - 1]),
        genuine.replace(amocrm_fake::DEFAULT_CLIENT_ID, "another-integration"),
        genuine.replace(
            &format!("account_id={}", example.account_id()),
            &format!("account_id={}", acc1.account_id()),
        ),
    ];
    for query in &forged {
        assert_ne!(query, &genuine);
        let (status, text, _) = fleet.get(format!("{}/oauth/disable?{query}", b.url)).await;
        assert_eq!(status, 401, "{query}: {text}");
    }
    assert_eq!(fleet.pairs(example.url()).await, 1);
    assert_eq!(fleet.pairs(acc1.url()).await, 1);

    // The real one, as amoCRM sends it (the account's tokens revoked first): 200, the
    // pair gone from PostgreSQL, acc1's kept.
    let status = example
        .send_uninstall_hook(&format!("{}/oauth/disable", b.url))
        .await
        .expect("B answers the hook");
    assert_eq!(status, 200);
    assert_eq!(fleet.pairs(example.url()).await, 0);
    assert_eq!(fleet.pairs(acc1.url()).await, 1);
    // The next call for the account fails clearly, on both instances, and continues
    // nothing.
    for (instance, id) in [(&b, "c-4"), (&a, "c-5")] {
        example.add_pending_continuation(BotKind::Salesbot, 42, id);
        let body = widget_request(fake, json!(lead), id);
        let (status, reply) = fleet
            .post(format!("{}/widget_request", instance.url), body, false)
            .await;
        // 410 Gone, said as such, whichever instance (B read no pair; A's kept pair was
        // refused and found deleted).
        assert_eq!(status, 410, "{reply}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("the account is not installed (uninstalled, or never installed): "),
            "{error}"
        );
    }
    assert_eq!(example.continuations().len(), 3);
    // A's refresh, refused, brought no pair back.
    assert_eq!(fleet.pairs(example.url()).await, 0);
    drop((a, b));
    fleet.drop_schema().await;
}

#[tokio::test]
async fn bad_install_states_are_refused_before_anything_is_sent() {
    let test = "bad_install_states_are_refused_before_anything_is_sent";
    let Some(fleet) = Fleet::new(test).await else {
        return;
    };
    let one = fleet
        .start("one", &[("WIDGET_STATE_LIFETIME_SECS", "2")])
        .await;
    let example = fleet.fake.default_account();

    // /oauth/start: each domain's consent page with the state; any other domain 400.
    for (domain, host) in [
        ("amocrm.ru", "www.amocrm.ru"),
        ("amocrm.com", "www.amocrm.com"),
        ("kommo.com", "www.kommo.com"),
    ] {
        let (status, _, location) = fleet
            .get(format!(
                "{}/oauth/start?domain={domain}&mode=post_message",
                one.url
            ))
            .await;
        assert_eq!(status, 302);
        let location = url::Url::parse(&location.expect("a Location")).expect("a URL");
        assert_eq!(
            (location.host_str(), location.path()),
            (Some(host), "/oauth")
        );
        let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
        assert_eq!(
            pairs[0],
            ("client_id".into(), amocrm_fake::DEFAULT_CLIENT_ID.into())
        );
        assert_eq!(pairs[1].0, "state");
        assert_eq!(pairs[2], ("mode".into(), "post_message".into()));
    }
    for bad in [
        "domain=evil.com",
        "domain=amocrm.ru&domain=kommo.com",
        "mode=redirect",
    ] {
        let (status, _, _) = fleet.get(format!("{}/oauth/start?{bad}", one.url)).await;
        assert_eq!(status, 400, "{bad}");
    }

    // States refused with 400: none, tampered, another integration's, expired.
    let (state, cookie) = fleet.state(&one).await;
    let parts: Vec<&str> = state.split('.').collect();
    let tampered = format!(
        "{}.{}.{}.{}x.{}",
        parts[0], parts[1], parts[2], parts[3], parts[4]
    );
    let other = Integration::builder()
        .app(AppCredentials::new(
            "another-integration",
            SECRET,
            amocrm_fake::DEFAULT_REDIRECT_URI,
        ))
        .build()
        .expect("an integration");
    let foreign = other
        .authorization_url(Domain::AmocrmRu, AuthMode::Popup)
        .expect("a URL");
    let ours_elsewhere = Integration::builder()
        .app(AppCredentials::new(
            amocrm_fake::DEFAULT_CLIENT_ID,
            "another-secret",
            "https://x.example/cb",
        ))
        .build()
        .expect("an integration");
    let forged = ours_elsewhere
        .authorization_url(Domain::AmocrmRu, AuthMode::Popup)
        .expect("a URL");
    for (what, bad) in [
        ("tampered", tampered.as_str()),
        ("another integration's", foreign.state()),
        ("signed with another secret", forged.state()),
        ("empty", ""),
    ] {
        let (status, text) = fleet.install(&one, example, bad, &cookie).await;
        assert_eq!(status, 400, "{what}: {text}");
    }
    let code = example.issue_authorization_code();
    let (status, _, _) = fleet
        .get(format!(
            "{}/oauth/callback?code={code}&referer=example.amocrm.ru",
            one.url
        ))
        .await;
    assert_eq!(status, 400, "no state");
    let (status, _, _) = fleet
        .get(format!(
            "{}/oauth/callback?error=access_denied&state={state}",
            one.url
        ))
        .await;
    assert_eq!(status, 400, "access denied");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, text) = fleet.install(&one, example, &state, &cookie).await;
    assert_eq!(status, 400, "expired: {text}");
    assert!(text.contains("expired"), "{text}");
    // Nothing reached amoCRM.
    assert!(
        fleet.fake.requests().is_empty(),
        "{:?}",
        fleet.fake.requests()
    );
    assert_eq!(example.oauth_stats().grants(), 0);

    // A fresh state installs.
    let (state, cookie) = fleet.state(&one).await;
    let (status, text) = fleet.install(&one, example, &state, &cookie).await;
    assert_eq!(status, 200, "{text}");
    drop(one);
    fleet.drop_schema().await;
}
