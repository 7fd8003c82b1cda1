//! TLS over real sockets. Failures during the handshake happen before a byte of the request is
//! written, so even a POST may be sent again, except when the server's certificate is refused,
//! which no retry can fix. The trust roots: a CA made here (rcgen) is refused by the bundled
//! roots and the system's, trusted from a PEM file (`caFile`, `AGENTPHONE_CA_FILE`), and a
//! wrong CA or a certificate for another host is refused.

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agentphone::{Client, CreateNumber, ErrorKind, TlsRoots};
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
    client_with(url, TlsRoots::Bundled)
}

fn client_with(url: &str, roots: TlsRoots) -> Client {
    Client::builder()
        .api_key("sk_tls_test")
        .base_url(url)
        // Explicit, so that AGENTPHONE_CA_FILE (set by one test here) changes nothing else.
        .tls_roots(roots)
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
    assert!(
        e.message().starts_with("TLS handshake with 127.0.0.1:"),
        "{e}"
    );
    // The server answered plain HTTP: the message says so, and what to do.
    assert!(
        e.message()
            .contains("answers plain HTTP, not HTTPS: use an http:// base URL"),
        "{e}"
    );
    // The request never left the client: retried like any failure to connect, and the error
    // says both that another try is safe and that nothing can have been bought.
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    assert!(e.is_retryable() && !e.may_have_succeeded(), "{e}");
}

/// A CA made for one test, and a server certificate it signs for `names`.
struct TestPki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn pki(names: &[&str]) -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "agentphone test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let leaf = CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    TestPki {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf.der().clone(), ca_cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// An https server with `pki`'s certificate that answers every request with a number's JSON.
fn https_server(pki: &TestPki) -> (String, Arc<AtomicUsize>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(pki.chain.clone(), pki.key.clone_key())
    .unwrap();
    let config = Arc::new(config);
    server(move |stream| {
        use std::io::{BufRead, BufReader, Write};
        let conn = rustls::ServerConnection::new(config.clone()).unwrap();
        let mut tls = BufReader::new(rustls::StreamOwned::new(conn, stream));
        loop {
            let mut line = String::new();
            match tls.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => {
                    let body = r#"{"id":"num_1","phoneNumber":"+15550000001","country":"US","status":"active","createdAt":"2025-01-15T10:45:00Z"}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if tls.get_mut().write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
            }
        }
    })
}

