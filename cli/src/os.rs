//! What the command asks of the operating system directly: letting go of standard output once
//! the sandbox's exports are printed (so that `eval "$(agentphone sandbox --port 0 &)"`
//! returns: a command substitution waits until every writer of the pipe has closed it), and
//! hearing Ctrl-C and SIGTERM (so that `listen` stops cleanly).
#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};

/// Points file descriptor 1 at /dev/null.
pub fn stdout_to_null() {
    if let Ok(null) = OpenOptions::new().write(true).open("/dev/null") {
        // SAFETY: dup2 on two open descriptors; stdout's Rust handle keeps writing to fd 1,
        // which is now /dev/null.
        unsafe {
            libc::dup2(null.as_raw_fd(), 1);
        }
    }
}

/// Set by SIGINT or SIGTERM once [`hear_interrupts`] ran.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn interrupted(_: libc::c_int) {
    // One atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// SIGINT and SIGTERM set [`INTERRUPTED`] instead of ending the process.
pub fn hear_interrupts() {
    let handler = interrupted as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: installs a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}
