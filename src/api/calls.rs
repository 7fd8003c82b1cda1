//! Call operations ([`Calls`]): list, place, read (and wait for the end), end, transcript.

use std::time::Duration;

use super::paging::{OffsetIter, OffsetPage};
use super::validate;
use crate::error::Error;
use crate::model::calls::{
    Call as PhoneCall, CallPage, CreateCall, GetCall, ListCalls, Transcript,
};
use crate::transport::{ApiRequest, Call, Method, Transport};

/// How much longer than the server's wait a long poll's own timeout is.
pub const LONG_POLL_MARGIN: Duration = Duration::from_secs(30);

/// Call operations, from [`Client::calls`](crate::Client::calls).
#[derive(Debug, Clone, Copy)]
pub struct Calls<'a> {
    pub(crate) transport: &'a Transport,
}

/// The validated, built requests of the call operations, sent by [`Calls`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn list(query: &ListCalls) -> Result<Call<CallPage>, Error> {
        validate::list_calls(query)?;
        Ok(Call::new(
            ApiRequest::new(Method::Get, "/v1/calls".into())
                .query("limit", query.limit)
                .query("offset", query.offset)
                .query("status", query.status.as_ref())
                .query("direction", query.direction.as_ref())
                .query("type", query.call_type.as_ref())
                .query("search", query.search.as_ref()),
        ))
    }

    pub fn create(call: &CreateCall) -> Result<Call<PhoneCall>, Error> {
        validate::create_call(call)?;
        Ok(Call::new(
            ApiRequest::new(Method::Post, "/v1/calls".into()).json_body(call)?,
        ))
    }

    /// `GET /v1/calls/{id}`; with `wait`, a long poll whose own timeout is the wait plus
    /// [`LONG_POLL_MARGIN`] (the API's default wait is 120 s).
    pub fn get(call_id: &str, query: &GetCall) -> Result<Call<PhoneCall>, Error> {
        let id = validate::segment("callId", call_id)?;
        validate::get_call(query)?;
        let mut request = ApiRequest::new(Method::Get, format!("/v1/calls/{id}"));
        if query.wait == Some(true) {
            let wait = query.timeout.unwrap_or(120);
            request = request
                .query("wait", Some("true"))
                .query("timeout", query.timeout)
                .timeout(Duration::from_secs(wait.into()) + LONG_POLL_MARGIN);
        }
        Ok(Call::new(request))
    }

    pub fn end(call_id: &str) -> Result<Call<PhoneCall>, Error> {
        let id = validate::segment("callId", call_id)?;
        Ok(Call::new(
            ApiRequest::new(Method::Post, format!("/v1/calls/{id}/end")).idempotent(),
        ))
    }

    pub fn transcript(call_id: &str) -> Result<Call<Transcript>, Error> {
        let id = validate::segment("callId", call_id)?;
        Ok(Call::new(ApiRequest::new(
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
    pub fn iter(&self, page_size: u32, filters: ListCalls) -> OffsetIter<'a, PhoneCall> {
        let calls = *self;
        OffsetIter::new(
            |c: &PhoneCall| &c.id,
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
    /// the call may be ringing; list the calls before placing it again.
    pub fn create(&self, call: &CreateCall) -> Result<PhoneCall, Error> {
        self.transport.execute(&requests::create(call)?)
    }

    /// A call with its transcript so far: `GET /v1/calls/{id}`.
    pub fn get(&self, call_id: &str) -> Result<PhoneCall, Error> {
        self.transport
            .execute(&requests::get(call_id, &GetCall::default())?)
    }

    /// Waits until the call ends, for at most `seconds` (10 to 300), and returns it as it is
    /// then: `GET /v1/calls/{id}?wait=true&timeout=seconds`. The request's own timeout is
    /// `seconds` + 30 s, whatever the client's timeout; check [`PhoneCall::is_finished`]: the
    /// call may still be going when the wait runs out.
    pub fn wait(&self, call_id: &str, seconds: u32) -> Result<PhoneCall, Error> {
        let query = GetCall {
            wait: Some(true),
            timeout: Some(seconds),
        };
        self.transport.execute(&requests::get(call_id, &query)?)
    }

    /// Hangs up: `POST /v1/calls/{id}/end`. Returns once the end is accepted; the status
    /// changes shortly after. Retried like a read: ending an ended call changes nothing.
    pub fn end(&self, call_id: &str) -> Result<PhoneCall, Error> {
        self.transport.execute(&requests::end(call_id)?)
    }

    /// The full transcript, as the server sends it: `GET /v1/calls/{id}/transcript`.
    pub fn transcript(&self, call_id: &str) -> Result<Transcript, Error> {
        self.transport.execute(&requests::transcript(call_id)?)
    }
}
