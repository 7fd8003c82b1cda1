//! Contact operations ([`Contacts`]): the address book, and what a number can receive.

use serde_json::Value;

use super::paging::{OffsetIter, OffsetPage};
use super::validate;
use crate::client::Client;
use crate::error::Error;
use crate::model::contacts::{
    Capabilities, CapabilitiesQuery, Contact, ContactDetails, ContactPage, ListContacts,
};
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// Contact operations, from [`Client::contacts`](crate::Client::contacts).
#[derive(Debug, Clone, Copy)]
pub struct Contacts<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// Contact operations: the address book, and what a number can receive.
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts {
            transport: self.transport(),
        }
    }
}

/// The validated, built requests of the contact operations, sent by [`Contacts`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn list(query: &ListContacts) -> Result<Operation<ContactPage>, Error> {
        check_list_contacts(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/contacts".into())
                .query("limit", query.limit)
                .query("offset", query.offset)
                .query("search", query.search.as_ref()),
        ))
    }

    pub fn create(contact: &ContactDetails) -> Result<Operation<Contact>, Error> {
        check_contact(contact, true)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, "/v1/contacts".into()).json_body(contact)?,
        ))
    }

    pub fn get(contact_id: &str) -> Result<Operation<Contact>, Error> {
        let id = validate::segment("contactId", contact_id)?;
        Ok(Operation::new(ApiRequest::new(
            Method::Get,
            format!("/v1/contacts/{id}"),
        )))
    }

    pub fn update(contact_id: &str, contact: &ContactDetails) -> Result<Operation<Contact>, Error> {
        let id = validate::segment("contactId", contact_id)?;
        check_contact(contact, false)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Patch, format!("/v1/contacts/{id}")).json_body(contact)?,
        ))
    }

    pub fn delete(contact_id: &str) -> Result<Operation<Value>, Error> {
        let id = validate::segment("contactId", contact_id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Delete, format!("/v1/contacts/{id}")).empty_body_is_object(),
        ))
    }

    pub fn capabilities(query: &CapabilitiesQuery) -> Result<Operation<Capabilities>, Error> {
        let number = validate::e164("phone_number", query.phone_number.as_deref())?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/contacts/capabilities".into())
                .query("phone_number", Some(number)),
        ))
    }
}

impl<'a> Contacts<'a> {
    /// One page of contacts: `GET /v1/contacts`.
    pub fn list(&self, query: &ListContacts) -> Result<ContactPage, Error> {
        self.transport.execute(&requests::list(query)?)
    }

    /// Every contact (matching `search`), `page_size` (1 to 100) at a time (see [`OffsetIter`]).
    pub fn iter(&self, page_size: u32, search: Option<&str>) -> OffsetIter<'a, Contact> {
        let (contacts, search) = (*self, search.map(str::to_string));
        OffsetIter::new(
            |c: &Contact| &c.id,
            move |offset| {
                let query = ListContacts {
                    limit: Some(page_size),
                    offset: Some(offset),
                    search: search.clone(),
                };
                let page = contacts.list(&query)?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// Adds a contact: `POST /v1/contacts`. A phone number already in the address book is a
    /// 409 ([`ErrorKind::Api`](crate::ErrorKind::Api), status 409): never retried.
    pub fn create(&self, contact: &ContactDetails) -> Result<Contact, Error> {
        self.transport.execute(&requests::create(contact)?)
    }

    /// A contact: `GET /v1/contacts/{id}`.
    pub fn get(&self, contact_id: &str) -> Result<Contact, Error> {
        self.transport.execute(&requests::get(contact_id)?)
    }

    /// Changes a contact: `PATCH /v1/contacts/{id}` (409 when the new number belongs to
    /// another contact).
    pub fn update(&self, contact_id: &str, contact: &ContactDetails) -> Result<Contact, Error> {
        self.transport
            .execute(&requests::update(contact_id, contact)?)
    }

    /// Removes a contact: `DELETE /v1/contacts/{id}`.
    pub fn delete(&self, contact_id: &str) -> Result<Value, Error> {
        self.transport.execute(&requests::delete(contact_id)?)
    }

    /// Whether a number can receive iMessage and SMS (a live check, 1 to 2 s):
    /// `GET /v1/contacts/capabilities`.
    pub fn capabilities(&self, phone_number: &str) -> Result<Capabilities, Error> {
        let query = CapabilitiesQuery {
            phone_number: Some(phone_number.to_string()),
        };
        self.transport.execute(&requests::capabilities(&query)?)
    }
}

// The checks of this resource's input, made before anything is sent.

/// Checks a contact list query.
fn check_list_contacts(q: &ListContacts) -> Result<(), Error> {
    validate::limit(q.limit, validate::PAGE_LIMIT)?;
    validate::offset(q.offset)?;
    validate::text("search", &q.search)
}

/// Checks a contact: `phoneNumber` and `name` are required to create.
fn check_contact(c: &ContactDetails, creating: bool) -> Result<(), Error> {
    for (field, value) in [("phoneNumber", &c.phone_number), ("name", &c.name)] {
        match value {
            None if creating => return Err(Error::invalid(field, "is required")),
            Some(v) if v.trim().is_empty() => {
                return Err(Error::invalid(field, "must not be empty"))
            }
            _ => {}
        }
    }
    for (field, value) in [
        ("phoneNumber", &c.phone_number),
        ("name", &c.name),
        ("email", &c.email),
    ] {
        validate::text(field, value)?;
    }
    Ok(())
}
