//! Contender 2: this crate's typed Rust API (one client, shared by THREADS threads).
use agentphone::{Client, ListNumbers};

fn main() {
    let args = agentphone_bench::args();
    let client = Client::builder()
        .api_key("sk_bench")
        .base_url(&args.base_url)
        .max_retries(0)
        .build()
        .unwrap();
    let query = ListNumbers::new().limit(20);
    agentphone_bench::run(&args, || {
        let page = client.numbers().list(&query).unwrap();
        assert_eq!(page.data.len(), 20);
    });
}
