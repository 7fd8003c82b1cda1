//! The sandbox's agents: `/v1/agents...` (create, read, update, delete, voices, an agent's
//! calls and conversations, attach and detach a number), and `POST /sandbox/agents` to add one
//! by id.

use std::collections::BTreeMap;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::answer::{
    self, agent_not_found, envelope, given, int_query, invalid_body, method_not_allowed,
    number_not_found, ok, record, Answer, Answered,
};
use crate::state::{now_micros, Routed, State};
use crate::time::rfc3339;

/// An agent: its name and the settings it was given (camelCase, as the API spells them).
#[derive(Debug, Clone)]
pub(crate) struct AgentRec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) settings: Map<String, Value>,
    pub(crate) created_at: DateTime<Utc>,
}

/// The agents, by id.
#[derive(Debug, Default)]
pub(crate) struct Agents {
    pub(crate) by_id: BTreeMap<String, AgentRec>,
    pub(crate) next: u64,
}

/// The body of an agent's create or update: its name and the settings an agent keeps
/// (camelCase, as the API spells them). A setting is kept as given, `null` included; `None`
/// when the body leaves it out. Other keys are ignored, as the API ignores them.
#[derive(Deserialize)]
struct AgentBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    settings: Settings,
}

/// The settings of an [`AgentBody`].
#[derive(Default, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
struct Settings {
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    description: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    voice_mode: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    model_tier: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    system_prompt: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    begin_message: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    voice: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    transfer_number: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    voicemail_message: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    stt_mode: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    ambient_sound: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    denoising_mode: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    max_silence_ms: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    voice_speed: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    interruption_sensitivity: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    enable_messaging: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    enable_backchannel: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    language: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    custom_tools: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    call_screening_identity: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    call_screening_purpose: Option<Value>,
    #[serde(deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    webhook_url: Option<Value>,
}

/// The voice catalogue the sandbox offers.
fn voices() -> Value {
    json!({"data": [
        {"voice_id": "sbx-alloy", "voice_name": "Alloy", "provider": "sandbox", "gender": "female",
         "accent": "american", "preview_audio_url": null},
        {"voice_id": "sbx-onyx", "voice_name": "Onyx", "provider": "sandbox", "gender": "male",
         "accent": "british", "preview_audio_url": null}
    ]})
}

/// The agent routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "agents", "voices"]) => ok(200, voices()),
        ("GET", ["v1", "agents"]) => state.list_agents(&req.query),
        ("POST", ["v1", "agents"]) => state.create_agent(req.body),
        ("GET", ["v1", "agents", id]) => state.get_agent(id),
        ("PATCH", ["v1", "agents", id]) => state.update_agent(id, req.body),
        ("DELETE", ["v1", "agents", id]) => state.delete_agent(id),

        ("POST", ["v1", "agents", agent, "numbers"]) => state.attach(agent, req.body),
        ("DELETE", ["v1", "agents", agent, "numbers", number]) => state.detach(agent, number),
        ("POST", ["sandbox", "agents"]) => state.sandbox_add_agent(req.body),
        (
            _,
            ["v1", "agents"]
            | ["v1", "agents", _]
            | ["v1", "agents", _, "numbers"]
            | ["v1", "agents", _, "numbers", _],
        ) => Err(method_not_allowed()),
        _ => return None,
    };
    Some(answer)
}

impl Settings {
    /// Checks the settings (numbers in their documented ranges, at most 20 custom tools), and
    /// gives those the body has.
    fn checked(self) -> Result<Map<String, Value>, Answer> {
        let number = |key: &str, v: &Option<Value>, min: f64, max: f64| -> Result<(), Answer> {
            match v {
                None | Some(Value::Null) => Ok(()),
                Some(v) => match v.as_f64() {
                    Some(x) if (min..=max).contains(&x) => Ok(()),
                    _ => Err(invalid_body(
                        key,
                        &format!("must be a number between {min} and {max}"),
                    )),
                },
            }
        };
        number("maxSilenceMs", &self.max_silence_ms, 10_000.0, 3_600_000.0)?;
        number("voiceSpeed", &self.voice_speed, 0.5, 2.0)?;
        number(
            "interruptionSensitivity",
            &self.interruption_sensitivity,
            0.0,
            1.0,
        )?;
        if let Some(tools) = self.custom_tools.as_ref().filter(|t| !t.is_null()) {
            let ok_tool = |t: &Value| {
                let s = |k: &str| t.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
                s("name").is_some_and(|n| n.chars().count() <= 64)
                    && s("url").is_some()
                    && s("description").is_some()
            };
            match tools.as_array() {
                Some(list) if list.len() <= 20 && list.iter().all(ok_tool) => {}
                _ => return Err(invalid_body(
                    "customTools",
                    "at most 20 tools, each with a name (at most 64 characters), url and description",
                )),
            }
        }
        match serde_json::to_value(self) {
            Ok(Value::Object(given)) => Ok(given),
            _ => Ok(Map::new()),
        }
    }
}

/// An agent as the API writes one ([`State::agent_json`]).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentView<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(serialize_with = "rfc3339")]
    created_at: DateTime<Utc>,
    numbers: Vec<AgentNumber<'a>>,
    /// The settings it was given, camelCase as the API spells them, beside the fields above.
    #[serde(flatten)]
    settings: &'a Map<String, Value>,
}

