//! Webhook configuration ([`Webhooks`] for the project, [`AgentWebhook`] for one agent): read,
//! set, delete, test, and the project's delivery log. Receiving webhooks is
//! [`crate::webhook`].

use serde_json::Value;

use super::validate;
use crate::client::Client;
use crate::error::Error;
use crate::model::webhooks::{DeliveryPage, DeliveryQuery, SetWebhook, Webhook, WebhookTest};
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// The project's webhook, from [`Client::webhooks`](crate::Client::webhooks). An agent's own
/// webhook ([`AgentWebhook`]) takes precedence for that agent's events; an event goes to
/// exactly one of them.
#[derive(Debug, Clone, Copy)]
pub struct Webhooks<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// The project's webhook: read, set, delete, test, the delivery log. (Per agent:
    /// [`Agents::webhook`](crate::Agents::webhook).)
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks {
            transport: self.transport(),
        }
    }
}

/// One agent's webhook, from [`Agents::webhook`](crate::Agents::webhook)(crate::Agents::webhook).
#[derive(Debug, Clone)]
pub struct AgentWebhook<'a> {
    pub(crate) transport: &'a Transport,
    /// `/v1/agents/{id}/webhook`, the id encoded.
    pub(crate) base: String,
}

/// The validated, built requests of the webhook operations, sent by [`Webhooks`],
/// [`AgentWebhook`] and the C API. `base` is `/v1/webhooks` or `/v1/agents/{id}/webhook`.
pub(crate) mod requests {
    use super::*;

    pub const PROJECT: &str = "/v1/webhooks";

    pub fn agent_base(agent_id: &str) -> Result<String, Error> {
        Ok(format!(
            "/v1/agents/{}/webhook",
            validate::segment("agentId", agent_id)?
        ))
    }

    pub fn get(base: &str) -> Operation<Option<Webhook>> {
        Operation::new(ApiRequest::new(Method::Get, base.to_string()))
    }

    pub fn set(base: &str, webhook: &SetWebhook) -> Result<Operation<Webhook>, Error> {
        check_set_webhook(webhook)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Post, base.to_string()).json_body(webhook)?,
        ))
    }

    pub fn delete(base: &str) -> Operation<Value> {
        Operation::new(ApiRequest::new(Method::Delete, base.to_string()).empty_body_is_object())
    }

    pub fn test(base: &str, test: Option<&WebhookTest>) -> Result<Operation<Value>, Error> {
        let request = ApiRequest::new(Method::Post, format!("{base}/test")).empty_body_is_object();
        Ok(Operation::new(match test {
            Some(t) => request.json_body(t)?,
            None => request,
        }))
    }

    pub fn deliveries(query: &DeliveryQuery) -> Result<Operation<DeliveryPage>, Error> {
        check_delivery_query(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, format!("{PROJECT}/deliveries"))
                .query("limit", query.limit)
                .query("offset", query.offset)
                .query("hours", query.hours),
        ))
    }
}

impl Webhooks<'_> {
    /// The project's webhook, `None` when none is set: `GET /v1/webhooks`.
    pub fn get(&self) -> Result<Option<Webhook>, Error> {
        self.transport.execute(&requests::get(requests::PROJECT))
    }

    /// Sets the project's webhook: `POST /v1/webhooks`.
    ///
    /// **Each call generates a new secret**, and the old one stops verifying at once: keep the
    /// returned [`Webhook::secret`]. Never sent twice once it may have reached the server; on
    /// [`Error::may_have_succeeded`], read the webhook back ([`Webhooks::get`]) for the secret
    /// in force rather than setting it again.
    pub fn set(&self, webhook: &SetWebhook) -> Result<Webhook, Error> {
        self.transport
            .execute(&requests::set(requests::PROJECT, webhook)?)
    }

    /// Removes the project's webhook: `DELETE /v1/webhooks`.
    pub fn delete(&self) -> Result<Value, Error> {
        self.transport.execute(&requests::delete(requests::PROJECT))
    }

    /// Sends a synthetic `agent.message` (with `"test": true`) to the webhook:
    /// `POST /v1/webhooks/test`. Reaches your endpoint: never sent twice.
    pub fn test(&self, test: &WebhookTest) -> Result<Value, Error> {
        self.transport
            .execute(&requests::test(requests::PROJECT, Some(test))?)
    }

    /// One page of the delivery log, newest first: `GET /v1/webhooks/deliveries`.
    pub fn deliveries(&self, query: &DeliveryQuery) -> Result<DeliveryPage, Error> {
        self.transport.execute(&requests::deliveries(query)?)
    }
}

impl AgentWebhook<'_> {
    /// The agent's webhook, `None` when none is set: `GET /v1/agents/{id}/webhook`.
    pub fn get(&self) -> Result<Option<Webhook>, Error> {
        self.transport.execute(&requests::get(&self.base))
    }

    /// Sets the agent's webhook: `POST /v1/agents/{id}/webhook`. As [`Webhooks::set`]: **a new
    /// secret each time**, never sent twice.
    pub fn set(&self, webhook: &SetWebhook) -> Result<Webhook, Error> {
        self.transport.execute(&requests::set(&self.base, webhook)?)
    }

    /// Removes the agent's webhook (its events go to the project's again):
    /// `DELETE /v1/agents/{id}/webhook`.
    pub fn delete(&self) -> Result<Value, Error> {
        self.transport.execute(&requests::delete(&self.base))
    }

    /// Sends a test event to the agent's webhook: `POST /v1/agents/{id}/webhook/test`.
    pub fn test(&self) -> Result<Value, Error> {
        self.transport.execute(&requests::test(&self.base, None)?)
    }
}

// The checks of this resource's input, made before anything is sent.

/// Longest webhook URL the API accepts.
pub const MAX_WEBHOOK_URL: usize = 2083;

/// Checks a webhook: an absolute http(s) URL, `contextLimit` 0 to 50, `timeout` 5 to 120 s.
fn check_set_webhook(w: &SetWebhook) -> Result<(), Error> {
    let Some(url) = &w.url else {
        return Err(Error::invalid("url", "is required"));
    };
    if url.len() > MAX_WEBHOOK_URL {
        return Err(Error::invalid(
            "url",
            format_args!(
                "must be at most {MAX_WEBHOOK_URL} characters, got {}",
                url.len()
            ),
        ));
    }
    let absolute = url
        .parse::<ureq::http::Uri>()
        .ok()
        .filter(|u| matches!(u.scheme_str(), Some("http" | "https")))
        .is_some_and(|u| u.host().is_some_and(|h| !h.is_empty()));
    if !absolute || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid(
            "url",
            format_args!("must be an absolute http(s) URL, got {url:?}"),
        ));
    }
    validate::range("contextLimit", w.context_limit, (0, 50))?;
    validate::range("timeout", w.timeout, (5, 120))
}

/// Checks a delivery log query.
fn check_delivery_query(q: &DeliveryQuery) -> Result<(), Error> {
    validate::limit(q.limit, validate::PAGE_LIMIT)?;
    validate::offset(q.offset)?;
    validate::range("hours", q.hours, (1, 24 * 365))
}
