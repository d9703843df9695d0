//! `rediss://`: a `redis-server` of the test's own serving TLS only, with a certificate of
//! a private CA made for the test (the `openssl` command): the pacer works over TLS when
//! the CA is given, the system's trust store refuses the server (verification is on), and
//! a plain `redis://` to the TLS port fails instead of hanging.
#![cfg(feature = "rustls")]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use amocrm::pace::RateLimit;
use amocrm_redis::{RedisConnection, RedisPacer};
use amocrm_test_support::fleet::TempDir;
use common::{OwnRedis, free_port, skip};

/// A TLS-only redis-server on a free port; killed on drop.
struct TlsRedis {
    port: u16,
    child: Child,
    ca: Vec<u8>,
    _dir: TempDir,
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &TempDir, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(&dir.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A CA and a server certificate for 127.0.0.1 signed by it, then the server; `None`
/// (after [`skip`]) without `redis-server` or `openssl`.
async fn start_or_skip(test: &str) -> Option<TlsRedis> {
    let Some(binary) = OwnRedis::binary() else {
        skip(test, "no redis-server binary on the PATH");
        return None;
    };
    let dir = TempDir::new("redis-tls");
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let made = openssl(
        &dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=amocrm test CA",
            ],
            &["-addext", "basicConstraints=critical,CA:TRUE"],
            &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ]
        .concat(),
    ) && openssl(
        &dir,
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    ) && openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    if !made {
        skip(
            test,
            "the openssl command could not make a test certificate",
        );
        return None;
    }
    let port = free_port();
    let path = |name: &str| dir.join(name).display().to_string();
    let child = Command::new(binary)
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args([
            "--tls-cert-file",
            &path("server.crt"),
            "--tls-key-file",
            &path("server.key"),
        ])
        .args([
            "--tls-ca-cert-file",
            &path("ca.crt"),
            "--tls-auth-clients",
            "no",
        ])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let ca = std::fs::read(dir.join("ca.crt")).unwrap();
    let server = TlsRedis {
        port,
        child,
        ca,
        _dir: dir,
    };
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("redis-server with TLS did not start (built without TLS?)");
}

#[tokio::test]
async fn the_pacer_works_over_tls_and_the_server_is_verified() {
    let test = "the_pacer_works_over_tls_and_the_server_is_verified";
    let Some(server) = start_or_skip(test).await else {
        return;
    };
    let url = format!("rediss://127.0.0.1:{}/", server.port);
    let timeout = Duration::from_secs(3);

    let trusted = RedisConnection::open_tls(&url, &server.ca, timeout).unwrap();
    assert!(trusted.is_tls());
    trusted.ping().await.expect("a ping over TLS");
    let pacer =
        RedisPacer::new(trusted, RateLimit::AMOCRM).key_prefix(common::unique_prefix("tls"));
    for _ in 0..3 {
        pacer
            .acquire_slot("https://tls.amocrm.ru")
            .await
            .expect("a slot over TLS");
    }

    // The system's trust store does not hold the test's CA: the handshake is refused.
    let system = RedisConnection::open_with_timeout(&url, timeout).unwrap();
    let error = system.ping().await.expect_err("an unknown CA is refused");
    let text = format!("{error:?}").to_lowercase();
    assert!(
        text.contains("certificate") || text.contains("unknownissuer"),
        "{text}"
    );

    // Another CA's certificate is refused too.
    let other = TempDir::new("redis-tls-other");
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let subj = [
        "-keyout",
        "o.key",
        "-out",
        "o.crt",
        "-days",
        "1",
        "-subj",
        "/CN=other",
    ];
    assert!(openssl(
        &other,
        &[&["req", "-x509"][..], &key, &subj].concat()
    ));
    let other_ca = std::fs::read(other.join("o.crt")).unwrap();
    let wrong = RedisConnection::open_tls(&url, &other_ca, timeout).unwrap();
    assert!(
        wrong.ping().await.is_err(),
        "a server of another CA is refused"
    );

    // Plain text to the TLS port fails within the timeout, never hangs.
    let plain = format!("redis://127.0.0.1:{}/", server.port);
    let plain = RedisConnection::open_with_timeout(&plain, Duration::from_millis(500)).unwrap();
    assert!(!plain.is_tls());
    let started = std::time::Instant::now();
    assert!(plain.ping().await.is_err());
    assert!(started.elapsed() < Duration::from_secs(5));

    // Certificates are for TLS: a redis:// URL with a CA is refused.
    let refused = RedisConnection::open_tls("redis://127.0.0.1:1/", &server.ca, timeout);
    assert!(
        matches!(refused, Err(amocrm_redis::Error::Url { .. })),
        "{refused:?}"
    );
}
