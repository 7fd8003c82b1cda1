//! Sending messages and reactions ([`Messages`]).

use super::validate;
use crate::error::Error;
use crate::model::messages::{React, Reaction, SendMessage, SentMessage};
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// Message operations, from [`Client::messages`](crate::Client::messages).
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    pub(crate) transport: &'a Transport,
}

/// The validated, built requests of the message operations, sent by [`Messages`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn send(message: &SendMessage) -> Result<Operation<SentMessage>, Error> {
        validate::send_message(message)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, "/v1/messages".into()).json_body(message)?,
        ))
    }

    pub fn react(message_id: &str, reaction: &React) -> Result<Operation<Reaction>, Error> {
        let id = validate::segment("messageId", message_id)?;
        validate::react(reaction)?;
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
