//! Number operations ([`Numbers`]) and their iterators over every page ([`NumberIter`],
//! [`MessageIter`]).

use super::paging::{paged, CursorIter, CursorPage, OffsetIter, OffsetPage};
use super::validate;
use crate::client::Client;
use crate::error::Error;
use crate::model::calls::{Call, CallPage};
use crate::model::messages::{ListMessages, Message, MessagePage};
use crate::model::numbers::{
    AvailableQuery, ContactCard, CreateNumber, ListNumbers, LookupQuery, NumberInfoList,
    NumberPage, PhoneNumber, ReleasedNumber, UpdateNumber,
};
use crate::model::{format_timestamp, Paging};
use crate::transport::{ApiRequest, Method, Operation, Transport};
use serde_json::Value;

/// Number operations, from [`Client::numbers`](crate::Client::numbers).
#[derive(Debug, Clone, Copy)]
pub struct Numbers<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// Number operations: create, list, get, release, messages, and the page iterators.
    pub fn numbers(&self) -> Numbers<'_> {
        Numbers {
            transport: self.transport(),
        }
    }
}

/// The validated, built requests of the number operations: one place for each, sent by the
/// methods of [`Numbers`] and by the C API.
pub(crate) mod requests {
    use super::*;

    pub fn create(req: &CreateNumber) -> Result<Operation<PhoneNumber>, Error> {
        let body = check_create_number(req)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, "/v1/numbers".into()).json_body(&body)?,
        ))
    }

    pub fn list(query: &ListNumbers) -> Result<Operation<NumberPage>, Error> {
        check_list_numbers(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/numbers".into())
                .query("limit", query.limit)
                .query("offset", query.offset),
        ))
    }

    pub fn get(number_id: &str) -> Result<Operation<PhoneNumber>, Error> {
        let id = validate::segment("numberId", number_id)?;
        Ok(Operation::new(ApiRequest::new(
            Method::Get,
            format!("/v1/numbers/{id}"),
        )))
    }

    /// The API's answer to releasing a number that is already released.
    pub const ALREADY_RELEASED: &str = "PHONE_NUMBER_ALREADY_RELEASED";

    pub fn release(number_id: &str) -> Result<Operation<ReleasedNumber>, Error> {
        let id = validate::segment("numberId", number_id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Delete, format!("/v1/numbers/{id}"))
                .empty_body_is_object()
                .already_done_codes(&[ALREADY_RELEASED]),
        ))
    }

    pub fn update(number_id: &str, update: &UpdateNumber) -> Result<Operation<PhoneNumber>, Error> {
        let id = validate::segment("numberId", number_id)?;
        if let Some(e) = &update.external_id {
            validate::id("externalId", e)?;
        }
        Ok(Operation::new(
            ApiRequest::new(Method::Patch, format!("/v1/numbers/{id}")).json_body(update)?,
        ))
    }

    pub fn available(query: &AvailableQuery) -> Result<Operation<NumberInfoList>, Error> {
        check_available(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/numbers/available".into())
                .query("areaCode", query.area_code.as_ref())
                .query("city", query.city.as_ref())
                .query("state", query.state.as_ref())
                .query("zip", query.zip.as_ref())
                // Upper case, as every country code is sent (a create upper-cases it too).
                .query(
                    "country",
                    query.country.as_ref().map(|c| c.to_ascii_uppercase()),
                )
                .query("limit", query.limit),
        ))
    }

    pub fn lookup(query: &LookupQuery) -> Result<Operation<NumberInfoList>, Error> {
        check_lookup(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/numbers/lookup".into())
                .query("phoneNumbers", Some(query.phone_numbers.join(","))),
        ))
    }

    pub fn contact_card(number_id: &str) -> Result<Operation<Value>, Error> {
        let id = validate::segment("numberId", number_id)?;
        Ok(Operation::new(ApiRequest::new(
            Method::Get,
            format!("/v1/numbers/{id}/contact-card"),
        )))
    }

    pub fn set_contact_card(
        number_id: &str,
        card: &ContactCard,
    ) -> Result<Operation<Value>, Error> {
        let id = validate::segment("numberId", number_id)?;
        check_contact_card(card)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Put, format!("/v1/numbers/{id}/contact-card"))
                .json_body(card)?,
        ))
    }

    pub fn delete_contact_card(number_id: &str) -> Result<Operation<Value>, Error> {
        let id = validate::segment("numberId", number_id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Delete, format!("/v1/numbers/{id}/contact-card"))
                .empty_body_is_object(),
        ))
    }

    pub fn calls(number_id: &str, query: &Paging) -> Result<Operation<CallPage>, Error> {
        let id = validate::segment("numberId", number_id)?;
        paged(format!("/v1/numbers/{id}/calls"), query)
    }

    pub fn messages(
        number_id: &str,
        query: &ListMessages,
    ) -> Result<Operation<MessagePage>, Error> {
        let id = validate::segment("numberId", number_id)?;
        validate::list_messages(query)?;
        Ok(Operation::new(
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
        self.transport.execute(&requests::create(req)?)
    }

    /// One page of the account's numbers: `GET /v1/numbers`. Released numbers are not listed.
    pub fn list(&self, query: &ListNumbers) -> Result<NumberPage, Error> {
        self.transport.execute(&requests::list(query)?)
    }

    /// One number, in any status (a released one included): `GET /v1/numbers/{id}`.
    pub fn get(&self, number_id: &str) -> Result<PhoneNumber, Error> {
        self.transport.execute(&requests::get(number_id)?)
    }

    /// Releases a number: `DELETE /v1/numbers/{id}`. Irreversible; its messages are kept.
    pub fn release(&self, number_id: &str) -> Result<ReleasedNumber, Error> {
        self.transport.execute(&requests::release(number_id)?)
    }

    /// One page of a number's messages, newest first: `GET /v1/numbers/{id}/messages`.
    pub fn messages(&self, number_id: &str, query: &ListMessages) -> Result<MessagePage, Error> {
        self.transport
            .execute(&requests::messages(number_id, query)?)
    }

    /// Sets a number's own reference or expiry: `PATCH /v1/numbers/{id}`. **An `expiresAt`
    /// schedules an automatic release**: the number is released then, irreversibly.
    pub fn update(&self, number_id: &str, update: &UpdateNumber) -> Result<PhoneNumber, Error> {
        self.transport
            .execute(&requests::update(number_id, update)?)
    }

    /// Numbers that can be bought, filtered: `GET /v1/numbers/available`.
    pub fn available(&self, query: &AvailableQuery) -> Result<NumberInfoList, Error> {
        self.transport.execute(&requests::available(query)?)
    }

    /// Line type, country and RCS support of up to 25 numbers: `GET /v1/numbers/lookup`.
    pub fn lookup(&self, phone_numbers: &[&str]) -> Result<NumberInfoList, Error> {
        let query = LookupQuery {
            phone_numbers: phone_numbers.iter().map(|n| n.to_string()).collect(),
        };
        self.transport.execute(&requests::lookup(&query)?)
    }

    /// A number's iMessage contact card: `GET /v1/numbers/{id}/contact-card`.
    pub fn contact_card(&self, number_id: &str) -> Result<Value, Error> {
        self.transport.execute(&requests::contact_card(number_id)?)
    }

    /// Creates or replaces a number's contact card (`firstName` and `lastName` required):
    /// `PUT /v1/numbers/{id}/contact-card`.
    pub fn set_contact_card(&self, number_id: &str, card: &ContactCard) -> Result<Value, Error> {
        self.transport
            .execute(&requests::set_contact_card(number_id, card)?)
    }

    /// Removes a number's contact card: `DELETE /v1/numbers/{id}/contact-card`.
    pub fn delete_contact_card(&self, number_id: &str) -> Result<Value, Error> {
        self.transport
            .execute(&requests::delete_contact_card(number_id)?)
    }

    /// One page of a number's calls, newest first: `GET /v1/numbers/{id}/calls`.
    pub fn calls(&self, number_id: &str, query: &Paging) -> Result<CallPage, Error> {
        self.transport.execute(&requests::calls(number_id, query)?)
    }

    /// Every call of a number, `page_size` (1 to 100) at a time (see [`OffsetIter`]).
    pub fn iter_calls(&self, number_id: &str, page_size: u32) -> OffsetIter<'a, Call> {
        let (numbers, id) = (*self, number_id.to_string());
        OffsetIter::new(
            |c: &Call| &c.id,
            move |offset| {
                let page = numbers.calls(&id, &Paging::new().limit(page_size).offset(offset))?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// Every listed number, `page_size` (1 to 100) at a time; the next page is fetched only when
    /// the previous one is used up. See [`OffsetIter`] for what happens when numbers are
    /// released during the walk (nothing is skipped).
    pub fn iter(&self, page_size: u32) -> NumberIter<'a> {
        let numbers = *self;
        OffsetIter::new(
            |n: &PhoneNumber| &n.id,
            move |offset| {
                let page = numbers.list(&ListNumbers::new().limit(page_size).offset(offset))?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// Every message of a number, newest first, following the `before` cursor; `query.before`
    /// and `query.after` bound the walk. Pages are always of the largest size (200, whatever
    /// `query.limit` says); see [`CursorIter`] for why, and for the error it yields when more
    /// than a page of messages share one `receivedAt`.
    pub fn iter_messages(&self, number_id: &str, query: ListMessages) -> MessageIter<'a> {
        let (numbers, number_id) = (*self, number_id.to_string());
        let page_size = validate::MESSAGES_LIMIT.1;
        CursorIter::new(
            |m: &Message| &m.id,
            |m: &Message| m.received_at,
            page_size,
            query.before,
            move |before| {
                let query = ListMessages {
                    limit: Some(page_size),
                    before,
                    ..query
                };
                let page = numbers.messages(&number_id, &query)?;
                Ok(CursorPage {
                    data: page.data,
                    has_more: page.has_more,
                })
            },
        )
    }
}

/// Iterator over every number, from [`Numbers::iter`].
pub type NumberIter<'a> = OffsetIter<'a, PhoneNumber>;

/// Iterator over every message of a number, from [`Numbers::iter_messages`].
pub type MessageIter<'a> = CursorIter<'a, Message>;

// The checks of this resource's input, made before anything is sent.

/// Page-size range of `GET /v1/numbers`.
pub const NUMBERS_LIMIT: (u32, u32) = (1, 100);

/// Checks and normalizes a create request: the country is upper-cased.
fn check_create_number(req: &CreateNumber) -> Result<CreateNumber, Error> {
    let mut req = req.clone();
    if let Some(country) = &req.country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "country",
                format_args!("must be 2 ASCII letters (e.g. \"US\"), got {country:?}"),
            ));
        }
        req.country = Some(country.to_ascii_uppercase());
    }
    if let Some(code) = &req.area_code {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "areaCode",
                format_args!("must be 3 digits (e.g. \"415\"), got {code:?}"),
            ));
        }
    }
    if let Some(agent) = &req.agent_id {
        validate::id("agentId", agent)?;
    }
    for (field, value) in [
        ("type", &req.number_type),
        ("imessageType", &req.imessage_type),
        ("externalId", &req.external_id),
    ] {
        if let Some(v) = value {
            if v.chars().any(char::is_control) {
                return Err(Error::invalid(field, "must not contain control characters"));
            }
        }
    }
    Ok(req)
}

