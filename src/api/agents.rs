//! Agent operations ([`Agents`]): create, read, update and delete agents, attach and detach
//! numbers, and list an agent's calls and conversations, and the voices.

use super::paging::{paged, OffsetIter, OffsetPage};
use super::validate;
use super::webhooks::AgentWebhook;
use crate::error::Error;
use crate::model::agents::{
    Agent, AgentPage, AgentSettings, AttachedNumber, DeletedAgent, DetachedNumber, Voice, VoiceList,
};
use crate::model::calls::{Call, CallPage};
use crate::model::conversations::{Conversation, ConversationPage};
use crate::model::Paging;
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// Agent operations, from [`Client::agents`](crate::Client::agents).
#[derive(Debug, Clone, Copy)]
pub struct Agents<'a> {
    pub(crate) transport: &'a Transport,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachBody<'a> {
    number_id: &'a str,
}

/// The validated, built requests of the agent operations, sent by [`Agents`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn list(query: &Paging) -> Result<Operation<AgentPage>, Error> {
        paged("/v1/agents".into(), query)
    }

    pub fn create(settings: &AgentSettings) -> Result<Operation<Agent>, Error> {
        validate::agent_settings(settings, true)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, "/v1/agents".into()).json_body(settings)?,
        ))
    }

    pub fn get(agent_id: &str) -> Result<Operation<Agent>, Error> {
        let id = validate::segment("agentId", agent_id)?;
        Ok(Operation::new(ApiRequest::new(
            Method::Get,
            format!("/v1/agents/{id}"),
        )))
    }

    pub fn update(agent_id: &str, settings: &AgentSettings) -> Result<Operation<Agent>, Error> {
        let id = validate::segment("agentId", agent_id)?;
        validate::agent_settings(settings, false)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Patch, format!("/v1/agents/{id}")).json_body(settings)?,
        ))
    }

    pub fn delete(agent_id: &str) -> Result<Operation<DeletedAgent>, Error> {
        let id = validate::segment("agentId", agent_id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Delete, format!("/v1/agents/{id}")).empty_body_is_object(),
        ))
    }

    pub fn calls(agent_id: &str, query: &Paging) -> Result<Operation<CallPage>, Error> {
        let id = validate::segment("agentId", agent_id)?;
        paged(format!("/v1/agents/{id}/calls"), query)
    }

    pub fn conversations(
        agent_id: &str,
        query: &Paging,
    ) -> Result<Operation<ConversationPage>, Error> {
        let id = validate::segment("agentId", agent_id)?;
        paged(format!("/v1/agents/{id}/conversations"), query)
    }

    pub fn voices() -> Operation<VoiceList> {
        Operation::new(ApiRequest::new(Method::Get, "/v1/agents/voices".into()))
    }

    pub fn attach_number(
        agent_id: &str,
        number_id: &str,
    ) -> Result<Operation<AttachedNumber>, Error> {
        let agent = validate::segment("agentId", agent_id)?;
        validate::id("numberId", number_id)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, format!("/v1/agents/{agent}/numbers"))
                .json_body(&AttachBody { number_id })?,
        ))
    }

    pub fn detach_number(
        agent_id: &str,
        number_id: &str,
    ) -> Result<Operation<DetachedNumber>, Error> {
        let agent = validate::segment("agentId", agent_id)?;
        let number = validate::segment("numberId", number_id)?;
        Ok(Operation::new(
            ApiRequest::new(
                Method::Delete,
                format!("/v1/agents/{agent}/numbers/{number}"),
            )
            .empty_body_is_object(),
        ))
    }
}

impl<'a> Agents<'a> {
    /// One page of agents: `GET /v1/agents`.
    pub fn list(&self, query: &Paging) -> Result<AgentPage, Error> {
        self.transport.execute(&requests::list(query)?)
    }

