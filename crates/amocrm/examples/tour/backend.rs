//! The tour's backend part: OAuth with the fake's authorization code, an `Integration`,
//! and a widget_request verified and its bot continued.

use amocrm::bots::{ContinueRequest, Handler};
use amocrm::store::MemoryTokenStore;
use amocrm::widget_request::WidgetRequest;
use amocrm::{AccountUrl, AppCredentials, Domain, Integration, OAuth};
use amocrm_fake::{BotKind as FakeBot, FakeServer, WidgetRequestSigner};
use serde_json::json;

use crate::step;

/// OAuth, then an integration installed by the account, then a bot's widget step.
pub async fn backend(fake: &FakeServer) -> Result<(), Box<dyn std::error::Error>> {
    // The integration as registered in amoCRM: the fake has one (id, secret, redirect URI).
    let registered = fake.oauth_client();
    let app = AppCredentials::new(
        registered.client_id.clone(),
        registered.client_secret.clone(),
        registered.redirect_uri.clone(),
    );

    step("OAuth: the fake's authorization code exchanged for a token pair");
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(app.clone())
        .store(MemoryTokenStore::new())
        .build()?;
    oauth
        .exchange_code(&fake.issue_authorization_code())
        .await?;
    // The pair's Debug shows when it expires, never the tokens.
    println!("  pair: {:?}", oauth.tokens().await);
    let client = oauth.client_builder().build()?;
    let account = client.account().get().send().await?;
    println!("  account {} read with the OAuth token", account.id);

    step("Integration: every account that installs it, one cached client each");
    let base = fake.base_url();
    let integration = Integration::builder()
        .app(app)
        // amoCRM's accounts are https://{subdomain}.{domain}; the fake's is at its root.
        .account_url_for(move |_subdomain: &str, _domain: Domain| {
            AccountUrl::base_url(base.clone())
        })
        .build()?;
    // The install redirect's ?code=…&referer=example.amocrm.ru
    let code = fake.issue_authorization_code();
    let installed = integration.install(&code, "example.amocrm.ru").await?;
    println!(
        "  installed for {}; accounts: {:?}",
        installed.base_url(),
        integration.accounts()
    );

    step("A widget_request: verified once, then the bot continued");
    fake.add_pending_continuation(FakeBot::Salesbot, 43, "w-1");
    let return_url = fake.continue_url(FakeBot::Salesbot, 43, "w-1");
    // What amoCRM POSTs to the widget's backend, signed with the integration's secret.
    let body = fake
        .widget_request_signer()
        .body(json!({"lead_id": "10000001"}), &return_url);
    // Built once, cloned per request; the fake is on loopback, which only tests allow.
    let verifier = integration
        .widget_request_verifier()
        .allow_loopback_return_url(true);
    let verified = verifier
        .verify_once(&WidgetRequest::from_value(body.clone())?)
        .await?;
    let claims = verified.claims();
    println!(
        "  verified: account {} ({}), bot {:?}, data {:?}",
        claims.account_id,
        claims.subdomain,
        claims.bot_type,
        verified.data()
    );
    let client = integration.client_for(&verified)?;
    let answer = ContinueRequest::new()
        .data("status", "success")
        .handler(Handler::show_text("Done"));
    verified.continue_bot(&client, &answer).send().await?;
    let continued = fake.continuations();
    println!(
        "  continued: bot {} step {}",
        continued[continued.len() - 1].bot_id,
        continued[continued.len() - 1].continue_id
    );
    match verifier
        .verify_once(&WidgetRequest::from_value(body)?)
        .await
    {
        Err(error) => println!("  the same body again: {error}"),
        Ok(_) => return Err("unexpected: accepted twice".into()),
    }
    let forged = WidgetRequestSigner::new("not-the-secret").body(json!({}), &return_url);
    match verifier.verify(&WidgetRequest::from_value(forged)?) {
        Err(error) => println!("  signed with another secret: {error}"),
        Ok(_) => return Err("unexpected: a forged token accepted".into()),
    }
    Ok(())
}
