//! Call operations ([`Calls`]): list, place, read (and wait for the end), end, transcript (whole
//! or streamed live), recording.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::paging::{OffsetIter, OffsetPage};
use super::validate;
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::file::ReplacedFile;
use crate::model::calls::{
    Call, CallPage, CreateCall, GetCall, ListCalls, Transcript, TranscriptEvent,
};
use crate::transport::sse::{SseError, SseReader};
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// How much longer than the server's wait a long poll's own timeout is.
pub const LONG_POLL_MARGIN: Duration = Duration::from_secs(30);

/// The longest wait between two reads of a transcript stream: the server sends a heartbeat
/// every 15 s, so silence this long means the stream is dead.
pub const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(45);

/// A recording written to a file or writer ([`Calls::save_recording`], [`Calls::recording_to`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordingDownload {
    /// How many bytes were written.
    pub bytes: u64,
    /// Its media type, e.g. `audio/wav` (when the server said).
    pub content_type: Option<String>,
}

/// A call's recording: the audio and its media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// The audio, as served.
    pub bytes: Vec<u8>,
    /// Its media type, e.g. `audio/wav` (when the server said).
    pub content_type: Option<String>,
}

/// Call operations, from [`Client::calls`](crate::Client::calls).
#[derive(Debug, Clone, Copy)]
pub struct Calls<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// Call operations: list, place, read, wait for the end, end, transcript.
    pub fn calls(&self) -> Calls<'_> {
        Calls {
            transport: self.transport(),
        }
    }
}

/// The validated, built requests of the call operations, sent by [`Calls`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn list(query: &ListCalls) -> Result<Operation<CallPage>, Error> {
        check_list_calls(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/calls".into())
                .query("limit", query.limit)
                .query("offset", query.offset)
                .query("status", query.status.as_ref())
                .query("direction", query.direction.as_ref())
                .query("type", query.call_type.as_ref())
                .query("search", query.search.as_ref()),
        ))
    }

    /// `POST /v1/calls`; with `waitForCompletion`, its own timeout is the wait (600 s when
    /// not given) plus [`LONG_POLL_MARGIN`]. A once-only write either way.
    pub fn create(call: &CreateCall) -> Result<Operation<Call>, Error> {
        check_create_call(call)?;
        let mut request = ApiRequest::new(Method::Post, "/v1/calls".into()).json_body(call)?;
        if call.wait_for_completion == Some(true) {
            let wait = call.max_wait_seconds.unwrap_or(CREATE_CALL_WAIT_SECONDS.1);
            request = request.timeout(Duration::from_secs(wait.into()) + LONG_POLL_MARGIN);
        }
        Ok(Operation::new(request))
    }

    /// `GET /v1/calls/{id}`; with `wait`, a long poll whose own timeout is the wait plus
    /// [`LONG_POLL_MARGIN`] (the API's default wait is 120 s).
    pub fn get(call_id: &str, query: &GetCall) -> Result<Operation<Call>, Error> {
        let id = validate::segment("callId", call_id)?;
        check_get_call(query)?;
        let mut request = ApiRequest::new(Method::Get, format!("/v1/calls/{id}"));
        if query.wait == Some(true) {
            let wait = query.timeout.unwrap_or(120);
            request = request
                .query("wait", Some("true"))
                .query("timeout", query.timeout)
                .timeout(Duration::from_secs(wait.into()) + LONG_POLL_MARGIN);
        }
        Ok(Operation::new(request))
    }

    pub fn end(call_id: &str) -> Result<Operation<Call>, Error> {
        let id = validate::segment("callId", call_id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, format!("/v1/calls/{id}/end")).idempotent(),
        ))
    }

    pub fn stream_transcript(call_id: &str) -> Result<ApiRequest, Error> {
        let id = validate::segment("callId", call_id)?;
        Ok(
            ApiRequest::new(Method::Get, format!("/v1/calls/{id}/transcript/stream"))
                .event_stream(STREAM_READ_TIMEOUT),
        )
    }

    pub fn recording(call_id: &str) -> Result<ApiRequest, Error> {
        let id = validate::segment("callId", call_id)?;
        Ok(
            ApiRequest::new(Method::Get, format!("/v1/calls/{id}/recording"))
                .accept("audio/wav, audio/mpeg, */*"),
        )
    }

    pub fn transcript(call_id: &str) -> Result<Operation<Transcript>, Error> {
        let id = validate::segment("callId", call_id)?;
        Ok(Operation::new(ApiRequest::new(
            Method::Get,
            format!("/v1/calls/{id}/transcript"),
        )))
    }
}

