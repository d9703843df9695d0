//! A base URL given to a builder never shows its user info (a password), its query (a
//! token) or, when it does not parse, its text: not in the builder's `Debug`, not in the
//! error of `build`.

use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Domain, OAuth, TokenPair};

const SECRET: &str = "pw-SECRET-3c7e19";

fn store() -> TokenStoreFn<impl Fn(TokenPair) -> std::future::Ready<Result<(), std::io::Error>>> {
    TokenStoreFn::new(|_: TokenPair| std::future::ready(Ok(())))
}

fn bad_urls() -> Vec<String> {
    vec![
        // Valid URLs with user info.
        format!("https://user:{SECRET}@example.amocrm.ru"),
        format!("http://{SECRET}@127.0.0.1:8080"),
        format!("https://{SECRET}:x@example.amocrm.ru/"),
        // User info in URLs that do not parse.
        format!("https://user:{SECRET}@exa mple.amocrm.ru"),
        format!("https://user:{SECRET}@example.amocrm.ru:99999"),
        format!("https://user:{SECRET}@[::1"),
        format!("user:{SECRET}@example.amocrm.ru"),
        format!("{SECRET}"),
        format!("{SECRET}:x@example.amocrm.ru"),
        format!("{SECRET}://example.amocrm.ru"),
        // A token in the query, or where the host should be.
        format!("https://example.amocrm.ru/?access_token={SECRET}"),
        format!("https://example.amocrm.ru/#{SECRET}"),
        format!("http://example.amocrm.ru/?t={SECRET}"),
        format!("ftp://example.amocrm.ru/{SECRET}?x"),
        format!("mailto:{SECRET}@example.com"),
        format!("data:text/plain,{SECRET}"),
    ]
}

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the secret:\n{text}");
    assert!(
        !text.to_lowercase().contains("pw-secret"),
        "{what} shows part of it:\n{text}"
    );
}

#[test]
fn client_builder_never_echoes_a_bad_base_url() {
    for url in bad_urls() {
        let builder = Client::builder()
            .account(AccountUrl::base_url(&url))
            .token("t");
        assert_hidden(&url, &format!("{builder:?} {builder:#?}"));
        let error = builder.build().unwrap_err();
        assert!(
            matches!(error, amocrm::Error::Config(_)),
            "{url}: {error:?}"
        );
        assert_hidden(&url, &format!("{error} {error:?} {error:#?}"));
    }
    // A subdomain that is really a URL with a password.
    let error = Client::builder()
        .account(AccountUrl::new(
            &format!("user:{SECRET}@example"),
            Domain::KommoCom,
        ))
        .token("t")
        .build()
        .unwrap_err();
    assert_hidden("subdomain", &format!("{error} {error:?}"));
    // A plain typo is still shown, to be found.
    let error = Client::builder()
        .account(AccountUrl::subdomain("Exa_mple"))
        .token("t")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("\"Exa_mple\""), "{error}");
    // A good URL still shows in Debug (host and path), without what was hidden.
    let builder = Client::builder().account(AccountUrl::base_url("https://example.amocrm.ru/"));
    assert!(format!("{builder:?}").contains("https://example.amocrm.ru/"));
}

#[test]
fn oauth_builder_never_echoes_a_bad_base_url() {
    for url in bad_urls() {
        let builder = OAuth::builder()
            .account(AccountUrl::base_url(&url))
            .app(AppCredentials::new("id", "s", "https://example.com/cb"))
            .store(store());
        assert_hidden(&url, &format!("{builder:?} {builder:#?}"));
        let error = builder.build().unwrap_err();
        assert!(
            matches!(error, amocrm::Error::Config(_)),
            "{url}: {error:?}"
        );
        assert_hidden(&url, &format!("{error} {error:?} {error:#?}"));
    }
}
