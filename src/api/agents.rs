//! Agent operations ([`Agents`]): create, read, update and delete agents, attach and detach
//! numbers, and list an agent's calls and conversations, and the voices.

use super::paging::{paged, OffsetIter, OffsetPage};
use super::validate;
use super::webhooks::AgentWebhook;
use crate::client::Client;
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

impl Client {
    /// Agent operations: create, read, update, delete, attach and detach numbers, their calls
    /// and conversations, the voices.
    pub fn agents(&self) -> Agents<'_> {
        Agents {
            transport: self.transport(),
        }
    }
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
        check_agent_settings(settings, true)?;
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
        check_agent_settings(settings, false)?;
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

// The checks of this resource's input, made before anything is sent.

/// Most custom tools of one agent.
pub const MAX_CUSTOM_TOOLS: usize = 20;

/// Checks an agent's settings by the documented bounds; `name` is required to create.
fn check_agent_settings(a: &AgentSettings, creating: bool) -> Result<(), Error> {
    match &a.name {
        None if creating => return Err(Error::invalid("name", "is required")),
        Some(n) if n.trim().is_empty() => return Err(Error::invalid("name", "must not be empty")),
        _ => {}
    }
    validate::range("maxSilenceMs", a.max_silence_ms, (10_000, 3_600_000))?;
    validate::range("voiceSpeed", a.voice_speed, (0.5, 2.0))?;
    validate::range(
        "interruptionSensitivity",
        a.interruption_sensitivity,
        (0.0, 1.0),
    )?;
    let Some(tools) = &a.custom_tools else {
        return Ok(());
    };
    if tools.len() > MAX_CUSTOM_TOOLS {
        return Err(Error::invalid(
            "customTools",
            format_args!(
                "must have at most {MAX_CUSTOM_TOOLS} tools, got {}",
                tools.len()
            ),
        ));
    }
    for (i, tool) in tools.iter().enumerate() {
        let field = |name: &str| format!("customTools[{i}].{name}");
        match &tool.name {
            Some(n) if !n.trim().is_empty() && n.chars().count() <= 64 => {}
            Some(_) => return Err(Error::invalid(&field("name"), "must be 1 to 64 characters")),
            None => return Err(Error::invalid(&field("name"), "is required")),
        }
        for (key, value) in [("url", &tool.url), ("description", &tool.description)] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                return Err(Error::invalid(&field(key), "is required"));
            }
        }
        validate::range(&field("timeoutMs"), tool.timeout_ms, (1_000, 120_000))?;
    }
    Ok(())
}
