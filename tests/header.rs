//! The committed header is exactly what the pinned cbindgen generates from src/ffi, and the
//! version the library reports is Cargo.toml's.
//!
//! Regenerate the header with `UPDATE_HEADER=1 cargo test --test header`.

use std::ffi::CStr;
use std::path::Path;

#[test]
fn committed_header_matches_cbindgen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut generated);
    let path = root.join("include/agentphone.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/agentphone.h is out of date: run `UPDATE_HEADER=1 cargo test --test header` and commit it"
    );
}

#[test]
fn version_is_the_crate_version() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    // SAFETY: a static NUL-terminated string.
    let reported = unsafe { CStr::from_ptr(agentphone::ffi::agentphone_version()) };
    assert_eq!(reported.to_str().unwrap(), version);
}
