//! The receiver's HTTPS: its certificate chain and key read from PEM files, and the TLS session
//! (rustls, the library's own) laid over each accepted connection.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use agentphone_http::{Connection, Layer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::error::Error;

/// The TLS settings of a receiver whose chain is in `cert_file` (leaf first) and whose private
/// key (PKCS#8, PKCS#1 or SEC1) is in `key_file`, both PEM. Read now: a missing, unreadable or
/// empty file, or a key that does not fit the certificate, is an error naming the setting.
pub(crate) fn server_config(cert_file: &Path, key_file: &Path) -> Result<Arc<ServerConfig>, Error> {
    let read = |name: &str, path: &Path| {
        std::fs::read(path)
            .map_err(|e| Error::invalid(name, format!("cannot read {}: {e}", path.display())))
    };
    let pem = read("tlsCertFile", cert_file)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::invalid(
                "tlsCertFile",
                format!("{} is not PEM certificates: {e}", cert_file.display()),
            )
        })?;
    if chain.is_empty() {
        return Err(Error::invalid(
            "tlsCertFile",
            format!("{} holds no CERTIFICATE block", cert_file.display()),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&read("tlsKeyFile", key_file)?).map_err(|e| {
        Error::invalid(
            "tlsKeyFile",
            format!("{} holds no PEM private key: {e}", key_file.display()),
        )
    })?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::invalid("tlsCertFile", e))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                Error::invalid(
                    "tlsKeyFile",
                    format!("does not go with the certificate of tlsCertFile: {e}"),
                )
            })?;
    // A client that offers ALPN learns it speaks HTTP/1.1 (never h2) here.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The layer that serves each connection over TLS with `config`. The handshake runs at the
/// connection's first read, within the server's timeouts like any other read.
pub(crate) fn layer(config: Arc<ServerConfig>) -> Layer {
    Arc::new(move |socket: TcpStream| {
        let session = ServerConnection::new(config.clone()).map_err(io::Error::other)?;
        Ok(Box::new(Tls(StreamOwned::new(session, socket))) as Box<dyn Connection>)
    })
}

/// One connection's TLS session over its socket.
struct Tls(StreamOwned<ServerConnection, TcpStream>);

impl Read for Tls {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Tls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Connection for Tls {
    fn socket(&self) -> &TcpStream {
        self.0.get_ref()
    }

    fn close(&mut self) {
        // Only a session that is up can say goodbye; and the alert is written straight to the
        // socket, since `flush` would first wait to read the rest of an unfinished handshake.
        let StreamOwned { conn, sock } = &mut self.0;
        if conn.is_handshaking() {
            return;
        }
        conn.send_close_notify();
        while conn.wants_write() {
            match conn.write_tls(sock) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
}
