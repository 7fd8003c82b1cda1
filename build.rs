//! Link settings of the shared library for C: its soname (what a program that links it records,
//! so that an incompatible release is never loaded in its place) and a read-only, eagerly bound
//! relocation table. The soname policy follows cargo-c: `libagentphone.so.0.MINOR` before 1.0
//! (every 0.x minor may break the ABI), `libagentphone.so.MAJOR` from 1.0.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
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
