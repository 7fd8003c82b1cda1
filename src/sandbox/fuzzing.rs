//! The sandbox server's request reader fed from memory, for the fuzz target of
//! [`crate::fuzzing::sandbox_requests`].

use std::io;
use std::time::Instant;

use super::http::{read_request, Limits, ReadError, Source, READ_CHUNK};

/// What the server read from one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedStream {
    /// Each request read, as `(method, path, query, body)`, and whether the connection was
    /// kept open after it.
    pub requests: Vec<(String, String, String, Vec<u8>, bool)>,
    /// The status of the error answer that ended the connection; `None` when it ended quietly
    /// (end of input, or a request that closes the connection).
    pub refused: Option<u16>,
    /// The most bytes the server's buffer held at any time.
    pub peak_buffer: usize,
}

/// The chunks in order, each handed out in reads of at most [`READ_CHUNK`] bytes.
struct Chunks<'a> {
    chunks: &'a [&'a [u8]],
    at: usize,
    offset: usize,
    peak: usize,
}

impl Source for Chunks<'_> {
    fn read_more(&mut self, buf: &mut Vec<u8>, _deadline: Instant) -> io::Result<usize> {
        while let Some(chunk) = self.chunks.get(self.at) {
            let rest = &chunk[self.offset..];
            if rest.is_empty() {
                self.at += 1;
                self.offset = 0;
                continue;
            }
            let n = rest.len().min(READ_CHUNK);
            buf.extend_from_slice(&rest[..n]);
            self.offset += n;
            self.peak = self.peak.max(buf.len());
            return Ok(n);
        }
        Ok(0)
    }
}

/// Reads requests from `chunks` until the connection would close.
pub fn parse_stream(chunks: &[&[u8]]) -> ParsedStream {
    let mut source = Chunks {
        chunks,
        at: 0,
        offset: 0,
        peak: 0,
    };
    let mut buf = Vec::new();
    let mut requests = Vec::new();
    let refused = loop {
        match read_request(&mut source, &mut buf, Limits::default()) {
            Ok((r, keep_alive)) => {
                requests.push((r.method, r.path, r.query, r.body, keep_alive));
                if !keep_alive {
                    break None;
                }
            }
            Err(ReadError::Answer(response)) => break Some(response.status),
            Err(ReadError::Idle) | Err(ReadError::Io) => break None,
        }
    };
    ParsedStream {
        requests,
        refused,
        peak_buffer: source.peak,
    }
}
