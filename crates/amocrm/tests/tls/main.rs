//! TLS: the features decide what an `https://` base URL gets. With `rustls` or
//! `native-tls`, the client and the OAuth provider speak TLS and check the server's
//! certificate against the platform's roots; with neither, building them for an `https://`
//! base URL fails with `Error::TlsUnavailable`.

use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, OAuth, TokenPair};

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn client(base_url: &str) -> Result<Client, Error> {
    Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token("test-token")
        .build()
}

fn oauth(base_url: &str) -> Result<OAuth, Error> {
    OAuth::builder()
        .account(AccountUrl::base_url(base_url))
        .app(AppCredentials::new(
            amocrm_fake::DEFAULT_CLIENT_ID,
            amocrm_fake::DEFAULT_CLIENT_SECRET,
            amocrm_fake::DEFAULT_REDIRECT_URI,
        ))
        .store(TokenStoreFn::new(|_: TokenPair| async {
            Ok::<(), std::io::Error>(())
        }))
        .build()
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
#[test]
fn without_a_tls_feature_https_is_refused_when_building() {
    for url in ["https://example.amocrm.ru", "https://127.0.0.1:8443"] {
        let refused = client(url).unwrap_err();
        assert!(
            matches!(&refused, Error::TlsUnavailable { url: u } if u == url),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("rustls"), "{refused}");
        let refused = oauth(url).unwrap_err();
        assert!(
            matches!(&refused, Error::TlsUnavailable { url: u } if u == url),
            "{refused:?}"
        );
    }
    let refused = Client::builder()
        .account(AccountUrl::subdomain("example"))
        .token("t")
        .build()
        .unwrap_err();
    assert!(
        matches!(refused, Error::TlsUnavailable { .. }),
        "{refused:?}"
    );

    // Plain http still works, and no configuration of the HTTP client brings TLS back.
    assert!(client("http://127.0.0.1:8080").is_ok());
    assert!(oauth("http://127.0.0.1:8080").is_ok());
    let configured = Client::builder()
        .account(AccountUrl::subdomain("example"))
        .token("t")
        .configure_http(|http| http.pool_max_idle_per_host(0))
        .build()
        .unwrap_err();
    assert!(
        matches!(configured, Error::TlsUnavailable { .. }),
        "{configured:?}"
    );
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
mod with_tls {
    use std::sync::Arc;

    use amocrm_fake::FakeServer;
    use futures::TryStreamExt as _;
    use tokio::net::{TcpListener, TcpStream};
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject as _;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls/certs");

    /// A TLS front for `fake` on loopback: certificate for `localhost`/`127.0.0.1`, issued
    /// by the test CA in tests/tls/certs/ca.pem (no system trusts it).
    async fn tls_front(fake: &FakeServer) -> String {
        let chain = CertificateDer::pem_file_iter(format!("{DIR}/localhost.pem"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(format!("{DIR}/localhost.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let backend = fake.base_url().trim_start_matches("http://").to_owned();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let backend = backend.clone();
                tokio::spawn(async move {
                    // A failed handshake (the client refusing the certificate) ends here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(&backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        format!("https://127.0.0.1:{port}")
    }

    /// One test, in its own process (this file's binary), because it points the platform
    /// verifier at the test CA through `SSL_CERT_FILE`.
    #[test]
    fn https_is_spoken_and_the_certificate_checked() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let fake = FakeServer::builder().widgets(3).start().await.unwrap();
            let base_url = tls_front(&fake).await;

            // The system's roots do not know the test CA: the handshake is refused and
            // nothing reaches the server.
            if std::env::var_os("SSL_CERT_FILE").is_none() {
                let untrusted = Client::builder()
                    .account(AccountUrl::base_url(&base_url))
                    .token(fake.token())
                    .rate_limit(None)
                    .retry(amocrm::RetryPolicy::disabled())
                    .build()
                    .unwrap();
                let error = untrusted
                    .widgets()
                    .get("amo_dropbox")
                    .send()
                    .await
                    .unwrap_err();
                let chain = error_chain(&error);
                assert!(matches!(error, Error::Transport(_)), "{chain}");
                assert!(chain.to_lowercase().contains("certificate"), "{chain}");
                assert!(fake.requests().is_empty(), "{:?}", fake.requests());
            }

            // SAFETY: this binary's only test, on a current-thread runtime: no other thread
            // reads the environment meanwhile.
            #[allow(unsafe_code)]
            unsafe {
                std::env::set_var("SSL_CERT_FILE", format!("{DIR}/ca.pem"))
            };
            let trusted = Client::builder()
                .account(AccountUrl::base_url(&base_url))
                .token(fake.token())
                .rate_limit(None)
                .build()
                .unwrap();
            let widgets: Vec<amocrm::widgets::Widget> = trusted
                .widgets()
                .list()
                .stream()
                .try_collect()
                .await
                .unwrap();
            assert_eq!(widgets.len(), amocrm_fake::SEED_WIDGET_COUNT + 3);

            // Only the roots given: the platform's (which trusts the test CA now) are left
            // out, so a root that did not issue the server's certificate is refused.
            #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
            {
                let only_other = Client::builder()
                    .account(AccountUrl::base_url(&base_url))
                    .token(fake.token())
                    .rate_limit(None)
                    .retry(amocrm::RetryPolicy::disabled())
                    .add_root_certificate_pem(
                        std::fs::read(format!("{DIR}/localhost.pem")).unwrap(),
                    )
                    .only_given_roots(true)
                    .build()
                    .unwrap();
                let before = fake.requests().len();
                let error = only_other
                    .widgets()
                    .get("amo_dropbox")
                    .send()
                    .await
                    .unwrap_err();
                let chain = error_chain(&error);
                assert!(chain.to_lowercase().contains("certificate"), "{chain}");
                assert_eq!(fake.requests().len(), before);
            }

            let oauth = oauth(&base_url).unwrap();
            oauth
                .exchange_code(&fake.issue_authorization_code())
                .await
                .unwrap();
            assert!(oauth.tokens().await.is_some());

            // rustls alone: amocrm brought its own crypto provider; none was installed for
            // the process.
            #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
            assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        });
    }

    fn error_chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(inner) = source {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            source = inner.source();
        }
        text
    }
}