/// Checks a list query.
fn check_list_numbers(q: &ListNumbers) -> Result<(), Error> {
    validate::limit(q.limit, NUMBERS_LIMIT)?;
    validate::offset(q.offset)
}

/// Checks a search of available numbers.
fn check_available(q: &AvailableQuery) -> Result<(), Error> {
    validate::limit(q.limit, validate::PAGE_LIMIT)?;
    if let Some(code) = &q.area_code {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "areaCode",
                format_args!("must be 3 digits, got {code:?}"),
            ));
        }
    }
    if let Some(country) = &q.country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "country",
                format_args!("must be 2 ASCII letters, got {country:?}"),
            ));
        }
    }
    for (field, value) in [("city", &q.city), ("state", &q.state), ("zip", &q.zip)] {
        validate::text(field, value)?;
    }
    Ok(())
}

/// Checks a lookup: 1 to 25 numbers in E.164 form.
fn check_lookup(q: &LookupQuery) -> Result<(), Error> {
    if q.phone_numbers.is_empty() || q.phone_numbers.len() > 25 {
        return Err(Error::invalid(
            "phoneNumbers",
            format_args!("must hold 1 to 25 numbers, got {}", q.phone_numbers.len()),
        ));
    }
    for n in &q.phone_numbers {
        validate::e164("phoneNumbers", Some(n))?;
    }
    Ok(())
}

