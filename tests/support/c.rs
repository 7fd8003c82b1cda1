//! Building C programs against the header and the cdylib, and running them: for the C tests
//! and the fault soak.
//!
//! `AGENTPHONE_C_RUNNER` runs the programs under a tool (e.g. `valgrind --error-exitcode=99`);
//! `AGENTPHONE_CFLAGS` adds compiler flags (e.g. `-fsanitize=address`). `.ci/run` uses both.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `<target>/<profile>`, from this test's own path (`<target>/<profile>/deps/c_api-...`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// Builds the cdylib once per test run (integration tests only get the rlib), in its own target
/// directory: a package with a cdylib writes `deps/libagentphone.rlib` without a hash, so a
/// build with other features in the shared directory would replace the rlib other tests link.
pub fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = profile_dir();
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => "dev".to_string(),
            Some(other) => other.to_string(),
            None => panic!("unexpected target layout {dir:?}"),
        };
        let target = dir.parent().unwrap().join("c-abi");
        let status = Command::new(env!("CARGO"))
            .args([
                "rustc",
                "--lib",
                "--crate-type",
                "cdylib",
                "--quiet",
                "--profile",
                &profile,
                "--target-dir",
            ])
            .arg(&target)
            .current_dir(root())
            // The soname and RELRO (build.rs).
            .env("AGENTPHONE_C_LIBRARY", "1")
            .status()
            .expect("cargo rustc --lib --crate-type cdylib");
        assert!(status.success(), "building libagentphone.so failed");
        let lib = target.join(dir.file_name().unwrap());
        assert!(lib.join("libagentphone.so").exists());
        // A program records the library's soname (build.rs sets it) and loads that name at
        // run time, as from an installed tree.
        let soname = lib.join(soname(&lib.join("libagentphone.so")));
        let _ = std::fs::remove_file(&soname);
        std::os::unix::fs::symlink("libagentphone.so", &soname).unwrap();
        lib
    })
}

/// The SONAME the shared library was linked with, read back with `readelf`.
pub fn soname(library: &Path) -> String {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(library)
        .output()
        .expect("readelf (binutils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains("(SONAME)"))
        .and_then(|l| Some(l.split_once('[')?.1.strip_suffix(']')?.to_string()))
        .unwrap_or_else(|| panic!("{} has no SONAME", library.display()))
}

/// Compiles `source` (C99 or C++17) against the header and the cdylib.
pub fn compile(source: &str, name: &str) -> PathBuf {
    let out_dir = profile_dir().join("c-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(name);
    let cpp = source.ends_with(".cpp");
    let mut cmd = Command::new(if cpp { "c++" } else { "cc" });
    cmd.arg(if cpp { "-std=c++17" } else { "-std=c99" })
        .args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-pthread"])
        .arg("-I")
        .arg(root().join("include"));
    if let Ok(flags) = std::env::var("AGENTPHONE_CFLAGS") {
        cmd.args(flags.split_whitespace());
    }
    let lib = lib_dir();
    cmd.arg(root().join(source))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(lib)
        .arg("-lagentphone")
        // RPATH, not RUNPATH: `cargo test` puts target/debug on LD_LIBRARY_PATH, which outranks a
        // RUNPATH, and a stale libagentphone.so there would be tested instead of this build.
        .arg("-Wl,--disable-new-dtags")
        .arg(format!("-Wl,-rpath,{}", lib.display()));
    let out = cmd.output().expect("a C compiler (cc/c++)");
    assert!(
        out.status.success(),
        "compiling {source} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs a compiled program (under `AGENTPHONE_C_RUNNER` if set) with a clean agentphone env.
pub fn run(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = command(exe, args, env)
        .output()
        .expect("running the C program");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The command that [`run`] runs: the program under `AGENTPHONE_C_RUNNER` if set, with a clean
/// agentphone env (for a test that talks to the program while it runs).
pub fn command(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let runner = std::env::var("AGENTPHONE_C_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    let mut cmd = match words.next() {
        Some(tool) => {
            let mut c = Command::new(tool);
            c.args(words).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    cmd.args(args)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("AGENTPHONE_API_KEY")
        .env_remove("AGENTPHONE_BASE_URL")
        .envs(env.iter().copied());
    cmd
}

/// A C program started by [`start`] that serves until it is told to stop: its first line of
/// output (what it prints once it is ready), and the rest once it ends.
pub struct Started {
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// The first line it printed, with its newline.
    pub first_line: String,
}

/// Starts a program as [`command`] would run it, its stdout piped, and waits for its first
/// line.
pub fn start(exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Started {
    let mut child = command(exe, args, env)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the C program");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    Started {
        child,
        stdout,
        first_line,
    }
}

impl Started {
    /// Sends it SIGTERM.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) },
            0
        );
    }

    /// Waits for it to end: how it ended, and what it printed after its first line.
    pub fn finish(mut self) -> (ExitStatus, String) {
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let exit = self.child.wait().unwrap();
        println!("{}{rest}", self.first_line);
        (exit, rest)
    }
}
