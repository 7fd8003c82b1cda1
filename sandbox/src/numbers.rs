//! The sandbox's phone numbers and their messages: `/v1/numbers...`, and
//! `POST /sandbox/numbers/{id}/messages` to deliver an inbound SMS.

use crate::time::{rfc3339, rfc3339_opt};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::answer::{
    self, agent_not_found, envelope, int_query, invalid_body, invalid_query, is_e164,
    method_not_allowed, number_not_found, ok, record, Answer, Answered,
};
use crate::messages::{MessageQuery, MessageRec};
use crate::state::{now_micros, Routed, State};
use crate::time::parse_timestamp;

/// A number, serialized as the API writes one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NumberRec {
    pub(crate) id: String,
    pub(crate) phone_number: String,
    pub(crate) country: String,
    pub(crate) status: &'static str,
    pub(crate) agent_id: Option<String>,
    #[serde(rename = "type")]
    pub(crate) number_type: String,
    #[serde(serialize_with = "rfc3339")]
    pub(crate) created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub(crate) expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) imessage_type: Option<String>,
    /// The iMessage contact card, when set (served by its own route).
    #[serde(skip)]
    pub(crate) contact_card: Option<Value>,
}

/// The numbers, in the order they were bought, and the account's limit.
#[derive(Debug)]
pub(crate) struct Numbers {
    pub(crate) list: Vec<NumberRec>,
    /// Where each id is in `list`.
    pub(crate) index: HashMap<String, usize>,
    pub(crate) next: u64,
    /// The most active numbers at once.
    pub(crate) limit: usize,
}

impl Default for Numbers {
    fn default() -> Numbers {
        Numbers {
            list: Vec::new(),
            index: HashMap::new(),
            next: 0,
            limit: crate::DEFAULT_NUMBER_LIMIT,
        }
    }
}

/// The number routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("POST", ["v1", "numbers"]) => state.create(req.body),
        ("GET", ["v1", "numbers"]) => state.list(&req.query),
        ("GET", ["v1", "numbers", "available"]) => available(&req.query),
        ("GET", ["v1", "numbers", "lookup"]) => lookup(&req.query),
        ("GET", ["v1", "numbers", id]) => state.get(id),
        ("PATCH", ["v1", "numbers", id]) => state.update_number(id, req.body),
        ("GET", ["v1", "numbers", id, "contact-card"]) => match state.number(id) {
            Some(n) => match &n.contact_card {
                Some(card) => ok(200, card.clone()),
                None => Err(envelope(
                    404,
                    "CONTACT_CARD_NOT_FOUND",
                    "This number has no contact card",
                    Value::Null,
                )),
            },
            None => Err(number_not_found(id)),
        },
        ("PUT", ["v1", "numbers", id, "contact-card"]) => state.set_contact_card(id, req.body),
        ("DELETE", ["v1", "numbers", id, "contact-card"]) => match state.number_mut(id) {
            Some(n) => {
                n.contact_card = None;
                Ok(Answer::empty(204))
            }
            None => Err(number_not_found(id)),
        },
        ("DELETE", ["v1", "numbers", id]) => state.release(id),
        ("GET", ["v1", "numbers", id, "messages"]) => state.messages(id, &req.query),
        ("POST", ["sandbox", "numbers", id, "messages"]) => state.sandbox_deliver(id, req.body),
        (
            _,
            ["v1", "numbers"]
            | ["v1", "numbers", _]
            | ["v1", "numbers", _, "messages" | "contact-card"],
        ) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

/// The deterministic inventory of numbers that can be bought: (area code, city, state, zip).
const INVENTORY: [(&str, &str, &str, &str); 6] = [
    ("415", "San Francisco", "CA", "94103"),
    ("212", "New York", "NY", "10001"),
    ("312", "Chicago", "IL", "60601"),
    ("512", "Austin", "TX", "73301"),
    ("604", "Vancouver", "BC", "V5K0A1"),
    ("416", "Toronto", "ON", "M5H2N2"),
];

