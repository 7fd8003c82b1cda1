//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`; not part of the API): the
//! crate's parsers of untrusted input that have no public door of their own.

use crate::transport::sse::SseParser;

/// Dispatched events as `(event, data)` pairs.
pub type Events = Vec<(String, String)>;

/// Feeds `chunks` to the transcript stream's event parser in turn. Returns the events as
/// `(event, data)` pairs, or `Err(events so far)` when a line is longer than `max_line`.
pub fn sse_events(chunks: &[&[u8]], max_line: usize) -> Result<Events, Events> {
    let mut parser = SseParser::new(max_line);
    let mut events = Vec::new();
    for chunk in chunks {
        match parser.push(chunk) {
            Ok(done) => events.extend(done.into_iter().map(|e| (e.event, e.data))),
            Err(_) => return Err(events),
        }
    }
    Ok(events)
}

/// The URL a raw request (`Client::request(method, path_and_query)`) is sent to from
/// `base_url`, or the error message that refuses it before anything is sent.
pub fn raw_request_url(
    base_url: &str,
    method: &str,
    path_and_query: &str,
) -> Result<String, String> {
    let request = crate::api::raw::build(method, path_and_query).map_err(|e| e.to_string())?;
    Ok(crate::transport::request_url(base_url, &request))
}
