//! Number operations ([`Numbers`]) and the iterators over every page ([`NumberIter`],
//! [`MessageIter`]).

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::validate;
use crate::error::{Error, ErrorKind};
use crate::model::format_timestamp;
use crate::model::messages::{ListMessages, Message, MessagePage};
use crate::model::numbers::{CreateNumber, ListNumbers, NumberPage, PhoneNumber, ReleasedNumber};
use crate::transport::{ApiRequest, Call, Method, Transport};

/// Number operations, from [`Client::numbers`](crate::Client::numbers).
#[derive(Debug, Clone, Copy)]
pub struct Numbers<'a> {
    pub(crate) transport: &'a Transport,
}

/// The validated, built requests of the number operations: one place for each, sent by the
/// methods of [`Numbers`] and by the C API.
pub(crate) mod calls {
    use super::*;

    pub fn create(req: &CreateNumber) -> Result<Call<PhoneNumber>, Error> {
        let body = validate::create_number(req)?;
        Ok(Call::new(
            ApiRequest::new(Method::Post, "/v1/numbers".into()).json_body(&body)?,
        ))
    }

    pub fn list(query: &ListNumbers) -> Result<Call<NumberPage>, Error> {
        validate::list_numbers(query)?;
        Ok(Call::new(
            ApiRequest::new(Method::Get, "/v1/numbers".into())
                .query("limit", query.limit)
                .query("offset", query.offset),
        ))
    }

    pub fn get(number_id: &str) -> Result<Call<PhoneNumber>, Error> {
        let id = validate::segment("numberId", number_id)?;
        Ok(Call::new(ApiRequest::new(
            Method::Get,
            format!("/v1/numbers/{id}"),
        )))
    }

    pub fn release(number_id: &str) -> Result<Call<ReleasedNumber>, Error> {
        let id = validate::segment("numberId", number_id)?;
        Ok(Call::new(
            ApiRequest::new(Method::Delete, format!("/v1/numbers/{id}")).empty_body_is_object(),
        ))
    }

    pub fn messages(number_id: &str, query: &ListMessages) -> Result<Call<MessagePage>, Error> {
        let id = validate::segment("numberId", number_id)?;
        validate::list_messages(query)?;
        Ok(Call::new(
            ApiRequest::new(Method::Get, format!("/v1/numbers/{id}/messages"))
                .query("limit", query.limit)
                .query("before", query.before.as_ref().map(format_timestamp))
                .query("after", query.after.as_ref().map(format_timestamp)),
        ))
    }
}

impl<'a> Numbers<'a> {
    /// Provisions a number: `POST /v1/numbers`. **Billed.**
    ///
    /// Never retried after the request may have reached the server: such a failure has
    /// [`Error::may_have_succeeded`] set, and the number may exist, so list before creating
    /// again.
    pub fn create(&self, req: &CreateNumber) -> Result<PhoneNumber, Error> {
        self.transport.execute(&calls::create(req)?)
    }

    /// One page of the account's numbers: `GET /v1/numbers`. Released numbers are not listed.
    pub fn list(&self, query: &ListNumbers) -> Result<NumberPage, Error> {
        self.transport.execute(&calls::list(query)?)
    }

    /// One number, in any status (a released one included): `GET /v1/numbers/{id}`.
    pub fn get(&self, number_id: &str) -> Result<PhoneNumber, Error> {
        self.transport.execute(&calls::get(number_id)?)
    }

    /// Releases a number: `DELETE /v1/numbers/{id}`. Irreversible; its messages are kept.
    pub fn release(&self, number_id: &str) -> Result<ReleasedNumber, Error> {
        self.transport.execute(&calls::release(number_id)?)
    }

    /// One page of a number's messages, newest first: `GET /v1/numbers/{id}/messages`.
    pub fn messages(&self, number_id: &str, query: &ListMessages) -> Result<MessagePage, Error> {
        self.transport.execute(&calls::messages(number_id, query)?)
    }

    /// Every listed number, `page_size` (1 to 100) at a time; the next page is fetched only when
    /// the previous one is used up.
    ///
    /// Offset paging and concurrent changes: a number released during the walk shifts the
    /// numbers after it one place towards the start, so the next offset would skip one that was
    /// never yielded. When a page reports a smaller `total` than the page before, the iterator
    /// reads again from that page's offset minus the difference, and drops the numbers it
    /// already yielded (by id), so a release during the walk loses nothing (a number found that
    /// way comes later than its place in the list). A number created during the walk may or may
    /// not be yielded.
    pub fn iter(&self, page_size: u32) -> NumberIter<'a> {
        NumberIter {
            transport: self.transport,
            page_size,
            offset: 0,
            total: None,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            stale_pages: 0,
            done: false,
        }
    }

    /// Every message of a number, newest first, following the `before` cursor; `query.before`
    /// and `query.after` bound the walk. Pages are always of the largest size (200, whatever
    /// `query.limit` says): the timestamp cursor can only page past messages that share one
    /// `receivedAt` when they fit in one page.
    ///
    /// If more than a page of messages share one `receivedAt` (or the server ignores the
    /// cursor), the cursor cannot move while the server says more messages follow: the iterator
    /// then yields an [`ErrorKind::Decode`] error that says so, rather than ending early.
    pub fn iter_messages(&self, number_id: &str, query: ListMessages) -> MessageIter<'a> {
        MessageIter {
            transport: self.transport,
            number_id: number_id.to_string(),
            query: ListMessages {
                limit: Some(validate::MESSAGES_LIMIT.1),
                ..query
            },
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            stalled: None,
            done: false,
        }
    }
}

