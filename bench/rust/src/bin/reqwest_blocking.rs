//! Contender 5: reqwest::blocking with serde_json: what a Rust programmer would pick instead.
fn main() {
    let args = agentphone_bench::args();
    let mut builder = reqwest::blocking::Client::builder();
    // Over HTTPS: the bench CA, as every contender is told.
    if let Ok(ca) = std::env::var("BENCH_CA_FILE") {
        let pem = std::fs::read(ca).unwrap();
        builder = builder
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
    }
    let client = builder.build().unwrap();
    let url = format!("{}/v1/numbers?limit=20", args.base_url);
    agentphone_bench::run(&args, || {
        let body = client
            .get(&url)
            .header("Authorization", "Bearer sk_bench")
            .header("Accept", "application/json")
            .send()
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["data"].as_array().unwrap().len(), 20);
    });
}
