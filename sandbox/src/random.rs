//! Random values for keys, secrets and ids.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// A random number from the standard library's per-instance hash keys (no extra dependency):
/// every `RandomState` gets fresh keys, so hashing nothing already gives a new value. Enough for
/// an offline server's keys and ids; not a cryptographic generator.
pub(crate) fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}
