//! One export that makes one request: everything ureq, rustls and ring bring to a C library
//! that can speak HTTPS, and nothing else.

use std::ffi::{c_char, CStr};

/// GETs `url` and returns the body's length, or a negative number when it fails.
///
/// # Safety
/// `url` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn size_floor_get(url: *const c_char) -> i64 {
    // SAFETY: by this function's contract.
    let url = unsafe { CStr::from_ptr(url) }.to_str().unwrap_or("");
    std::panic::catch_unwind(|| match ureq::get(url).call() {
        Ok(mut answer) => answer
            .body_mut()
            .read_to_string()
            .map_or(-2, |body| body.len() as i64),
        Err(_) => -1,
    })
    .unwrap_or(-3)
}
