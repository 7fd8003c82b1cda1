//! The sandbox's outbound messages: `POST /v1/messages`, reactions, and
//! `POST /sandbox/messages/{id}/status` to set a message's delivery status.

use serde_json::{json, Map, Value};

use crate::answer::{
    agent_not_found, envelope, invalid_body, json_body, method_not_allowed, number_not_found, ok,
    opt_string, Answer, Answered,
};
use crate::state::{now_micros, Group, MessageRec, Routed, State};

/// Reactions the API names; an emoji (any non-ASCII text) is accepted too.
const REACTIONS: [&str; 6] = ["love", "like", "dislike", "laugh", "emphasize", "question"];

/// The message routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("POST", ["v1", "messages"]) => state.send(req.body),
        ("POST", ["v1", "messages", id, "reactions"]) => state.react(id, req.body),
        ("POST", ["sandbox", "messages", id, "status"]) => state.sandbox_status(id, req.body),
        (_, ["v1", "messages"] | ["v1", "messages", _, "reactions"]) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

fn message_not_found(id: &str) -> Answer {
    envelope(
        404,
        "MESSAGE_NOT_FOUND",
        &format!("Message {id} not found"),
        Value::Null,
    )
}

/// A list of strings under `key`, or the error answer naming it.
fn string_list(obj: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, Answer> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
            .map(Some)
            .ok_or_else(|| invalid_body(key, "must be a list of strings")),
        Some(_) => Err(invalid_body(key, "must be a list of strings")),
    }
}

impl State {
    /// The number a send goes out from: by agent, number id or phone number.
    fn sender(&self, req: &Map<String, Value>) -> Result<String, Answer> {
        let active = |n: &&crate::state::NumberRec| n.status == "active";
        if let Some(agent) = opt_string(req, "agent_id")? {
            if !self.agents.contains_key(&agent) {
                return Err(agent_not_found(&agent));
            }
            return self
                .numbers
                .iter()
                .filter(active)
                .find(|n| n.agent_id.as_deref() == Some(agent.as_str()))
                .map(|n| n.id.clone())
                .ok_or_else(|| invalid_body("agent_id", "the agent has no active number"));
        }
        if let Some(id) = opt_string(req, "number_id")? {
            return match self.number(&id) {
                Some(n) if n.status == "active" => Ok(id),
                Some(_) => Err(invalid_body("number_id", "the number is released")),
                None => Err(number_not_found(&id)),
            };
        }
        if let Some(phone) = opt_string(req, "from_number")? {
            return self
                .numbers
                .iter()
                .filter(active)
                .find(|n| n.phone_number == phone)
                .map(|n| n.id.clone())
                .ok_or_else(|| invalid_body("from_number", "is not one of your active numbers"));
        }
        Err(invalid_body(
            "agent_id",
            "a sender is required: agent_id, number_id or from_number",
        ))
    }

