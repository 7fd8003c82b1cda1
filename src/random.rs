//! Random values for retry jitter and temporary file names.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// A random number from the standard library's per-instance hash keys (no extra dependency):
/// every `RandomState` gets fresh keys, so hashing nothing already gives a new value. Not a
/// cryptographic generator, and not used as one.
pub(crate) fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

#[cfg(test)]
mod tests {
    use super::random_u64;

    #[test]
    fn random_values_differ_call_to_call() {
        let values: std::collections::HashSet<u64> = (0..100).map(|_| random_u64()).collect();
        assert_eq!(values.len(), 100);
    }
}
