//! Number operations ([`Numbers`]) and the iterators over every page ([`NumberIter`],
//! [`MessageIter`]).

use std::collections::{HashSet, VecDeque};

use crate::client::Client;
use crate::error::Error;
use crate::model::{
    format_timestamp, CreateNumber, ListMessages, ListNumbers, Message, MessagePage, NumberPage,
    PhoneNumber, ReleasedNumber,
};
use crate::transport::{ApiRequest, Call, Method};
use crate::validate;

/// Number operations, from [`Client::numbers`].
#[derive(Debug, Clone, Copy)]
pub struct Numbers<'a> {
    pub(crate) client: &'a Client,
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
    /// Never retried after the request may have reached the server (a timeout, a reset, a 5xx):
    /// such a failure means the number may or may not exist, so list before creating again.
    pub fn create(&self, req: &CreateNumber) -> Result<PhoneNumber, Error> {
        self.client.execute(calls::create(req)?)
    }

    /// One page of the account's numbers: `GET /v1/numbers`. Released numbers are not listed.
    pub fn list(&self, query: &ListNumbers) -> Result<NumberPage, Error> {
        self.client.execute(calls::list(query)?)
    }

    /// One number, in any status (a released one included): `GET /v1/numbers/{id}`.
    pub fn get(&self, number_id: &str) -> Result<PhoneNumber, Error> {
        self.client.execute(calls::get(number_id)?)
    }

    /// Releases a number: `DELETE /v1/numbers/{id}`. Irreversible; its messages are kept.
    pub fn release(&self, number_id: &str) -> Result<ReleasedNumber, Error> {
        self.client.execute(calls::release(number_id)?)
    }

    /// One page of a number's messages, newest first: `GET /v1/numbers/{id}/messages`.
    pub fn messages(&self, number_id: &str, query: &ListMessages) -> Result<MessagePage, Error> {
        self.client.execute(calls::messages(number_id, query)?)
    }

    /// Every listed number, `page_size` (1 to 100) at a time; the next page is fetched only when
    /// the previous one is used up.
    pub fn iter(&self, page_size: u32) -> NumberIter<'a> {
        NumberIter {
            client: self.client,
            page_size,
            offset: 0,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            done: false,
        }
    }

    /// Every message of a number, newest first, following `before` cursors; `query.limit` is the
    /// page size and `query.after` bounds the oldest message (both kept on every page).
    pub fn iter_messages(&self, number_id: &str, query: ListMessages) -> MessageIter<'a> {
        MessageIter {
            client: self.client,
            number_id: number_id.to_string(),
            query,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
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
    client: &'a Client,
    page_size: u32,
    offset: u64,
    buffer: VecDeque<PhoneNumber>,
    seen: HashSet<String>,
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
            let page = match self.client.numbers().list(&query) {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.offset += page.data.len() as u64;
            self.done = !page.has_more || page.data.is_empty();
            let seen = &mut self.seen;
            self.buffer
                .extend(page.data.into_iter().filter(|n| seen.insert(n.id.clone())));
        }
    }
}

/// Iterator over every message of a number, from [`Numbers::iter_messages`]: each next page asks
/// for messages `before` the oldest `receivedAt` seen so far, and skips messages already yielded
/// (by id), so messages sharing the boundary timestamp are neither lost nor repeated.
///
/// Yields `Err` once and then ends if a page fails. Ends when `hasMore` is false, or when a page
/// brings nothing new (a server that ignores `before` cannot make it loop forever).
#[derive(Debug)]
pub struct MessageIter<'a> {
    client: &'a Client,
    number_id: String,
    query: ListMessages,
    buffer: VecDeque<Message>,
    seen: HashSet<String>,
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
                return None;
            }
            let page = match self.client.numbers().messages(&self.number_id, &self.query) {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            if let Some(oldest) = page.data.iter().map(|m| m.received_at).min() {
                self.query.before = Some(match self.query.before {
                    Some(b) if b < oldest => b,
                    _ => oldest,
                });
            }
            let seen = &mut self.seen;
            let before = self.buffer.len();
            self.buffer
                .extend(page.data.into_iter().filter(|m| seen.insert(m.id.clone())));
            let new = self.buffer.len() - before;
            // Nothing older can exist once the cursor reaches `after`.
            let exhausted =
                matches!((self.query.before, self.query.after), (Some(b), Some(a)) if b <= a);
            self.done = !page.has_more || new == 0 || exhausted;
        }
    }
}
