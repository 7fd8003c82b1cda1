//! C API (filled in by the FFI work).