impl<'a> Calls<'a> {
    /// One page of calls, newest first, with optional filters: `GET /v1/calls`.
    pub fn list(&self, query: &ListCalls) -> Result<CallPage, Error> {
        self.transport.execute(&requests::list(query)?)
    }

    /// Every call matching the filters, `page_size` (1 to 100) at a time (see [`OffsetIter`]).
    pub fn iter(&self, page_size: u32, filters: ListCalls) -> OffsetIter<'a, Call> {
        let calls = *self;
        OffsetIter::new(
            |c: &Call| &c.id,
            move |offset| {
                let query = ListCalls {
                    limit: Some(page_size),
                    offset: Some(offset),
                    ..filters.clone()
                };
                let page = calls.list(&query)?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// Places an outbound call: `POST /v1/calls`. **Billed per minute, and a phone rings.**
    ///
    /// Never sent twice once it may have reached the server: on [`Error::may_have_succeeded`]
    /// the call may be ringing; list the calls before placing it again. With
    /// [`CreateCall::wait_for_completion`] it answers when the call ends (or the wait runs
    /// out), with a timeout of its own of the wait plus [`LONG_POLL_MARGIN`].
    pub fn create(&self, call: &CreateCall) -> Result<Call, Error> {
        self.transport.execute(&requests::create(call)?)
    }

    /// A call with its transcript so far: `GET /v1/calls/{id}`.
    pub fn get(&self, call_id: &str) -> Result<Call, Error> {
        self.transport
            .execute(&requests::get(call_id, &GetCall::default())?)
    }

    /// Waits until the call ends, for at most `seconds` (10 to 300), and returns it as it is
    /// then: `GET /v1/calls/{id}?wait=true&timeout=seconds`. The request's own timeout is
    /// `seconds` + 30 s, whatever the client's timeout; check [`Call::is_finished`]: the
    /// call may still be going when the wait runs out.
    pub fn wait(&self, call_id: &str, seconds: u32) -> Result<Call, Error> {
        let query = GetCall {
            wait: Some(true),
            timeout: Some(seconds),
        };
        self.transport.execute(&requests::get(call_id, &query)?)
    }

    /// Hangs up: `POST /v1/calls/{id}/end`. Returns once the end is accepted; the status
    /// changes shortly after. Retried like a read: ending an ended call changes nothing.
    pub fn end(&self, call_id: &str) -> Result<Call, Error> {
        self.transport.execute(&requests::end(call_id)?)
    }

    /// The full transcript, as the server sends it: `GET /v1/calls/{id}/transcript`.
    pub fn transcript(&self, call_id: &str) -> Result<Transcript, Error> {
        self.transport.execute(&requests::transcript(call_id)?)
    }
}

impl<'a> Calls<'a> {
    /// Follows a call's transcript live: `GET /v1/calls/{id}/transcript/stream` (server-sent
    /// events). The server replays the turns so far, then sends each new one, then `ended`; the
    /// iterator ends after `ended` or when the server closes the stream.
    ///
    /// Opening it is retried like any read; once events flow it is never reopened (the server
    /// would replay the history, repeating turns). Heartbeats are skipped; 45 s without a byte
    /// ([`STREAM_READ_TIMEOUT`]) ends it with a timeout error. The client's per-attempt timeout
    /// does not apply: a stream lasts as long as the call. One event (its data) larger than the
    /// client's `max_response_bytes` is an [`ErrorKind::Decode`] error, and so is an answer that
    /// is not `text/event-stream`.
    pub fn stream_transcript(&self, call_id: &str) -> Result<TranscriptStream, Error> {
        let request = requests::stream_transcript(call_id)?;
        let body = self.transport.open(&request)?;
        let max_event =
            usize::try_from(self.transport.settings().max_response_bytes).unwrap_or(usize::MAX);
        let reader = body.into_with_config().limit(u64::MAX).reader();
        Ok(TranscriptStream {
            reader: SseReader::new(Box::new(reader), max_event),
            done: false,
        })
    }

    /// Downloads a call's recording into memory: `GET /v1/calls/{id}/recording` (404 when the
    /// call has none). At most the client's
    /// [`max_recording_bytes`](crate::ClientBuilder::max_recording_bytes) (1 GiB by default),
    /// all of it held in memory: [`Calls::save_recording`] and [`Calls::recording_to`] stream it
    /// instead.
    pub fn recording(&self, call_id: &str) -> Result<Recording, Error> {
        let mut bytes = Vec::new();
        let download = self.recording_to(call_id, &mut bytes)?;
        Ok(Recording {
            bytes,
            content_type: download.content_type,
        })
    }

    /// Streams a call's recording into `out` as it arrives, never holding it whole:
    /// `GET /v1/calls/{id}/recording`. At most the client's
    /// [`max_recording_bytes`](crate::ClientBuilder::max_recording_bytes) (1 GiB by default):
    /// a longer one is an [`ErrorKind::Decode`] error, refused before a byte is written when
    /// the server gives its length.
    ///
    /// Retried like a read until the first byte reaches `out`, never after: `out` then holds
    /// part of the file (see [`Calls::save_recording`] for a file that is complete or absent).
    /// A write to `out` that fails is an [`ErrorKind::InvalidArgument`] error naming `out`.
    pub fn recording_to(
        &self,
        call_id: &str,
        out: &mut dyn Write,
    ) -> Result<RecordingDownload, Error> {
        let request = requests::recording(call_id)?;
        let limit = self.transport.settings().max_recording_bytes;
        let (bytes, content_type) =
            self.transport
                .download(&request, limit, "maxRecordingBytes", "out", out)?;
        Ok(RecordingDownload {
            bytes,
            content_type,
        })
    }

    /// Downloads a call's recording into the file `path`, streamed to a temporary file beside
    /// it that is renamed over `path` once complete and on disk (the directory too): a failed
    /// download never leaves a partial file, and an existing file is replaced only on success.
    /// Limits and retries as [`Calls::recording_to`].
    ///
    /// On Unix a new file is created `0600` (owner only, whatever the umask: a call's audio is
    /// personal data); a file it replaces keeps its permission bits. A symbolic link at `path`
    /// is replaced by the file itself; the link's target is not written. A path whose
    /// temporary file cannot be created is an [`ErrorKind::InvalidArgument`] error naming
    /// `path`, before anything is sent.
    pub fn save_recording(
        &self,
        call_id: &str,
        path: impl AsRef<Path>,
    ) -> Result<RecordingDownload, Error> {
        let path = path.as_ref();
        let cannot_write = |e: std::io::Error| {
            Error::invalid("path", format_args!("cannot write {}: {e}", path.display()))
        };
        let request = requests::recording(call_id)?;
        let mut file = ReplacedFile::create(path).map_err(cannot_write)?;
        let limit = self.transport.settings().max_recording_bytes;
        let (bytes, content_type) =
            self.transport
                .download(&request, limit, "maxRecordingBytes", "path", &mut file)?;
        file.commit().map_err(cannot_write)?;
        Ok(RecordingDownload {
            bytes,
            content_type,
        })
    }
}

/// A call's live transcript, from [`Calls::stream_transcript`]: an iterator of events.
pub struct TranscriptStream {
    reader: SseReader<Box<dyn std::io::Read + Send>>,
    done: bool,
}

impl std::fmt::Debug for TranscriptStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TranscriptStream")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl TranscriptStream {
    /// The next event as its name and raw data (the C API passes these on as JSON).
    pub(crate) fn next_raw(&mut self) -> Option<Result<(String, String), Error>> {
        if self.done {
            return None;
        }
        let next = match self.reader.next_event() {
            Ok(Some(e)) => Ok((e.event, e.data)),
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(SseError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "the transcript stream sent nothing for {} s (not even a heartbeat)",
                    STREAM_READ_TIMEOUT.as_secs()
                ),
            )),
            Err(SseError::Io(e)) => Err(Error::new(
                ErrorKind::Network,
                format!("the transcript stream failed: {e}"),
            )),
            Err(SseError::EventTooLarge(max)) => Err(Error::new(
                ErrorKind::Decode,
                format!("a transcript stream event is larger than maxResponseBytes ({max} bytes)"),
            )),
        };
        match &next {
            Ok((event, _)) if event == "ended" => self.done = true,
            Err(_) => self.done = true,
            Ok(_) => {}
        }
        Some(next)
    }
}