/// `pem` in a file of its own under the target directory.
fn pem_file(name: &str, pem: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

fn refused(c: &Client) -> agentphone::Error {
    let e = c.numbers().get("num_1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(e.message().contains("certificate was refused"), "{e}");
    assert!(!e.is_retryable() && !e.may_have_succeeded(), "{e}");
    e
}

#[test]
fn a_private_ca_is_refused_by_the_bundled_and_system_roots_and_trusted_from_its_pem_file() {
    let pki = pki(&["127.0.0.1", "localhost"]);
    let (url, connections) = https_server(&pki);

    let e = refused(&client(&url));
    // The message says how to trust the CA.
    assert!(
        e.message().contains("tlsRoots") && e.message().contains("caFile"),
        "{e}"
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "refused, never retried"
    );
    refused(&client_with(&url, TlsRoots::System));

    let ca = pem_file("ca.pem", &pki.ca_pem);
    let c = client_with(&url, TlsRoots::CaFile(ca));
    assert_eq!(c.numbers().get("num_1").unwrap().id, "num_1");
    // Keep-alive over TLS: the second call reuses the connection.
    let before = connections.load(Ordering::SeqCst);
    c.numbers().get("num_1").unwrap();
    assert_eq!(connections.load(Ordering::SeqCst), before);

    // Another CA's file: only its certificates are trusted, and they did not sign this one.
    let other = pem_file("other-ca.pem", &self::pki(&["127.0.0.1"]).ca_pem);
    refused(&client_with(&url, TlsRoots::CaFile(other)));
}

#[test]
fn a_certificate_for_another_host_is_refused_even_from_a_trusted_ca() {
    let pki = pki(&["api.example.test"]);
    let (url, _) = https_server(&pki);
    let ca = pem_file("host-ca.pem", &pki.ca_pem);
    let e = refused(&client_with(&url, TlsRoots::CaFile(ca)));
    assert!(e.message().to_lowercase().contains("name"), "{e}");
}

#[test]
fn agentphone_ca_file_is_the_default_roots_and_a_bad_file_is_refused_at_build() {
    let pki = pki(&["127.0.0.1"]);
    let (url, _) = https_server(&pki);
    let ca = pem_file("env-ca.pem", &pki.ca_pem);
    std::env::set_var(agentphone::ENV_CA_FILE, &ca);
    let from_env = Client::builder()
        .api_key("sk_tls_test")
        .base_url(&url)
        .build();
    let missing = Client::builder()
        .api_key("sk_tls_test")
        .base_url(&url)
        .tls_roots(TlsRoots::CaFile("/nonexistent/ca.pem".into()))
        .build();
    std::env::remove_var(agentphone::ENV_CA_FILE);
    assert_eq!(
        from_env.unwrap().numbers().get("num_1").unwrap().id,
        "num_1"
    );

    let e = missing.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(
        e.message()
            .starts_with("caFile: cannot read /nonexistent/ca.pem"),
        "{e}"
    );
    let empty = pem_file("empty.pem", "");
    let not_pem = pem_file(
        "not.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    let key_only = pem_file(
        "key.pem",
        &rcgen::KeyPair::generate().unwrap().serialize_pem(),
    );
    for (file, why) in [
        (&empty, "holds no PEM certificate"),
        (&not_pem, "is not a valid PEM file"),
        (&key_only, "holds no PEM certificate"),
    ] {
        let e = Client::builder()
            .api_key("k")
            .tls_roots(TlsRoots::CaFile(file.clone()))
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().starts_with("caFile: "), "{e}");
        assert!(e.message().contains(&file.display().to_string()), "{e}");
        assert!(e.message().contains(why), "{e}");
    }
}

#[test]
fn the_c_config_chooses_the_roots() {
    use agentphone::ffi::*;
    use std::ffi::{CStr, CString};
    let pki = pki(&["127.0.0.1"]);
    let (url, _) = https_server(&pki);
    let ca = pem_file("c-ca.pem", &pki.ca_pem);
    let new = |config: serde_json::Value| -> (agentphone_status, *mut agentphone_client, String) {
        let config = CString::new(config.to_string()).unwrap();
        let (mut client, mut error) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: a valid config string and out-pointers.
        let st = unsafe { agentphone_client_new(config.as_ptr(), &mut client, &mut error) };
        let text = if error.is_null() {
            String::new()
        } else {
            // SAFETY: an error string from the library, freed once.
            let t = unsafe { CStr::from_ptr(error) }
                .to_string_lossy()
                .into_owned();
            unsafe { agentphone_string_free(error) };
            t
        };
        (st, client, text)
    };
    let get = |client: *mut agentphone_client| -> agentphone_status {
        let mut out = std::ptr::null_mut();
        // SAFETY: a live handle, a NUL-terminated id, an out-pointer; `out` freed once.
        let st = unsafe { agentphone_numbers_get(client, c"num_1".as_ptr(), &mut out) };
        unsafe { agentphone_string_free(out) };
        st
    };
    let base = serde_json::json!({"apiKey": "k", "baseUrl": url, "maxRetries": 0});
    let with = |extra: serde_json::Value| {
        let mut c = base.clone();
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        c
    };
    for (config, status) in [
        (
            with(serde_json::json!({"caFile": ca})),
            agentphone_status::AGENTPHONE_OK,
        ),
        (
            with(serde_json::json!({"tlsRoots": "bundled"})),
            agentphone_status::AGENTPHONE_NETWORK_ERROR,
        ),
        (
            with(serde_json::json!({"tlsRoots": "system"})),
            agentphone_status::AGENTPHONE_NETWORK_ERROR,
        ),
    ] {
        let (st, client, e) = new(config.clone());
        assert_eq!(st, agentphone_status::AGENTPHONE_OK, "{config}: {e}");
        assert_eq!(get(client), status, "{config}");
        // SAFETY: from agentphone_client_new, freed once.
        unsafe { agentphone_client_free(client) };
    }
    for (config, key) in [
        (
            with(serde_json::json!({"tlsRoots": "mozilla"})),
            "tlsRoots: must be",
        ),
        (
            with(serde_json::json!({"tlsRoots": "system", "caFile": ca})),
            "caFile: replaces",
        ),
        (
            with(serde_json::json!({"caFile": "/nonexistent.pem"})),
            "caFile: cannot read /nonexistent.pem",
        ),
        (
            with(serde_json::json!({"caFile": ""})),
            "caFile: must not be empty",
        ),
    ] {
        let (st, client, e) = new(config.clone());
        assert_eq!(
            st,
            agentphone_status::AGENTPHONE_INVALID_ARGUMENT,
            "{config}"
        );
        assert!(client.is_null());
        let e: serde_json::Value = serde_json::from_str(&e).unwrap();
        assert!(
            e["message"].as_str().unwrap().starts_with(key),
            "{config}: {e}"
        );
    }
}
