//! Contender 5: reqwest::blocking with serde_json: what a Rust programmer would pick instead.
fn main() {
    let args = agentphone_bench::args();
    let client = reqwest::blocking::Client::new();
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
