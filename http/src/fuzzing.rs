//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not part of the API): the
//! server's request reader fed from memory.

use std::io;
use std::time::Instant;

use crate::{read_request, Limits, ReadError, Source, READ_CHUNK};

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

/// Parses the HTTP/1.1 requests in `chunks`, arriving in that order on one connection, with the
/// server's reader and its default limits, until the connection would close: each request as
/// `(method, path, query, body, keep-alive)`, then the status of the error answer that ended the
/// connection (`None`: it ended without one). Also the most bytes the server held at once.
pub fn requests(chunks: &[&[u8]]) -> ParsedStream {
    read_all(chunks, Limits::default())
}

/// As [`requests`], on a server that takes chunked bodies (the receiver's).
pub fn requests_chunked(chunks: &[&[u8]]) -> ParsedStream {
    read_all(
        chunks,
        Limits {
            chunked_bodies: true,
            ..Limits::default()
        },
    )
}

fn read_all(chunks: &[&[u8]], limits: Limits) -> ParsedStream {
    let mut source = Chunks {
        chunks,
        at: 0,
        offset: 0,
        peak: 0,
    };
    let mut buf = Vec::new();
    let mut requests = Vec::new();
    let refused = loop {
        match read_request(&mut source, &mut buf, limits) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_reads_pipelined_requests_split_anywhere() {
        let stream = b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
        let whole = requests(&[stream]);
        assert_eq!(whole.requests.len(), 2);
        assert_eq!(whole.requests[1].3, b"hi");
        assert!(!whole.requests[1].4);
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        let split = requests(&bytes);
        assert_eq!(
            (split.requests, split.refused),
            (whole.requests, whole.refused)
        );
        let bad = requests(&[b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"]);
        assert_eq!(bad.refused, Some(400));
    }
}
