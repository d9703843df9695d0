//! The amocrm library as the CLI and its users build it: reqwest without a rustls crypto
//! provider of its own (no dev-dependency turns one on here, unlike the library's tests).
//! Run alone (`cargo test -p amocrm-cli --test tls_config`): in a workspace-wide build
//! other crates' dev-dependencies give reqwest a provider and the fault cannot show.

use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials, Client, Error, OAuth, TokenPair};

/// A `configure_http` that replaces the crate's TLS setup with reqwest's own rustls backend,
/// which has no crypto provider in this build: `build()` must not panic. Either the build
/// succeeds (a provider exists after all) or it is a typed configuration error.
#[test]
fn choosing_reqwests_rustls_backend_is_an_error_not_a_panic() {
    let client = std::panic::catch_unwind(|| {
        Client::builder()
            .account(AccountUrl::subdomain("example"))
            .token("t")
            .configure_http(|http| http.tls_backend_rustls())
            .build()
            .map(drop)
    });
    let oauth = std::panic::catch_unwind(|| {
        OAuth::builder()
            .account(AccountUrl::base_url("https://example.amocrm.ru"))
            .app(AppCredentials::new(
                "id",
                "secret",
                "https://widget.example.com/oauth",
            ))
            .store(TokenStoreFn::new(|_: TokenPair| async {
                Ok::<(), std::io::Error>(())
            }))
            .configure_http(|http| http.tls_backend_rustls())
            .build()
            .map(drop)
    });
    for (what, built) in [("Client", client), ("OAuth", oauth)] {
        match built {
            Err(_) => panic!("{what}::build panicked"),
            Ok(Ok(())) => {}
            Ok(Err(Error::Config(message))) => {
                assert!(message.contains("crypto provider"), "{what}: {message}")
            }
            Ok(Err(other)) => panic!("{what}: {other:?}"),
        }
    }
}