/// Checks a contact card: first and last names are required.
fn check_contact_card(c: &ContactCard) -> Result<(), Error> {
    for (field, value) in [("firstName", &c.first_name), ("lastName", &c.last_name)] {
        match value {
            Some(v) if !v.trim().is_empty() => validate::text(field, value)?,
            _ => return Err(Error::invalid(field, "is required")),
        }
    }
    validate::text("displayName", &c.display_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::messages::ListMessages;
    use crate::model::numbers::{CreateNumber, ListNumbers};

    #[test]
    fn create_rules() {
        let ok = check_create_number(&CreateNumber::new().country("gb").area_code("415")).unwrap();
        assert_eq!(ok.country.as_deref(), Some("GB"));
        for (req, field) in [
            (CreateNumber::new().country("USA"), "country"),
            (CreateNumber::new().country("U1"), "country"),
            (CreateNumber::new().country("ÜS"), "country"),
            (CreateNumber::new().area_code("41"), "areaCode"),
            (CreateNumber::new().area_code("4a5"), "areaCode"),
            (CreateNumber::new().agent_id(""), "agentId"),
        ] {
            let e = check_create_number(&req).unwrap_err();
            assert!(e.message().starts_with(field), "{}", e.message());
        }
    }

    #[test]
    fn limits() {
        assert!(check_list_numbers(&ListNumbers::new().limit(100)).is_ok());
        assert!(check_list_numbers(&ListNumbers::new().limit(0)).is_err());
        assert!(check_list_numbers(&ListNumbers::new().limit(101)).is_err());
        assert!(check_list_numbers(&ListNumbers::new().offset(validate::MAX_OFFSET)).is_ok());
        let e =
            check_list_numbers(&ListNumbers::new().offset(validate::MAX_OFFSET + 1)).unwrap_err();
        assert_eq!(
            e.message(),
            "offset: must be at most 9223372036854775807, got 9223372036854775808"
        );
        assert!(validate::list_messages(&ListMessages::new().limit(200)).is_ok());
        let e = validate::list_messages(&ListMessages::new().limit(201)).unwrap_err();
        assert_eq!(e.message(), "limit: must be between 1 and 200, got 201");
    }
}
