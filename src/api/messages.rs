//! Sending messages and reactions ([`Messages`]).

use super::validate;
use crate::client::Client;
use crate::error::Error;
use crate::model::messages::{React, Reaction, SendMessage, SentMessage};
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// Message operations, from [`Client::messages`](crate::Client::messages).
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// Message operations: send a message, react to one.
    pub fn messages(&self) -> Messages<'_> {
        Messages {
            transport: self.transport(),
        }
    }
}

/// The validated, built requests of the message operations, sent by [`Messages`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn send(message: &SendMessage) -> Result<Operation<SentMessage>, Error> {
        check_send_message(message)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, "/v1/messages".into()).json_body(message)?,
        ))
    }

    pub fn react(message_id: &str, reaction: &React) -> Result<Operation<Reaction>, Error> {
        let id = validate::segment("messageId", message_id)?;
        check_react(reaction)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, format!("/v1/messages/{id}/reactions"))
                .json_body(reaction)?,
        ))
    }
}

impl Messages<'_> {
    /// Sends an SMS, MMS or iMessage: `POST /v1/messages`. **Billed, and seen by a person.**
    ///
    /// Never sent twice once it may have reached the server: after a timeout, a lost
    /// connection, a 5xx or a 409 `DELIVERY_UNCONFIRMED` the error has
    /// [`Error::may_have_succeeded`] set, and the message may have gone out. Look at the
    /// conversation before sending it again.
    pub fn send(&self, message: &SendMessage) -> Result<SentMessage, Error> {
        self.transport.execute(&requests::send(message)?)
    }

    /// Reacts to a message with an iMessage tapback: `POST /v1/messages/{id}/reactions`.
    /// Seen by a person: never sent twice once it may have reached the server.
    pub fn react(&self, message_id: &str, reaction: &React) -> Result<Reaction, Error> {
        self.transport
            .execute(&requests::react(message_id, reaction)?)
    }
}

// The checks of this resource's input, made before anything is sent.

/// Most media attachments of one message.
pub const MAX_MEDIA_URLS: usize = 20;

/// Checks a send: a body, exactly one address, at most 20 media.
fn check_send_message(m: &SendMessage) -> Result<(), Error> {
    if m.body.is_none() {
        return Err(Error::invalid(
            "body",
            "is required (it may be empty, e.g. for media only)",
        ));
    }
    match (&m.to_number, &m.recipients) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "to_number",
                "give either to_number or recipients, not both",
            ))
        }
        (None, None) => {
            return Err(Error::invalid(
                "to_number",
                "is required (or recipients, to start a group)",
            ))
        }
        (Some(to), None) if to.trim().is_empty() => {
            return Err(Error::invalid("to_number", "must not be empty"))
        }
        (None, Some(r)) if r.len() < 2 => {
            return Err(Error::invalid(
                "recipients",
                format_args!("must have 2 or more entries (a group), got {}", r.len()),
            ))
        }
        (None, Some(r)) => {
            if let Some(bad) = r.iter().find(|x| x.trim().is_empty()) {
                return Err(Error::invalid(
                    "recipients",
                    format_args!("must not hold an empty entry, got {bad:?}"),
                ));
            }
        }
        _ => {}
    }
    if let Some(urls) = &m.media_urls {
        if urls.len() > MAX_MEDIA_URLS {
            return Err(Error::invalid(
                "media_urls",
                format_args!(
                    "must have at most {MAX_MEDIA_URLS} entries, got {}",
                    urls.len()
                ),
            ));
        }
    }
    for (field, value) in [("agent_id", &m.agent_id), ("number_id", &m.number_id)] {
        if let Some(v) = value {
            validate::id(field, v)?;
        }
    }
    for (field, value) in [
        ("to_number", &m.to_number),
        ("from_number", &m.from_number),
        ("send_style", &m.send_style),
        ("reply_to_message_id", &m.reply_to_message_id),
    ] {
        validate::text(field, value)?;
    }
    Ok(())
}

/// Checks a reaction: present and not empty.
fn check_react(r: &React) -> Result<(), Error> {
    match &r.reaction {
        Some(x) if !x.trim().is_empty() => validate::text("reaction", &r.reaction),
        _ => Err(Error::invalid(
            "reaction",
            "is required (love, like, dislike, laugh, emphasize, question, or an emoji)",
        )),
    }
}