/// A number attached to an agent, as the agent lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentNumber<'a> {
    id: &'a str,
    phone_number: &'a str,
    status: &'a str,
    #[serde(rename = "type")]
    number_type: &'a str,
}

impl State {
    /// An agent as the API writes one: its settings beside its fields, and its numbers.
    fn agent_json(&self, a: &AgentRec) -> Value {
        let numbers = self
            .numbers
            .list
            .iter()
            .filter(|n| n.agent_id.as_deref() == Some(a.id.as_str()))
            .map(|n| AgentNumber {
                id: &n.id,
                phone_number: &n.phone_number,
                status: n.status,
                number_type: &n.number_type,
            })
            .collect();
        record(&AgentView {
            id: &a.id,
            name: &a.name,
            created_at: a.created_at,
            numbers,
            settings: &a.settings,
        })
    }

    fn list_agents(&self, query: &HashMap<String, String>) -> Answered {
        let limit = int_query(query, "limit", 20, 1, 100)? as usize;
        let offset =
            usize::try_from(int_query(query, "offset", 0, 0, i64::MAX)?).unwrap_or(usize::MAX);
        let mut all: Vec<&AgentRec> = self.agents.by_id.values().collect();
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let data: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|a| self.agent_json(a))
            .collect();
        // As the API: no hasMore on this list.
        ok(200, json!({"data": data, "total": all.len()}))
    }

    fn create_agent(&mut self, body: &[u8]) -> Answered {
        let AgentBody { name, settings } = answer::body(body)?;
        let name = name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| invalid_body("name", "Field required"))?;
        let settings = settings.checked()?;
        self.agents.next += 1;
        let rec = AgentRec {
            id: format!("agt_sbx{:06}", self.agents.next),
            name,
            settings,
            created_at: now_micros(),
        };
        let out = self.agent_json(&rec);
        self.agents.by_id.insert(rec.id.clone(), rec);
        ok(201, out)
    }

    fn get_agent(&self, id: &str) -> Answered {
        match self.agents.by_id.get(id) {
            Some(a) => ok(200, self.agent_json(a)),
            None => Err(agent_not_found(id)),
        }
    }

    fn update_agent(&mut self, id: &str, body: &[u8]) -> Answered {
        let AgentBody { name, settings } = answer::body(body)?;
        let changes = settings.checked()?;
        let Some(agent) = self.agents.by_id.get_mut(id) else {
            return Err(agent_not_found(id));
        };
        if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
            agent.name = n;
        }
        // Each key given replaces the old value; customTools replaces the whole set.
        agent.settings.extend(changes);
        self.get_agent(id)
    }

    fn delete_agent(&mut self, id: &str) -> Answered {
        let Some(agent) = self.agents.by_id.remove(id) else {
            return Err(agent_not_found(id));
        };
        for n in self.numbers.list.iter_mut() {
            if n.agent_id.as_deref() == Some(id) {
                n.agent_id = None;
            }
        }
        ok(
            200,
            json!({"success": true, "id": agent.id, "name": agent.name}),
        )
    }

    fn attach(&mut self, agent: &str, body: &[u8]) -> Answered {
        /// The body of an attach.
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Attach {
            #[serde(default)]
            number_id: Option<String>,
        }
        let Attach { number_id } = answer::body(body)?;
        let number_id = number_id.ok_or_else(|| invalid_body("numberId", "is required"))?;
        if !self.agents.by_id.contains_key(agent) {
            return Err(agent_not_found(agent));
        }
        let Some(n) = self.number_mut(&number_id) else {
            return Err(number_not_found(&number_id));
        };
        if n.status != "active" {
            return Err(invalid_body(
                "numberId",
                "the number is released and cannot be attached",
            ));
        }
        n.agent_id = Some(agent.to_string());
        ok(
            200,
            json!({"agentId": agent, "number": {
                "id": n.id, "phoneNumber": n.phone_number, "status": n.status, "type": n.number_type
            }}),
        )
    }

    fn detach(&mut self, agent: &str, number_id: &str) -> Answered {
        if !self.agents.by_id.contains_key(agent) {
            return Err(agent_not_found(agent));
        }
        let Some(n) = self.number_mut(number_id) else {
            return Err(number_not_found(number_id));
        };
        if n.agent_id.as_deref() != Some(agent) {
            return Err(envelope(
                404,
                "PHONE_NUMBER_NOT_ATTACHED",
                &format!("Phone number {number_id} is not attached to agent {agent}"),
                Value::Null,
            ));
        }
        n.agent_id = None;
        ok(200, json!({"success": true}))
    }

    fn sandbox_add_agent(&mut self, body: &[u8]) -> Answered {
        /// The body of `POST /sandbox/agents`.
        #[derive(Deserialize)]
        struct NewAgent {
            #[serde(default)]
            id: Option<String>,
        }
        match answer::body(body)? {
            NewAgent { id: Some(id) } if !id.is_empty() && !id.contains('/') => {
                self.add_agent(&id);
                ok(201, json!({"id": id}))
            }
            _ => Err(invalid_body(
                "id",
                "is required: a non-empty agent id without '/'",
            )),
        }
    }
}
