//! The TLS options every builder takes (the roots it trusts, the lowest TLS version) and
//! this crate's TLS setup of reqwest with them: rustls on the *ring* provider with the
//! platform's verifier, or native-tls, or none.

use std::fmt;

use crate::error::{Error, Result};

/// The lowest TLS version a client speaks ([`crate::ClientBuilder::min_tls_version`]).
/// By default TLS 1.2 and 1.3 are spoken (rustls speaks nothing older).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 and newer.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// A root certificate as it was given (read only by a TLS feature's setup).
#[derive(Clone)]
#[cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]
enum Root {
    /// PEM text: one or more `CERTIFICATE` blocks.
    Pem(Vec<u8>),
    /// One DER-encoded certificate.
    Der(Vec<u8>),
}

/// What a builder was told about TLS; checked when it builds.
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    roots: Vec<Root>,
    /// Trust only the roots given, not the platform's.
    only_given: bool,
    min_version: Option<TlsVersion>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("roots", &self.roots.len())
            .field("only_given_roots", &self.only_given)
            .field("min_version", &self.min_version)
            .finish()
    }
}

impl TlsOptions {
    pub(crate) fn add_pem(&mut self, pem: Vec<u8>) {
        self.roots.push(Root::Pem(pem));
    }

    pub(crate) fn add_der(&mut self, der: Vec<u8>) {
        self.roots.push(Root::Der(der));
    }

    pub(crate) fn only_given_roots(&mut self, only: bool) {
        self.only_given = only;
    }

    pub(crate) fn min_version(&mut self, version: TlsVersion) {
        self.min_version = Some(version);
    }

    /// A `reqwest::ClientBuilder` with this crate's TLS setup and these options; a
    /// certificate that does not parse, "only the given roots" with none given, or an
    /// option in a build without TLS is [`Error::Config`].
    pub(crate) fn builder(&self) -> Result<reqwest::ClientBuilder> {
        if self.only_given && self.roots.is_empty() {
            return Err(Error::Config(
                "TLS: only the given roots are to be trusted, but none was given \
                 (add_root_certificate_pem / add_root_certificate_der)"
                    .into(),
            ));
        }
        let builder = reqwest::Client::builder();
        #[cfg(feature = "native-tls")]
        let builder = self.native(builder.tls_backend_native())?;
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        let builder = builder.tls_backend_preconfigured(self.rustls_config()?);
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if !self.roots.is_empty() || self.min_version.is_some() {
            return Err(Error::Config(
                "TLS roots and a minimum TLS version need a TLS feature (rustls or native-tls)"
                    .into(),
            ));
        }
        Ok(builder)
    }

    /// The given roots as DER certificates, each checked to be one (a PEM bundle split).
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    fn certificates(&self) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let mut certificates = Vec::new();
        for (index, root) in self.roots.iter().enumerate() {
            let bad = |why: &dyn fmt::Display| {
                Error::Config(format!("TLS: root certificate {}: {why}", index + 1))
            };
            match root {
                Root::Der(der) => certificates.push(CertificateDer::from(der.clone())),
                Root::Pem(pem) => {
                    let before = certificates.len();
                    for certificate in CertificateDer::pem_slice_iter(pem) {
                        certificates.push(certificate.map_err(|e| bad(&e))?);
                    }
                    if certificates.len() == before {
                        return Err(bad(&"no CERTIFICATE block in the PEM text"));
                    }
                }
            }
        }
        // Each one parsed as a certificate now, not at the first handshake.
        let mut store = rustls::RootCertStore::empty();
        for (index, certificate) in certificates.iter().enumerate() {
            store.add(certificate.clone()).map_err(|e| {
                Error::Config(format!(
                    "TLS: root certificate {} is not a certificate: {e}",
                    index + 1
                ))
            })?;
        }
        Ok(certificates)
    }

    /// rustls with the ring provider (it builds in seconds, where aws-lc-rs compiles C for
    /// half a minute), the versions allowed, and the platform's certificate verifier
    /// (with the given roots besides), or WebPKI on the given roots only.
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    fn rustls_config(&self) -> Result<rustls::ClientConfig> {
        use std::sync::Arc;

        use rustls_platform_verifier::BuilderVerifierExt as _;
        let tls = |e: &dyn fmt::Display| Error::Config(format!("setting up TLS: {e}"));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&rustls::SupportedProtocolVersion] = match self.min_version {
            Some(TlsVersion::Tls13) => &[&rustls::version::TLS13],
            Some(TlsVersion::Tls12) | None => rustls::DEFAULT_VERSIONS,
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| tls(&e))?;
        let certificates = self.certificates()?;
        let builder = if self.only_given {
            let mut store = rustls::RootCertStore::empty();
            for certificate in certificates {
                store.add(certificate).map_err(|e| tls(&e))?;
            }
            let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(store),
                provider,
            )
            .build()
            .map_err(|e| tls(&e))?;
            builder.with_webpki_verifier(verifier)
        } else if certificates.is_empty() {
            builder.with_platform_verifier().map_err(|e| tls(&e))?
        } else {
            let verifier =
                rustls_platform_verifier::Verifier::new_with_extra_roots(certificates, provider)
                    .map_err(|e| tls(&e))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        };
        let mut config = builder.with_no_client_auth();
        // reqwest is built without HTTP/2 here.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }

    /// The options through reqwest's own settings for native-tls.
    #[cfg(feature = "native-tls")]
    fn native(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
        let mut certificates = Vec::new();
        for (index, root) in self.roots.iter().enumerate() {
            let bad = |e: reqwest::Error| {
                Error::Config(format!("TLS: root certificate {}: {e}", index + 1))
            };
            match root {
                Root::Der(der) => {
                    certificates.push(reqwest::Certificate::from_der(der).map_err(bad)?)
                }
                Root::Pem(pem) => {
                    let bundle = reqwest::Certificate::from_pem_bundle(pem).map_err(bad)?;
                    if bundle.is_empty() {
                        return Err(Error::Config(format!(
                            "TLS: root certificate {}: no CERTIFICATE block in the PEM text",
                            index + 1
                        )));
                    }
                    certificates.extend(bundle);
                }
            }
        }
        let builder = match (self.only_given, certificates.is_empty()) {
            (true, _) => builder.tls_certs_only(certificates),
            (false, true) => builder,
            (false, false) => builder.tls_certs_merge(certificates),
        };
        Ok(match self.min_version {
            Some(TlsVersion::Tls13) => builder.tls_version_min(reqwest::tls::Version::TLS_1_3),
            Some(TlsVersion::Tls12) => builder.tls_version_min(reqwest::tls::Version::TLS_1_2),
            None => builder,
        })
    }
}
