//! The TLS options of the builders: roots added (PEM, DER) or only those, and the lowest
//! TLS version, against a loopback TLS front of the fake whose certificate is issued by
//! a test CA no system trusts. (Apart from `tests/tls`, which sets `SSL_CERT_FILE` for
//! its process: these tests leave the environment alone and run in parallel.)

#![cfg(all(feature = "rustls", not(feature = "native-tls")))]

use std::sync::Arc;

use amocrm::client::TlsVersion;
use amocrm::{AccountUrl, Client, ClientBuilder, Error, RetryPolicy};
use amocrm_fake::FakeServer;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls/certs");

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

fn der(name: &str) -> Vec<u8> {
    CertificateDer::from_pem_file(format!("{DIR}/{name}"))
        .unwrap()
        .to_vec()
}

/// A TLS front for `fake` on loopback speaking only `versions`, with the certificate of
/// `localhost`/`127.0.0.1` issued by the test CA (`ca.pem`).
async fn tls_front(
    fake: &FakeServer,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> String {
    let chain = CertificateDer::pem_file_iter(format!("{DIR}/localhost.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{DIR}/localhost.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let backend = fake.base_url().trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let backend = backend.clone();
            tokio::spawn(async move {
                // A failed handshake (a certificate or a version refused) ends here.
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

fn builder(base_url: &str, fake: &FakeServer) -> ClientBuilder {
    Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token(fake.token())
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
}

/// Whether one call through `client` succeeds; a refusal must be a transport error with
/// nothing reaching the fake.
async fn call(client: &Client, fake: &FakeServer) -> Result<(), String> {
    let before = fake.requests().len();
    match client.widgets().get("amo_dropbox").send().await {
        Ok(_) => Ok(()),
        Err(error) => {
            assert!(matches!(error, Error::Transport(_)), "{error:?}");
            assert_eq!(fake.requests().len(), before, "a refused handshake sent");
            Err(chain(&error))
        }
    }
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

const BOTH: &[&rustls::SupportedProtocolVersion] = rustls::DEFAULT_VERSIONS;

#[tokio::test]
async fn a_root_added_as_pem_or_der_is_trusted_besides_the_platforms() {
    let fake = FakeServer::builder().start().await.unwrap();
    let base_url = tls_front(&fake, BOTH).await;
    let plain = builder(&base_url, &fake).build().unwrap();
    let refused = call(&plain, &fake).await.unwrap_err();
    assert!(refused.to_lowercase().contains("certificate"), "{refused}");

    let with_pem = builder(&base_url, &fake)
        .add_root_certificate_pem(pem("ca.pem"))
        .build()
        .unwrap();
    call(&with_pem, &fake).await.unwrap();
    let with_der = builder(&base_url, &fake)
        .add_root_certificate_der(der("ca.pem"))
        .build()
        .unwrap();
    call(&with_der, &fake).await.unwrap();
}

#[tokio::test]
async fn only_the_given_roots_are_trusted_when_asked() {
    let fake = FakeServer::builder().start().await.unwrap();
    let base_url = tls_front(&fake, BOTH).await;
    let only_ca = builder(&base_url, &fake)
        .add_root_certificate_pem(pem("ca.pem"))
        .only_given_roots(true)
        .build()
        .unwrap();
    call(&only_ca, &fake).await.unwrap();
    // A root that did not issue the server's certificate (its own leaf): refused.
    let only_other = builder(&base_url, &fake)
        .add_root_certificate_pem(pem("localhost.pem"))
        .only_given_roots(true)
        .build()
        .unwrap();
    let refused = call(&only_other, &fake).await.unwrap_err();
    assert!(refused.to_lowercase().contains("certificate"), "{refused}");
}

#[tokio::test]
async fn a_minimum_of_tls_1_3_refuses_a_server_of_tls_1_2() {
    let fake = FakeServer::builder().start().await.unwrap();
    let old = tls_front(&fake, &[&rustls::version::TLS12]).await;
    let new = tls_front(&fake, &[&rustls::version::TLS13]).await;
    let client = |base_url: &str, version: Option<TlsVersion>| {
        let mut builder = builder(base_url, &fake).add_root_certificate_pem(pem("ca.pem"));
        if let Some(version) = version {
            builder = builder.min_tls_version(version);
        }
        builder.build().unwrap()
    };
    // By default both versions are spoken.
    call(&client(&old, None), &fake).await.unwrap();
    call(&client(&new, None), &fake).await.unwrap();
    call(&client(&old, Some(TlsVersion::Tls12)), &fake)
        .await
        .unwrap();
    call(&client(&new, Some(TlsVersion::Tls13)), &fake)
        .await
        .unwrap();
    let refused = call(&client(&old, Some(TlsVersion::Tls13)), &fake)
        .await
        .unwrap_err();
    assert!(refused.to_lowercase().contains("version"), "{refused}");
}

#[test]
fn bad_roots_fail_the_build_with_a_config_error() {
    let build = |builder: ClientBuilder| {
        builder
            .account(AccountUrl::subdomain("example"))
            .token("t")
            .build()
            .unwrap_err()
    };
    let cases = [
        (
            "not PEM",
            build(Client::builder().add_root_certificate_pem(b"junk".to_vec())),
        ),
        (
            "a key, not a certificate",
            build(Client::builder().add_root_certificate_pem(pem("localhost.key"))),
        ),
        (
            "a broken certificate",
            build(Client::builder().add_root_certificate_pem(
                b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
            )),
        ),
        (
            "not DER",
            build(Client::builder().add_root_certificate_der(b"junk".to_vec())),
        ),
        (
            "empty DER",
            build(Client::builder().add_root_certificate_der(Vec::new())),
        ),
        (
            "no roots at all",
            build(Client::builder().only_given_roots(true)),
        ),
    ];
    for (what, error) in cases {
        assert!(matches!(error, Error::Config(_)), "{what}: {error:?}");
        // The certificate's bytes are not echoed.
        assert!(!error.to_string().contains("AAAA"), "{what}: {error}");
    }
}

#[test]
fn the_options_reach_the_integrations_shared_client_and_oauth() {
    let integration = amocrm::Integration::builder()
        .app(amocrm::AppCredentials::new(
            "id",
            "secret",
            "https://example.com/cb",
        ))
        .store(amocrm::store::MemoryTokenStore::new())
        .configure_client(|client| client.add_root_certificate_der(b"junk".to_vec()))
        .build()
        .unwrap_err();
    assert!(matches!(integration, Error::Config(_)), "{integration:?}");
    let oauth = amocrm::OAuth::builder()
        .account(AccountUrl::subdomain("example"))
        .app(amocrm::AppCredentials::new(
            "id",
            "secret",
            "https://example.com/cb",
        ))
        .store(amocrm::store::MemoryTokenStore::new())
        .only_given_roots(true)
        .build()
        .unwrap_err();
    assert!(matches!(oauth, Error::Config(_)), "{oauth:?}");
}