    /// Every agent, `page_size` (1 to 100) at a time, fetched lazily (see [`OffsetIter`]).
    pub fn iter(&self, page_size: u32) -> OffsetIter<'a, Agent> {
        let agents = *self;
        OffsetIter::new(
            |a: &Agent| &a.id,
            move |offset| {
                let page = agents.list(&Paging::new().limit(page_size).offset(offset))?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: page.has_more,
                    total: page.total,
                })
            },
        )
    }

    /// Creates an agent: `POST /v1/agents`. Never sent twice once it may have reached the
    /// server (a second one would be a duplicate agent): on [`Error::may_have_succeeded`], list
    /// the agents before creating again.
    pub fn create(&self, settings: &AgentSettings) -> Result<Agent, Error> {
        self.transport.execute(&requests::create(settings)?)
    }

    /// An agent with its attached numbers: `GET /v1/agents/{id}`.
    pub fn get(&self, agent_id: &str) -> Result<Agent, Error> {
        self.transport.execute(&requests::get(agent_id)?)
    }

    /// Updates an agent: `PATCH /v1/agents/{id}`; only the settings given change, and
    /// `customTools` replaces the whole set. Retried like a read.
    pub fn update(&self, agent_id: &str, settings: &AgentSettings) -> Result<Agent, Error> {
        self.transport
            .execute(&requests::update(agent_id, settings)?)
    }

    /// Deletes an agent: `DELETE /v1/agents/{id}`. Irreversible; its numbers stay, unattached.
    pub fn delete(&self, agent_id: &str) -> Result<DeletedAgent, Error> {
        self.transport.execute(&requests::delete(agent_id)?)
    }

    /// One page of an agent's calls: `GET /v1/agents/{id}/calls`.
    pub fn calls(&self, agent_id: &str, query: &Paging) -> Result<CallPage, Error> {
        self.transport.execute(&requests::calls(agent_id, query)?)
    }

    /// One page of an agent's conversations: `GET /v1/agents/{id}/conversations`.
    pub fn conversations(&self, agent_id: &str, query: &Paging) -> Result<ConversationPage, Error> {
        self.transport
            .execute(&requests::conversations(agent_id, query)?)
    }

    /// Every call of an agent, `page_size` (1 to 100) at a time (see [`OffsetIter`]).
    pub fn iter_calls(&self, agent_id: &str, page_size: u32) -> OffsetIter<'a, Call> {
        let (agents, id) = (*self, agent_id.to_string());
        OffsetIter::new(
            |c: &Call| &c.id,
            move |offset| {
                let page = agents.calls(&id, &Paging::new().limit(page_size).offset(offset))?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// Every conversation of an agent, `page_size` (1 to 100) at a time (see [`OffsetIter`]).
    pub fn iter_conversations(
        &self,
        agent_id: &str,
        page_size: u32,
    ) -> OffsetIter<'a, Conversation> {
        let (agents, id) = (*self, agent_id.to_string());
        OffsetIter::new(
            |c: &Conversation| &c.id,
            move |offset| {
                let query = Paging::new().limit(page_size).offset(offset);
                let page = agents.conversations(&id, &query)?;
                Ok(OffsetPage {
                    data: page.data,
                    has_more: Some(page.has_more),
                    total: page.total,
                })
            },
        )
    }

    /// The agent's own webhook (it takes precedence over the project's for this agent's
    /// events): read, set, delete, test.
    pub fn webhook(&self, agent_id: &str) -> Result<AgentWebhook<'a>, Error> {
        Ok(AgentWebhook {
            transport: self.transport,
            base: crate::api::webhooks::requests::agent_base(agent_id)?,
        })
    }

    /// The voice catalogue: `GET /v1/agents/voices`.
    pub fn voices(&self) -> Result<Vec<Voice>, Error> {
        self.transport
            .execute(&requests::voices())
            .map(VoiceList::into_vec)
    }

    /// Attaches a number to an agent: `POST /v1/agents/{agentId}/numbers` with `{"numberId"}`.
    ///
    /// Retried only when the request provably never reached the server, or on 429; otherwise a
    /// failure may have [`Error::may_have_succeeded`] set.
    pub fn attach_number(&self, agent_id: &str, number_id: &str) -> Result<AttachedNumber, Error> {
        self.transport
            .execute(&requests::attach_number(agent_id, number_id)?)
    }

    /// Detaches a number from an agent: `DELETE /v1/agents/{agentId}/numbers/{numberId}`.
    pub fn detach_number(&self, agent_id: &str, number_id: &str) -> Result<DetachedNumber, Error> {
        self.transport
            .execute(&requests::detach_number(agent_id, number_id)?)
    }
}
