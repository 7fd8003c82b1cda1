//! Which certificate authorities the client trusts for https: the bundled roots, the system's,
//! or the ones in a PEM file.

use std::path::{Path, PathBuf};

use ureq::tls::{PemItem, RootCerts};

use crate::error::Error;

/// The environment variable read for a PEM file of roots when no trust roots are configured.
pub const ENV_CA_FILE: &str = "AGENTPHONE_CA_FILE";

/// The roots a client trusts to sign the server's certificate
/// ([`ClientBuilder::tls_roots`](crate::ClientBuilder::tls_roots); `tlsRoots` and `caFile` in the
/// C config).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsRoots {
    /// Mozilla's root certificates, built into the library (webpki-roots): the same on every
    /// machine, and blind to roots an administrator added. The default.
    #[default]
    Bundled,
    /// The platform's own verifier and store (on Linux, the system's CA bundle as found by
    /// openssl-probe, e.g. `/etc/ssl/certs`): sees a corporate or private CA that was
    /// installed on the machine.
    System,
    /// Only the certificates of this PEM file, **instead of** the bundled or system roots: for
    /// a private gateway or a TLS-inspecting proxy whose CA is not installed on the machine.
    CaFile(PathBuf),
}

impl TlsRoots {
    /// The roots as ureq takes them. A PEM file is read now, so that a missing, unreadable or
    /// empty one is an [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// naming the file, not a TLS failure at the first call.
    pub(crate) fn load(&self) -> Result<RootCerts, Error> {
        match self {
            TlsRoots::Bundled => Ok(RootCerts::WebPki),
            TlsRoots::System => Ok(RootCerts::PlatformVerifier),
            TlsRoots::CaFile(path) => ca_file(path),
        }
    }
}

fn ca_file(path: &Path) -> Result<RootCerts, Error> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| Error::invalid("caFile", format_args!("cannot read {shown}: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => {
                // Parsed as a trust anchor now: one that does not parse would otherwise be
                // dropped without a word when the first connection builds its root store.
                let der = rustls::pki_types::CertificateDer::from(cert.der());
                rustls::RootCertStore::empty().add(der).map_err(|e| {
                    Error::invalid(
                        "caFile",
                        format_args!(
                            "{shown}: certificate {} is not a usable certificate: {e}",
                            certs.len() + 1
                        ),
                    )
                })?;
                certs.push(cert);
            }
            Ok(_) => {} // keys and other sections are not roots
            Err(e) => {
                return Err(Error::invalid(
                    "caFile",
                    format_args!("{shown} is not a valid PEM file: {e}"),
                ))
            }
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid(
            "caFile",
            format_args!("{shown} holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")"),
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}