/// Iterator over every number, from [`Numbers::iter`]: offset paging until `hasMore` is false.
///
/// Yields `Err` once and then ends if a page fails. A number listed twice (because the list
/// shifted between pages) is yielded once.
#[derive(Debug)]
pub struct NumberIter<'a> {
    transport: &'a Transport,
    page_size: u32,
    offset: u64,
    total: Option<u64>,
    buffer: VecDeque<PhoneNumber>,
    seen: HashSet<String>,
    /// Consecutive pages that brought no number not yielded before.
    stale_pages: u32,
    done: bool,
}

impl Iterator for NumberIter<'_> {
    type Item = Result<PhoneNumber, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.buffer.pop_front() {
                return Some(Ok(n));
            }
            if self.done {
                return None;
            }
            let query = ListNumbers::new().limit(self.page_size).offset(self.offset);
            let numbers = Numbers {
                transport: self.transport,
            };
            let page = match numbers.list(&query) {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            // Numbers released since the last page moved the rest towards the start: read again
            // from as far back as they moved, so that none is skipped.
            let shrunk = match (self.total, page.total) {
                (Some(before), Some(now)) => before.saturating_sub(now),
                _ => 0,
            };
            self.total = page.total;
            let start = self.offset;
            let len = page.data.len() as u64;
            let seen = &mut self.seen;
            let before = self.buffer.len();
            self.buffer
                .extend(page.data.into_iter().filter(|n| seen.insert(n.id.clone())));
            self.stale_pages = if self.buffer.len() > before {
                0
            } else {
                self.stale_pages + 1
            };
            if shrunk > 0 {
                self.offset = start.saturating_sub(shrunk);
                continue;
            }
            self.offset = start + len;
            // Two pages in a row with nothing new: a server that ignores the offset cannot make
            // the walk loop forever.
            self.done = !page.has_more
                || len == 0
                || self.total.is_some_and(|t| self.offset >= t)
                || self.stale_pages >= 2;
        }
    }
}

/// Iterator over every message of a number, from [`Numbers::iter_messages`].
///
/// Each next page asks for messages `before` the oldest `receivedAt` seen plus one microsecond,
/// so that messages sharing that timestamp but left off the page are asked for again; those
/// already yielded are dropped by id. Yields `Err` once and then ends if a page fails, or (after
/// the messages already fetched) if the cursor cannot move while `hasMore` is true.
#[derive(Debug)]
pub struct MessageIter<'a> {
    transport: &'a Transport,
    number_id: String,
    query: ListMessages,
    buffer: VecDeque<Message>,
    seen: HashSet<String>,
    /// Yielded once the buffer is drained: why the walk cannot go on.
    stalled: Option<Error>,
    done: bool,
}

impl Iterator for MessageIter<'_> {
    type Item = Result<Message, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(m) = self.buffer.pop_front() {
                return Some(Ok(m));
            }
            if self.done {
                return self.stalled.take().map(Err);
            }
            let numbers = Numbers {
                transport: self.transport,
            };
            let page = match numbers.messages(&self.number_id, &self.query) {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let cursor = next_cursor(&page.data);
            let seen = &mut self.seen;
            self.buffer
                .extend(page.data.into_iter().filter(|m| seen.insert(m.id.clone())));
            if !page.has_more {
                self.done = true;
                continue;
            }
            match cursor {
                Some(next) if self.query.before.is_none_or(|before| next < before) => {
                    self.query.before = Some(next);
                }
                _ => {
                    self.done = true;
                    let at = self
                        .query
                        .before
                        .map(|b| format_timestamp(&(b - ChronoDuration::microseconds(1))));
                    let message = format!(
                        "cannot page past messages received at {}: the server says more \
                         messages follow, but a whole page ({} messages) shares that \
                         `receivedAt` (or the server ignores `before`), so the timestamp \
                         cursor cannot move",
                        at.as_deref().unwrap_or("the cursor"),
                        self.query.limit.unwrap_or_default(),
                    );
                    self.stalled = Some(Error::new(ErrorKind::Decode, message));
                }
            }
        }
    }
}

/// The `before` cursor after a page: just above its oldest message, so that messages sharing
/// that timestamp are asked for again.
fn next_cursor(page: &[Message]) -> Option<DateTime<Utc>> {
    let oldest = page.iter().map(|m| m.received_at).min()?;
    Some(oldest + ChronoDuration::microseconds(1))
}
