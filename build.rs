//! Link settings of the shared library for C: its soname (what a program that links it records,
//! so that an incompatible release is never loaded in its place) and a read-only, eagerly bound
//! relocation table. The soname policy follows cargo-c: `libagentphone.so.0.MINOR` before 1.0
//! (every 0.x minor may break the ABI), `libagentphone.so.MAJOR` from 1.0.
//!
//! Only when `AGENTPHONE_C_LIBRARY` is set: the C library is built by `cargo rustc --lib
//! --crate-type cdylib,staticlib` (the Makefile, the C tests, the benchmarks set it), and a
//! cdylib link argument given to a build with no cdylib is a cargo warning that a Rust program
//! depending on the crate would see at every build.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=AGENTPHONE_C_LIBRARY");
    if std::env::var_os("AGENTPHONE_C_LIBRARY").is_none() {
        return;
    }
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap();
    let soname = if major == "0" {
        format!("libagentphone.so.0.{minor}")
    } else {
        format!("libagentphone.so.{major}")
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,relro,-z,now");
}
