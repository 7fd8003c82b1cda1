//! The sandbox's agents: attach and detach a number (`/v1/agents/{id}/numbers...`), and
//! `POST /sandbox/agents` to add an agent.

use serde_json::{json, Value};

use super::answer::{
    agent_not_found, envelope, invalid_body, json_body, method_not_allowed, number_not_found, ok,
    opt_string, Answer,
};
use super::state::{Routed, State};

/// The agent routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answer> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("POST", ["v1", "agents", agent, "numbers"]) => state.attach(agent, req.body),
        ("DELETE", ["v1", "agents", agent, "numbers", number]) => state.detach(agent, number),
        ("POST", ["sandbox", "agents"]) => state.sandbox_add_agent(req.body),
        (_, ["v1", "agents", _, "numbers"] | ["v1", "agents", _, "numbers", _]) => {
            method_not_allowed()
        }
        _ => return None,
    };
    Some(answer)
}

impl State {
    fn attach(&mut self, agent: &str, body: &[u8]) -> Answer {
        let req = match json_body(body) {
            Ok(r) => r,
            Err(a) => return a,
        };
        let number_id = match opt_string(&req, "numberId") {
            Ok(Some(id)) => id,
            Ok(None) => return invalid_body("numberId", "is required"),
            Err(a) => return a,
        };
        if !self.agents.contains(agent) {
            return agent_not_found(agent);
        }
        let Some(n) = self.number_mut(&number_id) else {
            return number_not_found(&number_id);
        };
        if n.status != "active" {
            return invalid_body("numberId", "the number is released and cannot be attached");
        }
        n.agent_id = Some(agent.to_string());
        ok(
            200,
            json!({"agentId": agent, "number": {
                "id": n.id, "phoneNumber": n.phone_number, "status": n.status, "type": n.number_type
            }}),
        )
    }

    fn detach(&mut self, agent: &str, number_id: &str) -> Answer {
        if !self.agents.contains(agent) {
            return agent_not_found(agent);
        }
        let Some(n) = self.number_mut(number_id) else {
            return number_not_found(number_id);
        };
        if n.agent_id.as_deref() != Some(agent) {
            return envelope(
                404,
                "PHONE_NUMBER_NOT_ATTACHED",
                &format!("Phone number {number_id} is not attached to agent {agent}"),
                Value::Null,
            );
        }
        n.agent_id = None;
        ok(200, json!({"success": true}))
    }

    fn sandbox_add_agent(&mut self, body: &[u8]) -> Answer {
        let req = match json_body(body) {
            Ok(r) => r,
            Err(a) => return a,
        };
        match opt_string(&req, "id") {
            Ok(Some(id)) if !id.is_empty() && !id.contains('/') => {
                self.add_agent(&id);
                ok(201, json!({"id": id}))
            }
            Ok(_) => invalid_body("id", "is required: a non-empty agent id without '/'"),
            Err(a) => a,
        }
    }
}
