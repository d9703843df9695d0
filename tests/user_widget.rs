//! The README's promise, as a user would write it in their own crate: an integration test
//! of *their* widget, with *their* settings_template, against the fake, in under 20 lines
//! (the test function below is 17).

use amocrm::AccountUrl;
use amocrm::Client;
use amocrm::widgets::Settings;
use amocrm_fake::{FakeServer, FakeWidget, SettingType};

// Kept as a user would write it (and as the README shows it), lines under 100 columns;
// rustfmt's chain rule would spread it over 35 lines.
#[rustfmt::skip]
#[tokio::test]
async fn my_widget_installs() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeServer::builder()
        .widget(FakeWidget::new("my_widget")
            .required_setting("api_key", SettingType::Text)
            .optional_setting("mapping", SettingType::Custom))
        .start().await?;
    let client = Client::builder().account(AccountUrl::base_url(fake.base_url())).token(fake.token()).build()?;

    let missing = client.widgets().install("my_widget", &Settings::new()).checked().send().await;
    assert!(missing.unwrap_err().is_invalid_input()); // api_key is required: nothing sent
    client.widgets().install("my_widget", &Settings::new().text("api_key", "k-1")).checked().send().await?;

    assert_eq!(fake.installed_settings("my_widget").unwrap()["api_key"], "k-1");
    assert_eq!(client.widgets().get("my_widget").send().await?.is_active_in_account, Some(true));
    Ok(())
}

/// The same against a second account of the fake: its own URL, token and install state.
#[tokio::test]
async fn my_widget_on_a_second_account() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeServer::builder()
        .widget(FakeWidget::new("my_widget").required_setting("api_key", SettingType::Text))
        .account("acc1")
        .start()
        .await?;
    let acc1 = fake.account("acc1").expect("acc1");
    let client = Client::builder()
        .account(AccountUrl::base_url(acc1.url()))
        .token(acc1.token())
        .build()?;
    client
        .widgets()
        .install("my_widget", &Settings::new().text("api_key", "k-2"))
        .checked()
        .send()
        .await?;
    assert_eq!(
        acc1.installed_settings("my_widget").unwrap()["api_key"],
        "k-2"
    );
    assert_eq!(fake.installed_settings("my_widget"), None);
    assert_eq!(
        acc1.requests().len(),
        2,
        "get (template check), then install"
    );
    assert!(acc1.requests().iter().all(|r| r.has_bearer(acc1.token())));
    Ok(())
}
