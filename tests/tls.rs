//! Failures during the TLS handshake, over real sockets: they happen before a byte of the
//! request is written, so even a POST may be sent again, except when the server's certificate
//! is refused, which no retry can fix.

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agentphone::{Client, CreateNumber, ErrorKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A listener on 127.0.0.1 that runs `serve` on every connection; counts connections.
fn server(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let (counter, serve) = (count.clone(), Arc::new(serve));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let serve = serve.clone();
            std::thread::spawn(move || serve(stream));
        }
    });
    (url, count)
}

fn client(url: &str) -> Client {
    Client::builder()
        .api_key("sk_tls_test")
        .base_url(url)
        .max_retries(2)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn a_refused_certificate_is_never_retried_for_any_method() {
    let cert = CertificateDer::from(include_bytes!("fixtures/self-signed-cert.der").to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        include_bytes!("fixtures/self-signed-key.der").to_vec(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let config = Arc::new(config);
    let (url, connections) = server(move |mut stream| {
        let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
        // The client refuses the certificate and closes: the handshake fails here too.
        let _ = conn.complete_io(&mut stream);
    });
    let c = client(&url);

    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("certificate was refused"), "{e}");
    assert!(!e.is_retryable() && !e.may_have_succeeded(), "{e}");
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    let e = c.numbers().get("num_1").unwrap_err();
    assert!(e.message().contains("certificate was refused"), "{e}");
    assert!(!e.is_retryable(), "{e}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        2,
        "a GET is not retried either"
    );
}

#[test]
fn a_broken_handshake_never_sent_the_request_so_a_post_is_retried() {
    // Not a TLS server: it answers the ClientHello with plain text and closes.
    let (url, connections) = server(|mut stream| {
        use std::io::{Read, Write};
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let c = client(&url);
    let e = c.numbers().create(&CreateNumber::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().starts_with("TLS handshake failed"), "{e}");
    // The request never left the client: retried like any failure to connect, and the error
    // says both that another try is safe and that nothing can have been bought.
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    assert!(e.is_retryable() && !e.may_have_succeeded(), "{e}");
}
