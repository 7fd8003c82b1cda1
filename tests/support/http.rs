//! One HTTP/1.1 message read off a stream, as the tests' own clients and proxies read them.

use std::io::Read;

/// Reads one HTTP message (its head, then a `Content-Length` body, none without one) from
/// `from`; `buf` holds what was read past it, for the next. `None` when the stream ends or
/// fails before the message is whole.
pub fn read_message(from: &mut impl Read, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buf.len() < end + 4 + length {
                let n = from.read(&mut chunk).ok().filter(|&n| n > 0)?;
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf.drain(..end + 4 + length).collect());
        }
        let n = from.read(&mut chunk).ok().filter(|&n| n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A message's head and body.
pub fn split(message: &[u8]) -> (String, Vec<u8>) {
    let end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole message");
    (
        String::from_utf8_lossy(&message[..end]).into_owned(),
        message[end + 4..].to_vec(),
    )
}
