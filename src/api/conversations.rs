//! Conversation operations ([`Conversations`]): list, read, update, their messages, typing.

use super::paging::{paged, CursorIter, CursorPage, OffsetIter, OffsetPage};
use super::validate;
use crate::client::Client;
use crate::error::Error;
use crate::model::conversations::{
    Conversation, ConversationMessage, ConversationMessagePage, ConversationPage, GetConversation,
    TypingIndicator, UpdateConversation,
};
use crate::model::format_timestamp;
use crate::model::messages::ListMessages;
use crate::model::Paging;
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// Conversation operations, from [`Client::conversations`](crate::Client::conversations).
#[derive(Debug, Clone, Copy)]
pub struct Conversations<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// Conversation operations: list, read, update, messages, typing.
    pub fn conversations(&self) -> Conversations<'_> {
        Conversations {
            transport: self.transport(),
        }
    }
}

/// The validated, built requests of the conversation operations, sent by [`Conversations`] and
/// the C API.
pub(crate) mod requests {
    use super::*;

    pub fn list(query: &Paging) -> Result<Operation<ConversationPage>, Error> {
        paged("/v1/conversations".into(), query)
    }

    pub fn get(id: &str, query: &GetConversation) -> Result<Operation<Conversation>, Error> {
        let id = validate::segment("conversationId", id)?;
        check_get_conversation(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, format!("/v1/conversations/{id}"))
                .query("message_limit", query.message_limit),
        ))
    }

    pub fn update(id: &str, update: &UpdateConversation) -> Result<Operation<Conversation>, Error> {
        let id = validate::segment("conversationId", id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Patch, format!("/v1/conversations/{id}")).json_body(update)?,
        ))
    }

    pub fn messages(
        id: &str,
        query: &ListMessages,
    ) -> Result<Operation<ConversationMessagePage>, Error> {
        let id = validate::segment("conversationId", id)?;
        validate::list_messages(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, format!("/v1/conversations/{id}/messages"))
                .query("limit", query.limit)
                .query("before", query.before.as_ref().map(format_timestamp))
                .query("after", query.after.as_ref().map(format_timestamp)),
        ))
    }

    pub fn typing(id: &str) -> Result<Operation<TypingIndicator>, Error> {
        let id = validate::segment("conversationId", id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, format!("/v1/conversations/{id}/typing")).idempotent(),
        ))
    }
}

impl<'a> Conversations<'a> {
    /// One page of conversations, newest activity first: `GET /v1/conversations`.
    pub fn list(&self, query: &Paging) -> Result<ConversationPage, Error> {
        self.transport.execute(&requests::list(query)?)
    }

    /// Every conversation, `page_size` (1 to 100) at a time, fetched lazily (see
    /// [`OffsetIter`]).
    pub fn iter(&self, page_size: u32) -> OffsetIter<'a, Conversation> {
        let conversations = *self;
        OffsetIter::new(
            |c: &Conversation| &c.id,
            move |offset| {
                let page = conversations.list(&Paging::new().limit(page_size).offset(offset))?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// A conversation with its recent messages: `GET /v1/conversations/{id}`.
    pub fn get(
        &self,
        conversation_id: &str,
        query: &GetConversation,
    ) -> Result<Conversation, Error> {
        self.transport
            .execute(&requests::get(conversation_id, query)?)
    }

    /// Sets a conversation's metadata (replacing it) or renames a group:
    /// `PATCH /v1/conversations/{id}`. Retried like a read: setting the same values twice
    /// is the same as once.
    pub fn update(
        &self,
        conversation_id: &str,
        update: &UpdateConversation,
    ) -> Result<Conversation, Error> {
        self.transport
            .execute(&requests::update(conversation_id, update)?)
    }

    /// One page of a conversation's messages, newest first:
    /// `GET /v1/conversations/{id}/messages`.
    pub fn messages(
        &self,
        conversation_id: &str,
        query: &ListMessages,
    ) -> Result<ConversationMessagePage, Error> {
        self.transport
            .execute(&requests::messages(conversation_id, query)?)
    }

    /// Every message of a conversation, newest first, in pages of 200 (see [`CursorIter`]);
    /// `query.before` and `query.after` bound the walk.
    pub fn iter_messages(
        &self,
        conversation_id: &str,
        query: ListMessages,
    ) -> CursorIter<'a, ConversationMessage> {
        let (conversations, id) = (*self, conversation_id.to_string());
        let page_size = validate::MESSAGES_LIMIT.1;
        CursorIter::new(
            |m: &ConversationMessage| &m.id,
            |m: &ConversationMessage| m.received_at,
            page_size,
            query.before,
            move |before| {
                let query = ListMessages {
                    limit: Some(page_size),
                    before,
                    ..query
                };
                let page = conversations.messages(&id, &query)?;
                Ok(CursorPage {
                    data: page.data,
                    has_more: page.has_more,
                })
            },
        )
    }

    /// Shows a typing indicator (iMessage; best effort, expires by itself):
    /// `POST /v1/conversations/{id}/typing`. Harmless to repeat, so retried like a read.
    pub fn typing(&self, conversation_id: &str) -> Result<TypingIndicator, Error> {
        self.transport.execute(&requests::typing(conversation_id)?)
    }
}

// The checks of this resource's input, made before anything is sent.

/// Checks the query of a conversation read.
fn check_get_conversation(q: &GetConversation) -> Result<(), Error> {
    match q.message_limit {
        Some(v) if !(validate::MESSAGES_LIMIT.0..=validate::MESSAGES_LIMIT.1).contains(&v) => {
            Err(Error::invalid(
                "message_limit",
                format_args!(
                    "must be between {} and {}, got {v}",
                    validate::MESSAGES_LIMIT.0,
                    validate::MESSAGES_LIMIT.1
                ),
            ))
        }
        _ => Ok(()),
    }
}