/// `GET /v1/numbers/available`: the inventory filtered by the query, five numbers a place.
fn available(query: &HashMap<String, String>) -> Answered {
    let limit = int_query(query, "limit", 20, 1, 100)? as usize;
    let q = |k: &str| query.get(k).map(|v| v.to_lowercase());
    let country = q("country").unwrap_or_else(|| "us".into());
    let data: Vec<Value> = INVENTORY
        .iter()
        .filter(|(_, _, state, _)| {
            let canadian = matches!(*state, "BC" | "ON");
            (country == "ca") == canadian && (country == "us" || country == "ca")
        })
        .filter(|(area, city, state, zip)| {
            q("areaCode").is_none_or(|v| v == *area)
                && q("city").is_none_or(|v| city.to_lowercase().contains(&v))
                && q("state").is_none_or(|v| v == state.to_lowercase())
                && q("zip").is_none_or(|v| v == zip.to_lowercase())
        })
        .flat_map(|(area, city, state, _)| {
            (0..5).map(move |i| {
                json!({"phoneNumber": format!("+1{area}555{:04}", 100 + i), "city": city,
                       "state": state, "rateCenter": city.to_uppercase(), "areaCode": area})
            })
        })
        .take(limit)
        .collect();
    ok(200, json!({ "data": data }))
}

/// `GET /v1/numbers/lookup`: a deterministic line type for each number (mobile unless it ends
/// in 0, landline then), the country from its prefix, RCS for mobiles.
fn lookup(query: &HashMap<String, String>) -> Answered {
    let Some(raw) = query.get("phoneNumbers") else {
        return Err(invalid_query(
            "phoneNumbers",
            "",
            "Field required",
            "missing",
        ));
    };
    let numbers: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if numbers.is_empty() || numbers.len() > 25 || !numbers.iter().all(|n| is_e164(n)) {
        return Err(invalid_query(
            "phoneNumbers",
            raw,
            "1 to 25 E.164 numbers, separated by commas",
            "value_error",
        ));
    }
    let data: Vec<Value> = numbers
        .iter()
        .map(|n| {
            let mobile = !n.ends_with('0');
            let country = if n.starts_with("+44") {
                "GB"
            } else if n.starts_with("+1") {
                "US"
            } else {
                "ZZ"
            };
            json!({"phoneNumber": n, "lineType": if mobile { "mobile" } else { "landline" },
                   "country": country, "rcsEnabled": mobile})
        })
        .collect();
    ok(200, json!({ "data": data }))
}

