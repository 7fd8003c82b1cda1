//! Agent operations ([`Agents`]): attach a number to an agent and detach it.

use super::validate;
use crate::error::Error;
use crate::model::agents::{AttachedNumber, DetachedNumber};
use crate::transport::{ApiRequest, Call, Method, Transport};

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
pub(crate) mod calls {
    use super::*;

    pub fn attach_number(agent_id: &str, number_id: &str) -> Result<Call<AttachedNumber>, Error> {
        let agent = validate::segment("agentId", agent_id)?;
        validate::id("numberId", number_id)?;
        Ok(Call::new(
            ApiRequest::new(Method::Post, format!("/v1/agents/{agent}/numbers"))
                .json_body(&AttachBody { number_id })?,
        ))
    }

    pub fn detach_number(agent_id: &str, number_id: &str) -> Result<Call<DetachedNumber>, Error> {
        let agent = validate::segment("agentId", agent_id)?;
        let number = validate::segment("numberId", number_id)?;
        Ok(Call::new(
            ApiRequest::new(
                Method::Delete,
                format!("/v1/agents/{agent}/numbers/{number}"),
            )
            .empty_body_is_object(),
        ))
    }
}

impl Agents<'_> {
    /// Attaches a number to an agent: `POST /v1/agents/{agentId}/numbers` with `{"numberId"}`.
    ///
    /// Retried only when the request provably never reached the server, or on 429; otherwise a
    /// failure may have [`Error::may_have_succeeded`] set.
    pub fn attach_number(&self, agent_id: &str, number_id: &str) -> Result<AttachedNumber, Error> {
        self.transport
            .execute(&calls::attach_number(agent_id, number_id)?)
    }

    /// Detaches a number from an agent: `DELETE /v1/agents/{agentId}/numbers/{numberId}`.
    pub fn detach_number(&self, agent_id: &str, number_id: &str) -> Result<DetachedNumber, Error> {
        self.transport
            .execute(&calls::detach_number(agent_id, number_id)?)
    }
}
