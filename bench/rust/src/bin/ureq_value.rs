//! Contender 4: ureq 3 with serde_json::Value, default agent (rustls): our own floor.
fn main() {
    let args = agentphone_bench::args();
    let mut config = ureq::Agent::config_builder();
    // Over HTTPS: the bench CA, as every contender is told.
    if let Ok(ca) = std::env::var("BENCH_CA_FILE") {
        let pem = std::fs::read(ca).unwrap();
        let certs: Vec<_> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item.unwrap() {
                ureq::tls::PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build(),
        );
    }
    let agent = ureq::Agent::new_with_config(config.build());
    let url = format!("{}/v1/numbers?limit=20", args.base_url);
    agentphone_bench::run(&args, || {
        let body = agent
            .get(&url)
            .header("Authorization", "Bearer sk_bench")
            .header("Accept", "application/json")
            .call()
            .unwrap()
            .into_body()
            .read_to_vec()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["data"].as_array().unwrap().len(), 20);
    });
}
