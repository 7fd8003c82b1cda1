//! The sandbox's usage reports, computed from its own state: numbers, messages, calls and
//! webhook deliveries, per day, per month, per number and per agent.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, Utc};
use serde_json::{json, Value};

use crate::answer::{int_query, invalid_query, method_not_allowed, ok, Answered};
use crate::state::{now_micros, Routed, State};
use crate::time::format_timestamp;

/// The usage routes.
pub(super) fn route(state: &mut State, req: &Routed<'_>) -> Option<Answered> {
    let answer = match (req.method, req.segments.as_slice()) {
        ("GET", ["v1", "usage"]) => state.usage(),
        ("GET", ["v1", "usage", "daily"]) => state.daily(&req.query),
        ("GET", ["v1", "usage", "monthly"]) => state.monthly(&req.query),
        ("GET", ["v1", "usage", "by-number"]) => state.by_number(),
        ("GET", ["v1", "usage", "by-agent"]) => state.by_agent(&req.query),
        (_, ["v1", "usage"] | ["v1", "usage", "daily" | "monthly" | "by-number" | "by-agent"]) => {
            Err(method_not_allowed())
        }
        _ => return None,
    };
    Some(answer)
}

/// When things happened.
type Times = Vec<DateTime<Utc>>;

impl State {
    /// When each message, call and delivery happened.
    fn activity(&self) -> (Times, Times, Times) {
        let messages = self
            .messages
            .by_number
            .values()
            .flatten()
            .map(|m| m.received_at)
            .collect();
        let calls = self.calls.list.iter().map(|c| c.started_at).collect();
        let webhooks = self
            .webhooks
            .deliveries
            .iter()
            .map(|d| d.created_at)
            .collect();
        (messages, calls, webhooks)
    }

    fn usage(&self) -> Answered {
        let now = now_micros();
        let (messages, calls, webhooks) = self.activity();
        let since = |list: &[DateTime<Utc>], days: i64| {
            list.iter()
                .filter(|t| **t >= now - Duration::days(days))
                .count()
        };
        let active = self
            .numbers
            .list
            .iter()
            .filter(|n| n.status == "active")
            .count();
        let succeeded = self
            .webhooks
            .deliveries
            .iter()
            .filter(|d| d.status == "success")
            .count();
        let failed = self
            .webhooks
            .deliveries
            .iter()
            .filter(|d| d.status == "failed")
            .count();
        let start = now.with_day(1).unwrap_or(now);
        ok(
            200,
            json!({
                "plan": {"name": "sandbox", "limits": {"numbers": self.numbers.limit,
                    "messagesPerMonth": null, "voiceMinutesPerMonth": null,
                    "maxCallDurationMinutes": null, "concurrentCalls": null}},
                "numbers": {"used": active, "limit": self.numbers.limit,
                            "remaining": self.numbers.limit.saturating_sub(active)},
                "stats": {
                    "totalMessages": messages.len(), "messagesLast24h": since(&messages, 1),
                    "messagesLast7d": since(&messages, 7), "messagesLast30d": since(&messages, 30),
                    "totalCalls": calls.len(), "callsLast24h": since(&calls, 1),
                    "callsLast7d": since(&calls, 7), "callsLast30d": since(&calls, 30),
                    "totalWebhookDeliveries": webhooks.len(),
                    "successfulWebhookDeliveries": succeeded,
                    "failedWebhookDeliveries": failed,
                },
                "periodStart": format_timestamp(&start),
                "periodEnd": format_timestamp(&now),
                "reportGeneratedAt": format_timestamp(&now),
            }),
        )
    }

    /// Counts per key (a day or a month) over the last `n` keys.
    fn per_period(&self, keys: &[String], key_of: impl Fn(&DateTime<Utc>) -> String) -> Vec<Value> {
        let (messages, calls, webhooks) = self.activity();
        let count = |list: &[DateTime<Utc>]| {
            let mut by: HashMap<String, usize> = HashMap::new();
            for t in list {
                *by.entry(key_of(t)).or_default() += 1;
            }
            by
        };
        let (m, c, w) = (count(&messages), count(&calls), count(&webhooks));
        keys.iter()
            .map(|k| {
                json!({"key": k, "messages": m.get(k).copied().unwrap_or(0),
                       "calls": c.get(k).copied().unwrap_or(0),
                       "webhooks": w.get(k).copied().unwrap_or(0)})
            })
            .collect()
    }

