//! Which deliveries the receiver has seen: the key that tells two events apart, and the
//! bounded memory of the keys handled and under way.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use ring::digest;

use super::Event;

/// The dedupe key of a delivery: [`Event::dedupe_key`] (the `X-Webhook-ID` header, else the
/// event's own content), else, for an event with none of those fields, the hash of the body.
pub(crate) fn key(webhook_id: Option<&str>, event: &Event, raw: &[u8]) -> String {
    event.dedupe_key(webhook_id).unwrap_or_else(|| {
        let hash = digest::digest(&digest::SHA256, raw);
        let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("body:{hex}")
    })
}

/// What the memory says of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Not seen (or forgotten): it is now under way, and the caller must call
    /// [`Memory::handled`] or [`Memory::forget`].
    New,
    /// Handled already, within the time it is remembered.
    Handled,
    /// Under way on another connection.
    UnderWay,
}

/// The keys handled (each for `ttl`, at most `capacity` of them, the oldest forgotten first)
/// and the keys under way. In memory, per process.
#[derive(Debug)]
pub(crate) struct Memory {
    capacity: usize,
    ttl: Duration,
    /// `None` while under way; else when it was handled.
    keys: HashMap<String, Option<Instant>>,
    /// The handled keys, oldest first.
    order: VecDeque<(String, Instant)>,
}

impl Memory {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Memory {
        Memory {
            capacity,
            ttl,
            keys: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Looks a key up, and marks it under way when it is new.
    pub(crate) fn check(&mut self, key: &str, now: Instant) -> Seen {
        self.expire(now);
        match self.keys.get(key) {
            Some(Some(_)) => Seen::Handled,
            Some(None) => Seen::UnderWay,
            None => {
                self.keys.insert(key.to_owned(), None);
                Seen::New
            }
        }
    }

    /// Remembers a key under way as handled.
    pub(crate) fn handled(&mut self, key: &str, now: Instant) {
        if let Some(state) = self.keys.get_mut(key) {
            *state = Some(now);
            self.order.push_back((key.to_owned(), now));
        }
        while self.order.len() > self.capacity {
            self.pop_oldest();
        }
    }

    /// Forgets a key under way (its callback failed: the API delivers it again).
    pub(crate) fn forget(&mut self, key: &str) {
        if self.keys.get(key) == Some(&None) {
            self.keys.remove(key);
        }
    }

    fn expire(&mut self, now: Instant) {
        while self
            .order
            .front()
            .is_some_and(|(_, at)| now.saturating_duration_since(*at) >= self.ttl)
        {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((key, at)) = self.order.pop_front() {
            // The key may have been handled again since (forgotten, then redelivered): only its
            // latest handling removes it.
            if self.keys.get(&key) == Some(&Some(at)) {
                self.keys.remove(&key);
            }
        }
    }

    /// How many keys it holds, handled or under way.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_events_own_else_the_bodys_hash() {
        let event = |body: &str| Event::from_slice(body.as_bytes()).unwrap();
        let message =
            r#"{"event": "agent.message", "channel": "sms", "data": {"messageId": "m1"}}"#;
        assert_eq!(key(Some("wh_1"), &event(message), b""), "wh_1");
        assert_eq!(key(None, &event(message), b""), "agent.message:m1");
        let turn = |at: &str, said: &str| {
            format!(
                r#"{{"event": "agent.message", "channel": "voice", "timestamp": "{at}",
                   "data": {{"callId": "c1", "transcript": "{said}"}}}}"#
            )
        };
        let first = key(None, &event(&turn("2025-01-01T00:00:00Z", "hello")), b"");
        assert_ne!(
            first,
            key(None, &event(&turn("2025-01-01T00:00:05Z", "hello")), b""),
            "a later turn of the same call saying the same is another event"
        );
        assert_ne!(
            first,
            key(None, &event(&turn("2025-01-01T00:00:00Z", "bye")), b"")
        );
        let unknown = event(r#"{"event": "agent.new_kind", "data": {}}"#);
        let a = key(None, &unknown, b"{\"a\":1}");
        assert!(a.starts_with("body:"), "{a}");
        assert_ne!(a, key(None, &unknown, b"{\"a\":2}"));
    }

    #[test]
    fn a_key_is_new_once_under_way_until_done_and_forgotten_on_failure() {
        let now = Instant::now();
        let mut m = Memory::new(10, Duration::from_secs(60));
        assert_eq!(m.check("k", now), Seen::New);
        assert_eq!(m.check("k", now), Seen::UnderWay);
        m.forget("k");
        assert_eq!(
            m.check("k", now),
            Seen::New,
            "a failed delivery comes again"
        );
        m.handled("k", now);
        assert_eq!(m.check("k", now), Seen::Handled);
        assert_eq!(
            m.check("k", now + Duration::from_secs(61)),
            Seen::New,
            "remembered for the ttl only"
        );
    }

    #[test]
    fn the_memory_holds_at_most_capacity_keys_dropping_the_oldest() {
        let now = Instant::now();
        let mut m = Memory::new(3, Duration::from_secs(60));
        for k in ["a", "b", "c", "d"] {
            assert_eq!(m.check(k, now), Seen::New);
            m.handled(k, now);
        }
        assert_eq!(m.len(), 3);
        assert_eq!(m.check("d", now), Seen::Handled);
        assert_eq!(m.check("a", now), Seen::New, "the oldest was forgotten");
    }
}
