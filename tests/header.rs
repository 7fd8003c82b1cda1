//! The committed header is exactly what the pinned cbindgen generates from src/ffi (with the
//! version macros from Cargo.toml), and the version the library reports is Cargo.toml's.
//!
//! Regenerate the header with `UPDATE_HEADER=1 cargo test --test header`.

use std::ffi::CStr;
use std::path::Path;

#[test]
fn committed_header_matches_cbindgen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    config.after_includes = Some(version_macros());
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

/// The header's version macros, from this package's version (Cargo.toml's).
fn version_macros() -> String {
    format!(
        r#"
/* The version of this header; agentphone_version() and agentphone_version_number() give the
   library's, which may be newer at run time. */
#define AGENTPHONE_VERSION_MAJOR {major}
#define AGENTPHONE_VERSION_MINOR {minor}
#define AGENTPHONE_VERSION_PATCH {patch}
#define AGENTPHONE_VERSION_STRING "{major}.{minor}.{patch}"
#define AGENTPHONE_VERSION_NUM \
  ((AGENTPHONE_VERSION_MAJOR << 16) | (AGENTPHONE_VERSION_MINOR << 8) | AGENTPHONE_VERSION_PATCH)
/* True when this header is version x.y.z or newer. */
#define AGENTPHONE_VERSION_AT_LEAST(x, y, z) \
  (AGENTPHONE_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))
"#,
        major = env!("CARGO_PKG_VERSION_MAJOR"),
        minor = env!("CARGO_PKG_VERSION_MINOR"),
        patch = env!("CARGO_PKG_VERSION_PATCH"),
    )
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
    let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(
        agentphone::ffi::agentphone_version_number(),
        (parts[0] << 16) | (parts[1] << 8) | parts[2]
    );
}