    fn daily(&self, query: &HashMap<String, String>) -> Answered {
        let days = int_query(query, "days", 30, 1, 365)?;
        let today = now_micros();
        let keys: Vec<String> = (0..days)
            .rev()
            .map(|i| (today - Duration::days(i)).format("%Y-%m-%d").to_string())
            .collect();
        let data: Vec<Value> = self
            .per_period(&keys, |t| t.format("%Y-%m-%d").to_string())
            .into_iter()
            .map(|mut row| {
                row["date"] = row["key"].take();
                row.as_object_mut().map(|o| o.remove("key"));
                row
            })
            .collect();
        ok(200, json!({"data": data, "days": days}))
    }

    fn monthly(&self, query: &HashMap<String, String>) -> Answered {
        let months = int_query(query, "months", 6, 1, 120)? as i32;
        let now = now_micros();
        let (year, month) = (now.year(), now.month() as i32);
        let keys: Vec<String> = (0..months)
            .rev()
            .map(|i| {
                let total = year * 12 + month - 1 - i;
                format!(
                    "{:04}-{:02}",
                    total.div_euclid(12),
                    total.rem_euclid(12) + 1
                )
            })
            .collect();
        let data: Vec<Value> = self
            .per_period(&keys, |t| t.format("%Y-%m").to_string())
            .into_iter()
            .map(|mut row| {
                row["month"] = row["key"].take();
                row.as_object_mut().map(|o| o.remove("key"));
                row
            })
            .collect();
        ok(200, json!({"data": data, "months": months}))
    }

    fn by_number(&self) -> Answered {
        let data: Vec<Value> = self
            .numbers
            .list
            .iter()
            .map(|n| {
                let agent = n.agent_id.as_ref().and_then(|a| self.agents.by_id.get(a));
                json!({
                    "numberId": n.id, "phoneNumber": n.phone_number, "country": n.country,
                    "status": n.status, "agentId": n.agent_id,
                    "agentName": agent.map(|a| a.name.clone()),
                    "messages": self.messages.by_number.get(&n.id).map_or(0, Vec::len),
                    "calls": self.calls.list.iter().filter(|c| c.number_id == n.id).count(),
                })
            })
            .collect();
        ok(200, json!({"data": data}))
    }

    fn by_agent(&self, query: &HashMap<String, String>) -> Answered {
        let period = query.get("period").map_or("month", String::as_str);
        let days = match period {
            "week" => 7,
            "month" => 30,
            "year" => 365,
            other => {
                return Err(invalid_query(
                    "period",
                    other,
                    "Input should be 'week', 'month' or 'year'",
                    "enum",
                ))
            }
        };
        let now = now_micros();
        let start = now - Duration::days(days);
        let mut rows: BTreeMap<&str, (usize, usize, f64)> = BTreeMap::new();
        for a in self.agents.by_id.keys() {
            rows.insert(a, (0, 0, 0.0));
        }
        for n in &self.numbers.list {
            let Some(agent) = n.agent_id.as_deref() else {
                continue;
            };
            let messages = self.messages.by_number.get(&n.id).into_iter().flatten();
            let count = messages.filter(|m| m.received_at >= start).count();
            if let Some(row) = rows.get_mut(agent) {
                row.0 += count;
            }
        }
        for c in self.calls.list.iter().filter(|c| c.started_at >= start) {
            let Some(agent) = c.agent_id.as_deref() else {
                continue;
            };
            if let Some(row) = rows.get_mut(agent) {
                row.1 += 1;
                row.2 += c.ended_at.map_or(0.0, |e| {
                    (e - c.started_at).num_milliseconds() as f64 / 1000.0
                });
            }
        }
        let data: Vec<Value> = rows
            .into_iter()
            .map(|(id, (messages, calls, seconds))| {
                json!({"agentId": id, "agentName": self.agents.by_id.get(id).map(|a| a.name.clone()),
                       "messages": messages, "calls": calls, "totalSeconds": seconds,
                       "isOrphan": false})
            })
            .collect();
        ok(
            200,
            json!({"data": data, "period": period, "periodStart": format_timestamp(&start),
                   "periodEnd": format_timestamp(&now),
                   "tz": query.get("tz").map_or("UTC", String::as_str)}),
        )
    }
}
