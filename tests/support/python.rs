//! The official Python SDK (agentphone 0.20.3 from PyPI), installed once into a virtual
//! environment under the target directory: an independent client and verifier for the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `<target>`, from this test's own path (`<target>/<profile>/deps/python_sdk-...`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The venv's python, with the SDK installed (once). A test binary's tests take turns here, so
/// that two never build it at once (test binaries run one after another).
pub fn sdk_python() -> PathBuf {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let venv = target_dir().join("python-sdk");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args([
                "-c",
                "import agentphone, requests; assert agentphone.__version__ == '0.20.3'",
            ])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready(&python) {
        // A half-built venv from an interrupted run is built again.
        let _ = std::fs::remove_dir_all(&venv);
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(
            status.success(),
            "creating the venv failed (python3-venv installed?)"
        );
        let status = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "agentphone==0.20.3"])
            .status()
            .expect("pip");
        assert!(status.success(), "pip install agentphone==0.20.3 failed");
    }
    assert!(ready(&python), "the SDK is not importable from {python:?}");
    python
}