impl State {
    fn update_number(&mut self, id: &str, body: &[u8]) -> Answered {
        /// The body of a number's update.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Update {
            #[serde(default)]
            external_id: Option<String>,
            #[serde(default)]
            expires_at: Option<String>,
        }
        let Update {
            external_id: external,
            expires_at,
        } = answer::body(body)?;
        let expires = match expires_at {
            None => None,
            Some(s) => Some(
                parse_timestamp(&s)
                    .ok_or_else(|| invalid_body("expiresAt", "must be an ISO 8601 date-time"))?,
            ),
        };
        let Some(n) = self.number_mut(id) else {
            return Err(number_not_found(id));
        };
        if external.is_some() {
            n.external_id = external;
        }
        if expires.is_some() {
            n.expires_at = expires;
        }
        ok(200, record(&n))
    }

    fn set_contact_card(&mut self, id: &str, body: &[u8]) -> Answered {
        /// The body of a contact card.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Card {
            #[serde(default)]
            first_name: Option<String>,
            #[serde(default)]
            last_name: Option<String>,
            #[serde(default)]
            display_name: Option<String>,
            #[serde(default)]
            avatar_url: Option<String>,
        }
        let (first, last, display, avatar) = match answer::body(body)? {
            Card {
                first_name: Some(f),
                last_name: Some(l),
                display_name: d,
                avatar_url: a,
            } => (f, l, d, a),
            _ => {
                return Err(invalid_body(
                    "firstName",
                    "firstName and lastName are required",
                ))
            }
        };
        let Some(n) = self.number_mut(id) else {
            return Err(number_not_found(id));
        };
        let card = json!({"firstName": first, "lastName": last,
                          "displayName": display.unwrap_or_else(|| format!("{first} {last}")),
                          "hasAvatar": avatar.is_some()});
        n.contact_card = Some(card.clone());
        ok(200, card)
    }

    fn active_count(&self) -> usize {
        self.numbers
            .list
            .iter()
            .filter(|n| n.status == "active")
            .count()
    }

    fn create(&mut self, body: &[u8]) -> Answered {
        /// The body of a number's purchase.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Purchase {
            #[serde(default)]
            country: Option<String>,
            #[serde(default)]
            agent_id: Option<String>,
            #[serde(default)]
            area_code: Option<String>,
            #[serde(default, rename = "type")]
            number_type: Option<String>,
            #[serde(default)]
            imessage_type: Option<String>,
            #[serde(default)]
            external_id: Option<String>,
            #[serde(default)]
            expires_at: Option<String>,
        }
        let Purchase {
            country,
            agent_id,
            area_code: area,
            number_type,
            imessage_type,
            external_id,
            expires_at,
        } = answer::body(body)?;
        let country = country.unwrap_or_else(|| "US".into());
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid_body("country", "must be a two-letter country code"));
        }
        let country = country.to_ascii_uppercase();
        let prefix = match country.as_str() {
            "US" | "CA" => "+1",
            "GB" => "+44",
            _ => {
                return Err(invalid_body(
                    "country",
                    &format!("numbers in {country} are not available (try US, CA or GB)"),
                ))
            }
        };
        if let Some(a) = &area {
            if a.len() != 3 || !a.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid_body("areaCode", "must be 3 digits"));
            }
        }
        let expires_at = match expires_at {
            None => None,
            Some(s) => Some(
                parse_timestamp(&s)
                    .ok_or_else(|| invalid_body("expiresAt", "must be an ISO 8601 date-time"))?,
            ),
        };
        if let Some(a) = &agent_id {
            if !self.agents.by_id.contains_key(a) {
                return Err(agent_not_found(a));
            }
        }
        if self.active_count() >= self.numbers.limit {
            return Err(envelope(
                400,
                "VALIDATION_ERROR_NUMBER_LIMIT",
                &format!(
                    "Self-serve accounts can have at most {} active phone numbers; release one first",
                    self.numbers.limit
                ),
                Value::Null,
            ));
        }
        self.numbers.next += 1;
        let n = self.numbers.next;
        let phone_number = if prefix == "+44" {
            // Ofcom's range reserved for drama: never a real subscriber.
            format!("+447700{:06}", 900_000 + n % 1000)
        } else {
            // 555-01xx is reserved for fiction; the subscriber part keeps numbers distinct.
            let area = area.as_deref().unwrap_or("555");
            format!("+1{area}{:07}", n % 10_000_000)
        };
        let rec = NumberRec {
            id: format!("num_sbx{n:06}"),
            phone_number,
            country,
            status: "active",
            agent_id,
            number_type: number_type.unwrap_or_else(|| "sms".into()),
            created_at: now_micros(),
            external_id,
            expires_at,
            imessage_type,
            contact_card: None,
        };
        let out = record(&rec);
        self.numbers
            .index
            .insert(rec.id.clone(), self.numbers.list.len());
        self.numbers.list.push(rec);
        ok(201, out)
    }

    fn list(&self, query: &HashMap<String, String>) -> Answered {
        let limit = int_query(query, "limit", 20, 1, 100)?;
        let offset = int_query(query, "offset", 0, 0, i64::MAX)?;
        let active: Vec<&NumberRec> = self
            .numbers
            .list
            .iter()
            .filter(|n| n.status == "active")
            .collect();
        let total = active.len();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
        let end = start.saturating_add(limit as usize).min(total);
        let data: Vec<Value> = active[start..end].iter().map(|n| record(&n)).collect();
        ok(
            200,
            json!({"data": data, "hasMore": end < total, "total": total}),
        )
    }

    fn get(&self, id: &str) -> Answered {
        match self.number(id) {
            Some(n) => ok(200, record(&n)),
            None => Err(number_not_found(id)),
        }
    }

    fn release(&mut self, id: &str) -> Answered {
        let Some(n) = self.number_mut(id) else {
            return Err(number_not_found(id));
        };
        if n.status == "released" {
            return Err(envelope(
                400,
                "PHONE_NUMBER_ALREADY_RELEASED",
                &format!("Phone number {id} is already released"),
                Value::Null,
            ));
        }
        n.status = "released";
        n.agent_id = None;
        ok(
            200,
            json!({"success": true, "phoneNumber": n.phone_number, "status": "released"}),
        )
    }

    fn messages(&self, id: &str, query: &HashMap<String, String>) -> Answered {
        let query = MessageQuery::parse(query)?;
        if self.number(id).is_none() {
            return Err(number_not_found(id));
        }
        let all: Vec<&MessageRec> = self
            .messages
            .by_number
            .get(id)
            .into_iter()
            .flatten()
            .collect();
        query.page(&all, MessageRec::to_number_json)
    }

    fn sandbox_deliver(&mut self, id: &str, body: &[u8]) -> Answered {
        /// The body of `POST /sandbox/numbers/{id}/messages` (an unknown key, such as `text`
        /// for `body`, is named).
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Inbound {
            #[serde(default)]
            from: Option<String>,
            #[serde(default)]
            body: Option<String>,
            #[serde(default)]
            received_at: Option<String>,
        }
        let Inbound {
            from,
            body: text,
            received_at,
        } = answer::body(body)?;
        let from = from.ok_or_else(|| invalid_body("from", "is required"))?;
        let text = text.ok_or_else(|| invalid_body("body", "is required"))?;
        let at = match received_at {
            None => None,
            Some(s) => Some(
                parse_timestamp(&s)
                    .ok_or_else(|| invalid_body("receivedAt", "must be an ISO 8601 date-time"))?,
            ),
        };
        match self.deliver(id, &from, &text, at) {
            Ok(m) => ok(201, m),
            Err(a) => Err(a),
        }
    }

    /// Delivers an inbound SMS to an active number, received `at` (default: now; several
    /// messages may share one time); returns the message object.
    pub fn deliver(
        &mut self,
        number_id: &str,
        from: &str,
        body: &str,
        at: Option<DateTime<Utc>>,
    ) -> Result<Value, Answer> {
        let Some(n) = self.number(number_id) else {
            return Err(number_not_found(number_id));
        };
        if n.status != "active" {
            return Err(invalid_body(
                "numberId",
                "a released number receives no messages",
            ));
        }
        if !is_e164(from) {
            return Err(invalid_body(
                "from",
                "must be an E.164 number such as +15550001111",
            ));
        }
        let (to, channel) = (n.phone_number.clone(), n.number_type.clone());
        let at = at.unwrap_or_else(now_micros);
        let conversation_id = self.conversation_for(number_id, from, at).id.clone();
        let rec = MessageRec {
            id: self.message_id(),
            number_id: number_id.to_string(),
            conversation_id,
            from: from.to_string(),
            to,
            body: body.to_string(),
            received_at: at,
            direction: "inbound",
            channel,
            status: "received".into(),
            failure_reason: None,
            delivered_at: None,
            media_urls: Vec::new(),
            reply_to: None,
            reactions: Vec::new(),
        };
        let out = rec.to_number_json();
        self.add_message(rec.clone());
        self.on_inbound_message(&rec);
        Ok(out)
    }
}