    fn send(&mut self, body: &[u8]) -> Answered {
        let req = json_body(body)?;
        let Some(text) = opt_string(&req, "body")? else {
            return Err(invalid_body("body", "Field required"));
        };
        let to_number = opt_string(&req, "to_number")?;
        let recipients = string_list(&req, "recipients")?;
        let mut media_urls = string_list(&req, "media_urls")?.unwrap_or_default();
        if let Some(url) = opt_string(&req, "media_url")? {
            media_urls.insert(0, url);
        }
        if media_urls.len() > 20 {
            return Err(invalid_body("media_urls", "at most 20 media URLs"));
        }
        let reply_to = opt_string(&req, "reply_to_message_id")?;
        let number_id = self.sender(&req)?;
        let number = self.number(&number_id).expect("sender exists");
        let (from, channel) = (number.phone_number.clone(), number.number_type.clone());
        let at = now_micros();
        let (to, conversation_id) = match (to_number, recipients) {
            (Some(_), Some(_)) => {
                return Err(invalid_body(
                    "to_number",
                    "give either to_number or recipients, not both",
                ))
            }
            (None, None) => {
                return Err(invalid_body(
                    "to_number",
                    "to_number or recipients is required",
                ))
            }
            (Some(to), None) if to.starts_with("grp_") => {
                let c = self
                    .conversations
                    .iter()
                    .find(|c| c.number_id == number_id && c.participant == to)
                    .ok_or_else(|| {
                        envelope(
                            404,
                            "CONVERSATION_NOT_FOUND",
                            &format!("Group {to} not found"),
                            Value::Null,
                        )
                    })?;
                (to.clone(), c.id.clone())
            }
            (Some(to), None) => {
                let id = self.conversation_for(&number_id, &to, at).id.clone();
                (to, id)
            }
            (None, Some(members)) if members.len() < 2 => {
                return Err(invalid_body(
                    "recipients",
                    "a group needs 2 or more recipients",
                ))
            }
            (None, Some(members)) => {
                let group_id = format!("grp_sbx{:06}", self.next_conversation + 1);
                let c = self.conversation_for(&number_id, &group_id, at);
                c.group = Some(Group {
                    name: None,
                    members,
                });
                (group_id, c.id.clone())
            }
        };
        let unresolved = reply_to.as_deref().map(|id| self.message_mut(id).is_none());
        let rec = MessageRec {
            id: self.message_id(),
            number_id,
            conversation_id: conversation_id.clone(),
            from: from.clone(),
            to: to.clone(),
            body: text,
            received_at: at,
            direction: "outbound",
            channel: channel.clone(),
            status: "sent".into(),
            failure_reason: None,
            delivered_at: None,
            media_urls: media_urls.clone(),
            reply_to: reply_to.clone(),
            reactions: Vec::new(),
        };
        let id = rec.id.clone();
        self.add_message(rec);
        ok(
            200,
            json!({
                "id": id, "status": "sent", "channel": channel, "from_number": from,
                "to_number": to, "conversation_id": conversation_id, "media_urls": media_urls,
                "reply_to_message_id": reply_to, "reply_parent_unresolved": unresolved,
            }),
        )
    }

    fn react(&mut self, message_id: &str, body: &[u8]) -> Answered {
        let req = json_body(body)?;
        let reaction = match opt_string(&req, "reaction") {
            Ok(Some(r)) if REACTIONS.contains(&r.as_str()) || !r.is_ascii() => r,
            Ok(_) => {
                return Err(invalid_body(
                    "reaction",
                    "must be love, like, dislike, laugh, emphasize, question, or an emoji",
                ))
            }
            Err(a) => return Err(a),
        };
        let reaction_id = format!("rxn_{message_id}_{}", self.next_message + 1);
        self.next_message += 1;
        let Some(m) = self.message_mut(message_id) else {
            return Err(message_not_found(message_id));
        };
        if m.channel != "imessage" {
            return Err(envelope(
                400,
                "UNSUPPORTED_CHANNEL",
                "Reactions are only available on iMessage",
                Value::Null,
            ));
        }
        let from = if m.direction == "outbound" {
            m.from.clone()
        } else {
            m.to.clone()
        };
        m.reactions.push(json!({
            "id": reaction_id, "reactionType": reaction, "fromNumber": from,
            "direction": "outbound", "createdAt": crate::time::format_timestamp(&now_micros()),
        }));
        ok(
            200,
            json!({"id": reaction_id, "reaction_type": reaction, "message_id": message_id, "channel": "imessage"}),
        )
    }

    fn sandbox_status(&mut self, message_id: &str, body: &[u8]) -> Answered {
        let req = json_body(body)?;
        let (status, reason) = match (
            opt_string(&req, "status"),
            opt_string(&req, "failureReason"),
        ) {
            (Ok(Some(s)), Ok(r)) if ["sent", "delivered", "failed"].contains(&s.as_str()) => (s, r),
            (Err(a), _) | (_, Err(a)) => return Err(a),
            _ => return Err(invalid_body("status", "must be sent, delivered or failed")),
        };
        match self.set_message_status(message_id, &status, reason) {
            Some(v) => ok(200, v),
            None => Err(message_not_found(message_id)),
        }
    }

    /// Sets a message's delivery status (`sent`, `delivered`, `failed` with a reason); returns
    /// the message as a conversation lists it.
    pub fn set_message_status(
        &mut self,
        message_id: &str,
        status: &str,
        failure_reason: Option<String>,
    ) -> Option<Value> {
        let m = self.message_mut(message_id)?;
        m.status = status.to_string();
        m.delivered_at = (status == "delivered").then(now_micros);
        m.failure_reason = if status == "failed" {
            Some(failure_reason.unwrap_or_else(|| "carrier rejected the message".into()))
        } else {
            None
        };
        Some(m.to_conversation_json())
    }
}