impl Iterator for TranscriptStream {
    type Item = Result<TranscriptEvent, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.next_raw()?;
        Some(next.and_then(|(event, data)| {
            TranscriptEvent::from_parts(&event, &data).map_err(|why| {
                Error::new(
                    ErrorKind::Decode,
                    format!("transcript event is not the documented shape: {why}"),
                )
            })
        }))
    }
}

// The checks of this resource's input, made before anything is sent.

/// The long-poll wait of `GET /v1/calls/{id}`, in seconds.
pub const CALL_WAIT_SECONDS: (u32, u32) = (10, 300);

/// The range of [`CreateCall::max_wait_seconds`]: a create that waits for the call's end.
pub const CREATE_CALL_WAIT_SECONDS: (u32, u32) = (10, 600);

/// Checks a call: an agent and an E.164 number.
fn check_create_call(c: &CreateCall) -> Result<(), Error> {
    match &c.agent_id {
        Some(a) => validate::id("agentId", a)?,
        None => return Err(Error::invalid("agentId", "is required")),
    }
    match &c.to_number {
        Some(n) if validate::is_e164(n) => {}
        Some(n) => {
            return Err(Error::invalid(
                "toNumber",
                format_args!("must be an E.164 number such as +15551234567, got {n:?}"),
            ))
        }
        None => return Err(Error::invalid("toNumber", "is required")),
    }
    if let Some(n) = &c.from_number_id {
        validate::id("fromNumberId", n)?;
    }
    validate::range(
        "maxWaitSeconds",
        c.max_wait_seconds,
        CREATE_CALL_WAIT_SECONDS,
    )?;
    if c.max_wait_seconds.is_some() && c.wait_for_completion != Some(true) {
        return Err(Error::invalid(
            "maxWaitSeconds",
            "applies only with \"waitForCompletion\": true",
        ));
    }
    Ok(())
}

/// Checks a call list query.
fn check_list_calls(q: &ListCalls) -> Result<(), Error> {
    validate::limit(q.limit, validate::PAGE_LIMIT)?;
    validate::offset(q.offset)?;
    for (field, value) in [
        ("status", &q.status),
        ("direction", &q.direction),
        ("type", &q.call_type),
        ("search", &q.search),
    ] {
        validate::text(field, value)?;
    }
    Ok(())
}

/// Checks a call read: the long-poll wait is 10 to 300 s, and only with `wait`.
fn check_get_call(q: &GetCall) -> Result<(), Error> {
    validate::range("timeout", q.timeout, CALL_WAIT_SECONDS)?;
    if q.timeout.is_some() && q.wait != Some(true) {
        return Err(Error::invalid(
            "timeout",
            "applies only with \"wait\": true",
        ));
    }
    Ok(())
}
