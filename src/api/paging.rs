//! The two ways the API pages a list, as lazy iterators over every item: offset paging
//! ([`OffsetIter`]: `limit`/`offset`, answered with `hasMore` and `total`) and timestamp-cursor
//! paging ([`CursorIter`]: `before`, newest first, answered with `hasMore` only).

use std::collections::{HashSet, VecDeque};
use std::fmt;

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::validate;
use crate::error::{Error, ErrorKind};
use crate::model::{format_timestamp, Paging};
use crate::transport::{ApiRequest, Method, Operation};

/// `GET {path}` with `limit` and `offset`: the request of every offset-paged list.
pub(crate) fn paged<T>(path: String, query: &Paging) -> Result<Operation<T>, Error> {
    validate::paging(query)?;
    Ok(Operation::new(
        ApiRequest::new(Method::Get, path)
            .query("limit", query.limit)
            .query("offset", query.offset),
    ))
}

/// One page of an offset-paged list, as the iterator needs it.
pub(crate) struct OffsetPage<T> {
    pub data: Vec<T>,
    /// `None` when the list does not say (agents): then `total` decides.
    pub has_more: Option<bool>,
    pub total: Option<u64>,
}

type FetchOffset<'a, T> = Box<dyn FnMut(u64) -> Result<OffsetPage<T>, Error> + Send + Sync + 'a>;

/// Every item of an offset-paged list, fetched a page at a time as the previous one is used up.
///
/// Yields `Err` once and then ends if a page fails. An item listed twice (because the list
/// shifted between pages) is yielded once. When a page reports a smaller `total` than the one
/// before (items were deleted during the walk and the rest moved towards the start), it reads
/// again from that far back, so a deletion during the walk loses nothing; an item found that way
/// comes later than its place in the list. An item created during the walk may or may not be
/// yielded.
pub struct OffsetIter<'a, T> {
    fetch: FetchOffset<'a, T>,
    id: fn(&T) -> &str,
    offset: u64,
    total: Option<u64>,
    buffer: VecDeque<T>,
    seen: HashSet<String>,
    /// Consecutive pages that brought nothing not yielded before.
    stale_pages: u32,
    done: bool,
}

impl<T> fmt::Debug for OffsetIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffsetIter")
            .field("offset", &self.offset)
            .field("total", &self.total)
            .field("buffered", &self.buffer.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'a, T> OffsetIter<'a, T> {
    /// `fetch(offset)` reads the page at `offset`; `id` names an item, to drop repeats.
    pub(crate) fn new(
        id: fn(&T) -> &str,
        fetch: impl FnMut(u64) -> Result<OffsetPage<T>, Error> + Send + Sync + 'a,
    ) -> OffsetIter<'a, T> {
        OffsetIter {
            fetch: Box::new(fetch),
            id,
            offset: 0,
            total: None,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            stale_pages: 0,
            done: false,
        }
    }
}

impl<T> Iterator for OffsetIter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let page = match (self.fetch)(self.offset) {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            // Items deleted since the last page moved the rest towards the start: read again
            // from as far back as they moved, so that none is skipped.
            let shrunk = match (self.total, page.total) {
                (Some(before), Some(now)) => before.saturating_sub(now),
                _ => 0,
            };
            self.total = page.total;
            let start = self.offset;
            let len = page.data.len() as u64;
            let (seen, id) = (&mut self.seen, self.id);
            let before = self.buffer.len();
            self.buffer.extend(
                page.data
                    .into_iter()
                    .filter(|item| seen.insert(id(item).to_string())),
            );
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
            let has_more = page
                .has_more
                .unwrap_or_else(|| self.total.is_some_and(|t| self.offset < t));
            // Two pages in a row with nothing new: a server that ignores the offset cannot make
            // the walk loop forever.
            self.done = !has_more
                || len == 0
                || self.total.is_some_and(|t| self.offset >= t)
                || self.stale_pages >= 2;
        }
    }
}

/// One page of a timestamp-cursor list.
pub(crate) struct CursorPage<T> {
    pub data: Vec<T>,
    pub has_more: bool,
}

type FetchCursor<'a, T> =
    Box<dyn FnMut(Option<DateTime<Utc>>) -> Result<CursorPage<T>, Error> + Send + Sync + 'a>;

/// Every item of a timestamp-cursor list (messages), newest first.
///
/// Each next page asks for items `before` the oldest time seen plus one microsecond, so that
/// items sharing that time but left off the page are asked for again; those already yielded are
/// dropped by id. Pages are of the largest size the list allows: the cursor can only page past
/// items that share one time when they fit in one page. If they do not (or the server ignores
/// `before`), the cursor cannot move while the server says more follow: the iterator then
/// yields the items it has, then an [`ErrorKind::Decode`] error that says so, rather than ending
/// early.
pub struct CursorIter<'a, T> {
    fetch: FetchCursor<'a, T>,
    id: fn(&T) -> &str,
    time: fn(&T) -> DateTime<Utc>,
    page_size: u32,
    before: Option<DateTime<Utc>>,
    buffer: VecDeque<T>,
    seen: HashSet<String>,
    /// Yielded once the buffer is drained: why the walk cannot go on.
    stalled: Option<Error>,
    done: bool,
}

impl<T> fmt::Debug for CursorIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorIter")
            .field("before", &self.before)
            .field("buffered", &self.buffer.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'a, T> CursorIter<'a, T> {
    /// `fetch(before)` reads the page of items older than `before` (starting from `before`, the
    /// caller's own bound); `page_size` is what it asks for, for the error message.
    pub(crate) fn new(
        id: fn(&T) -> &str,
        time: fn(&T) -> DateTime<Utc>,
        page_size: u32,
        before: Option<DateTime<Utc>>,
        fetch: impl FnMut(Option<DateTime<Utc>>) -> Result<CursorPage<T>, Error> + Send + Sync + 'a,
    ) -> CursorIter<'a, T> {
        CursorIter {
            fetch: Box::new(fetch),
            id,
            time,
            page_size,
            before,
            buffer: VecDeque::new(),
            seen: HashSet::new(),
            stalled: None,
            done: false,
        }
    }
}

impl<T> Iterator for CursorIter<'_, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return self.stalled.take().map(Err);
            }
            let page = match (self.fetch)(self.before) {
                Ok(page) => page,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            // Just above the oldest item, so that items sharing its time are asked for again.
            let time = self.time;
            let cursor = page
                .data
                .iter()
                .map(time)
                .min()
                .map(|oldest| oldest + ChronoDuration::microseconds(1));
            let (seen, id) = (&mut self.seen, self.id);
            self.buffer.extend(
                page.data
                    .into_iter()
                    .filter(|item| seen.insert(id(item).to_string())),
            );
            if !page.has_more {
                self.done = true;
                continue;
            }
            match cursor {
                Some(next) if self.before.is_none_or(|before| next < before) => {
                    self.before = Some(next);
                }
                _ => {
                    self.done = true;
                    let at = self
                        .before
                        .map(|b| format_timestamp(&(b - ChronoDuration::microseconds(1))));
                    self.stalled = Some(Error::new(
                        ErrorKind::Decode,
                        format!(
                            "cannot page past messages received at {}: the server says more \
                             follow, but a whole page ({} messages) shares that time (or the \
                             server ignores `before`), so the timestamp cursor cannot move",
                            at.as_deref().unwrap_or("the cursor"),
                            self.page_size,
                        ),
                    ));
                }
            }
        }
    }
}
