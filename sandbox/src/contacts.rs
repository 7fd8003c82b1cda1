//! The sandbox's contacts: `/v1/contacts...` (the address book, with the API's 409 for a
//! number already in it) and a deterministic capabilities check.

use crate::time::rfc3339;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::answer::{
    self, envelope, int_query, invalid_body, invalid_query, is_e164, method_not_allowed, ok,
    record, Answer, Answered,
};
use crate::state::{now_micros, Routed, State};
use crate::time::format_timestamp;

/// A contact of the address book, serialized as the API writes one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactRec {
    pub(crate) id: String,
    pub(crate) phone_number: String,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) notes: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub(crate) updated_at: DateTime<Utc>,
}

/// The address book, in the order contacts were added.
#[derive(Debug, Default)]
pub(crate) struct Contacts {
    pub(crate) list: Vec<ContactRec>,
    pub(crate) next: u64,
}

/// The contact routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "contacts"]) => state.list_contacts(&req.query),
        ("POST", ["v1", "contacts"]) => state.create_contact(req.body),
        ("GET", ["v1", "contacts", "capabilities"]) => capabilities(&req.query),
        ("GET", ["v1", "contacts", id]) => match state.contacts.list.iter().find(|c| c.id == *id) {
            Some(c) => ok(200, record(&c)),
            None => Err(contact_not_found(id)),
        },
        ("PATCH", ["v1", "contacts", id]) => state.update_contact(id, req.body),
        ("DELETE", ["v1", "contacts", id]) => {
            let before = state.contacts.list.len();
            state.contacts.list.retain(|c| c.id != *id);
            match state.contacts.list.len() < before {
                true => Ok(Answer::empty(204)),
                false => Err(contact_not_found(id)),
            }
        }
        (_, ["v1", "contacts"] | ["v1", "contacts", _]) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

fn contact_not_found(id: &str) -> Answer {
    envelope(
        404,
        "CONTACT_NOT_FOUND",
        &format!("Contact {id} not found"),
        Value::Null,
    )
}

/// A phone number in E.164 form: separators dropped, a 10-digit number taken as +1.
fn normalize(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let e164 = if phone.trim_start().starts_with('+') {
        format!("+{digits}")
    } else if digits.len() == 10 {
        format!("+1{digits}")
    } else {
        format!("+{digits}")
    };
    is_e164(&e164).then_some(e164)
}

/// iMessage for numbers ending in an even digit, SMS for every number: deterministic, so that
/// tests can rely on it.
fn capabilities(query: &HashMap<String, String>) -> Answered {
    let Some(raw) = query.get("phone_number") else {
        return Err(invalid_query(
            "phone_number",
            "",
            "Field required",
            "missing",
        ));
    };
    let Some(number) = normalize(raw) else {
        return Err(invalid_query(
            "phone_number",
            raw,
            "Input should be a phone number",
            "value_error",
        ));
    };
    let imessage = number.bytes().last().is_some_and(|d| (d - b'0') % 2 == 0);
    ok(
        200,
        json!({"phoneNumber": number, "capabilities": {"imessage": imessage, "sms": true},
               "checkedAt": format_timestamp(&now_micros())}),
    )
}

/// The fields of a create or update, checked.
fn fields(body: &[u8]) -> Result<[Option<String>; 4], Answer> {
    let ContactBody {
        phone_number,
        name,
        email,
        notes,
    } = answer::body(body)?;
    let phone = match phone_number {
        Some(p) => Some(
            normalize(&p).ok_or_else(|| invalid_body("phoneNumber", "is not a phone number"))?,
        ),
        None => None,
    };
    Ok([phone, name, email, notes])
}

/// The body of a contact's create or update.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactBody {
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    notes: Option<String>,
}

impl State {
    fn phone_taken(&self, phone: &str, except: Option<&str>) -> Option<Answer> {
        self.contacts
            .list
            .iter()
            .any(|c| c.phone_number == phone && Some(c.id.as_str()) != except)
            .then(|| {
                envelope(
                    409,
                    "CONTACT_EXISTS",
                    &format!("A contact with phone number {phone} already exists"),
                    Value::Null,
                )
            })
    }

    fn list_contacts(&self, query: &HashMap<String, String>) -> Answered {
        let limit = int_query(query, "limit", 50, 1, 100)? as usize;
        let offset =
            usize::try_from(int_query(query, "offset", 0, 0, i64::MAX)?).unwrap_or(usize::MAX);
        let search = query.get("search").map(|s| s.to_lowercase());
        let matching: Vec<&ContactRec> = self
            .contacts
            .list
            .iter()
            .filter(|c| {
                search
                    .as_deref()
                    .is_none_or(|s| c.name.to_lowercase().contains(s) || c.phone_number.contains(s))
            })
            .collect();
        let data: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|c| record(&c))
            .collect();
        ok(
            200,
            json!({"data": data, "hasMore": offset.saturating_add(limit) < matching.len(),
                   "total": matching.len()}),
        )
    }

    fn create_contact(&mut self, body: &[u8]) -> Answered {
        let [phone, name, email, notes] = fields(body)?;
        let (Some(phone), Some(name)) = (phone, name) else {
            return Err(invalid_body(
                "phoneNumber",
                "phoneNumber and name are required",
            ));
        };
        if let Some(conflict) = self.phone_taken(&phone, None) {
            return Err(conflict);
        }
        self.contacts.next += 1;
        let now = now_micros();
        let rec = ContactRec {
            id: format!("ct_sbx{:06}", self.contacts.next),
            phone_number: phone,
            name,
            email,
            notes,
            created_at: now,
            updated_at: now,
        };
        let out = record(&rec);
        self.contacts.list.push(rec);
        ok(201, out)
    }

    fn update_contact(&mut self, id: &str, body: &[u8]) -> Answered {
        let [phone, name, email, notes] = fields(body)?;
        if let Some(conflict) = phone.as_deref().and_then(|p| self.phone_taken(p, Some(id))) {
            return Err(conflict);
        }
        let Some(c) = self.contacts.list.iter_mut().find(|c| c.id == id) else {
            return Err(contact_not_found(id));
        };
        if let Some(p) = phone {
            c.phone_number = p;
        }
        if let Some(n) = name {
            c.name = n;
        }
        if email.is_some() {
            c.email = email;
        }
        if notes.is_some() {
            c.notes = notes;
        }
        c.updated_at = now_micros();
        ok(200, record(&c))
    }
}
