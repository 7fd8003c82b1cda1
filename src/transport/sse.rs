//! Server-sent events, as the HTML standard defines the format: fed arbitrary chunks of a
//! stream, yields the same events whatever the split.
//!
//! Lines end with `\r\n`, `\n` or `\r`; a blank line dispatches the event; `:` starts a comment
//! (a heartbeat); `field: value` loses one space after the colon; `data` lines are joined with
//! `\n`; `event` names the event (default `message`); `id` and `retry` are read and not used;
//! other fields are ignored. An event with no data is not dispatched.
//!
//! One event is bounded: its data so far plus the line being read may not exceed the limit the
//! parser is made with, so a server that never sends the blank line cannot grow it without end.

use std::io::Read;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub event: String,
    pub data: String,
}

/// The parser's state between chunks.
#[derive(Debug)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended with `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    /// Largest event accepted, in bytes: its data so far and the line being read.
    max_event: usize,
    /// Set when an event outgrew the limit: every later push fails.
    failed: Option<EventTooLarge>,
}

/// An event larger than the parser accepts (the limit, in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventTooLarge(pub usize);

impl SseParser {
    pub fn new(max_event: usize) -> SseParser {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            event: String::new(),
            data: String::new(),
            max_event,
            failed: None,
        }
    }

    /// Feeds the next chunk; returns the events it completes, in order. The events completed
    /// before an event outgrew the limit are still returned, and the error comes from
    /// [`SseParser::failed`] and every later push: the same events, whatever the split.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let mut events = Vec::new();
        for &b in chunk {
            if std::mem::take(&mut self.after_cr) && b == b'\n' {
                continue;
            }
            match b {
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.line_done(&line) {
                        events.push(event);
                    }
                }
                _ => {
                    if self.line.len() + self.data.len() >= self.max_event {
                        let e = EventTooLarge(self.max_event);
                        self.failed = Some(e);
                        return if events.is_empty() {
                            Err(e)
                        } else {
                            Ok(events)
                        };
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(events)
    }

    /// Whether an event outgrew the limit.
    pub fn failed(&self) -> Option<EventTooLarge> {
        self.failed
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let mut data = std::mem::take(&mut self.data);
            if data.is_empty() {
                return None;
            }
            data.pop(); // the `\n` after the last data line
            let event = if event.is_empty() {
                "message".to_string()
            } else {
                event
            };
            return Some(SseEvent { event, data });
        }
        if line[0] == b':' {
            return None; // a comment: the server's heartbeat
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            _ => {} // id, retry, and fields the standard tells us to ignore
        }
        None
    }
}

/// Events read from a byte stream, in order; ends at the end of the stream.
pub(crate) struct SseReader<R> {
    reader: R,
    parser: SseParser,
    pending: std::collections::VecDeque<SseEvent>,
    done: bool,
}

/// Why reading the stream stopped early.
#[derive(Debug)]
pub(crate) enum SseError {
    Io(std::io::Error),
    EventTooLarge(usize),
}

impl<R: Read> SseReader<R> {
    pub fn new(reader: R, max_event: usize) -> SseReader<R> {
        SseReader {
            reader,
            parser: SseParser::new(max_event),
            pending: Default::default(),
            done: false,
        }
    }

    /// The next event, `None` at the end of the stream.
    pub fn next_event(&mut self) -> Result<Option<SseEvent>, SseError> {
        let mut buf = [0u8; 8192];
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Ok(Some(e));
            }
            if let Some(EventTooLarge(max)) = self.parser.failed() {
                return Err(SseError::EventTooLarge(max));
            }
            if self.done {
                return Ok(None);
            }
            let n = match self.reader.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(SseError::Io(e)),
            };
            if n == 0 {
                self.done = true;
                // An event not followed by a blank line is not dispatched (the standard).
                continue;
            }
            let events = self
                .parser
                .push(&buf[..n])
                .map_err(|EventTooLarge(max)| SseError::EventTooLarge(max))?;
            self.pending.extend(events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new(1 << 20);
        chunks.iter().flat_map(|c| p.push(c).unwrap()).collect()
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
        }
    }

    const STREAM: &[u8] = b": heartbeat\r\n\r\nevent: connected\r\ndata: {\"callId\":\"c1\"}\r\n\r\nevent:turn\ndata: {\"role\":\"user\",\ndata: \"content\":\"hi\"}\n\n: heartbeat\n\nid: 7\nretry: 10\ndata: plain\r\revent: ended\ndata: {}\n\nevent: partial\ndata: never dispatched";

    #[test]
    fn the_standards_line_endings_comments_and_multi_line_data() {
        let events = parse_all(&[STREAM]);
        assert_eq!(
            events,
            [
                ev("connected", "{\"callId\":\"c1\"}"),
                ev("turn", "{\"role\":\"user\",\n\"content\":\"hi\"}"),
                ev("message", "plain"),
                ev("ended", "{}"),
            ]
        );
    }

    #[test]
    fn every_split_of_the_stream_gives_the_same_events() {
        let whole = parse_all(&[STREAM]);
        for at in 0..=STREAM.len() {
            let (a, b) = STREAM.split_at(at);
            assert_eq!(parse_all(&[a, b]), whole, "split at {at}");
        }
        let bytes: Vec<&[u8]> = STREAM.chunks(1).collect();
        assert_eq!(parse_all(&bytes), whole, "byte by byte");
    }

    #[test]
    fn a_line_over_the_limit_is_refused() {
        let mut p = SseParser::new(16);
        assert!(p.push(b"data: short\n\n").is_ok());
        assert_eq!(p.push(&[b'x'; 17]), Err(EventTooLarge(16)));
        // The events before it in the same chunk are still handed out, then only the error.
        let mut p = SseParser::new(16);
        let got = p.push(b"data: a\n\nxxxxxxxxxxxxxxxxxxxx").unwrap();
        assert_eq!(got, [ev("message", "a")]);
        assert_eq!(p.failed(), Some(EventTooLarge(16)));
        assert_eq!(p.push(b"\n\n"), Err(EventTooLarge(16)));
    }

    #[test]
    fn an_event_of_many_short_lines_over_the_limit_is_refused() {
        let mut p = SseParser::new(64);
        // Events under the limit pass, however many there are: the limit is per event.
        for _ in 0..100 {
            assert_eq!(
                p.push(b"data: 0123456789\ndata: 0123456789\n\n")
                    .unwrap()
                    .len(),
                1
            );
        }
        let mut result = Ok(Vec::new());
        for _ in 0..10 {
            result = p.push(b"data: 0123456789\n");
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(EventTooLarge(64)));
        // Comments and other fields are not held, so they do not count.
        let mut p = SseParser::new(64);
        for _ in 0..1000 {
            assert!(p.push(b": heartbeat\nid: 7\n").is_ok());
        }
    }

    #[test]
    fn the_reader_stops_at_the_end_of_the_stream() {
        let mut r = SseReader::new(STREAM, 1 << 20);
        let mut n = 0;
        while r.next_event().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 4);
    }
}
