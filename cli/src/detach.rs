//! Standard output handed back once the sandbox's exports are printed, so that
//! `eval "$(agentphone sandbox --port 0 &)"` returns (a command substitution waits until every
//! writer of the pipe has closed it) while the sandbox serves on.
#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::os::fd::AsRawFd;

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
