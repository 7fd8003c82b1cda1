//! A certificate authority and a certificate it signs for 127.0.0.1, made here (rcgen), for the
//! receiver's HTTPS; and a client session that trusts only that CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};

/// A new CA and a certificate it signed for 127.0.0.1, written as PEM files in `dir`: the CA,
/// the chain file (leaf first) and the key file.
pub fn ca_and_leaf(dir: &Path) -> (CertificateDer<'static>, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, leaf.pem() + &ca_cert.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    (ca_cert.der().clone(), cert, key)
}

/// A TLS client session for 127.0.0.1 that trusts only `ca`.
pub fn client_session(ca: &CertificateDer<'static>) -> rustls::ClientConnection {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    rustls::ClientConnection::new(Arc::new(config), name).unwrap()
}
