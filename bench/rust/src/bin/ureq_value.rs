//! Contender 4: ureq 3 with serde_json::Value, default agent: our own floor.
fn main() {
    let args = agentphone_bench::args();
    let agent = ureq::Agent::new_with_defaults();
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
