//! Endpoints of the real API that the sandbox does not simulate: they answer `501` with the
//! API's error envelope naming the route, never a bare 404 that reads like a missing resource.

use serde_json::Value;

use crate::answer::{envelope, Answered};
use crate::state::{Routed, State};

/// The first segments of the routes the sandbox leaves out (see the README's list of the
/// endpoints reachable only with a raw request).
const PREFIXES: [&[&str]; 8] = [
    &["v1", "register"],
    &["v1", "sub-accounts"],
    &["v1", "sip-trunks"],
    &["v1", "verify"],
    &["v1", "location"],
    &["v1", "feedback"],
    &["integrations", "whatsapp"],
    &["v1", "calls", "web"],
];

/// Answers 501 for a real route the sandbox does not simulate.
pub(super) fn route(_: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let s = req.segments.as_slice();
    let known = PREFIXES.iter().any(|p| s.starts_with(p))
        || matches!(s, ["v1", "conversations", _, "background"])
        || matches!(s, ["v1", "agents", _, "webhook", "deliveries"])
        || matches!(s, ["v1", "webhooks", "deliveries", "all-time"]);
    known.then(|| {
        Err(envelope(
            501,
            "NOT_SIMULATED",
            &format!(
                "The sandbox does not simulate {} /{}; the API has it (use a raw request \
                 against the real API)",
                req.method,
                s.join("/")
            ),
            Value::Null,
        ))
    })
}
