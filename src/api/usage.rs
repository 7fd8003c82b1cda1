//! Usage reports ([`UsageReports`]): the account's counters, per day, per month, per number,
//! per agent.

use super::validate;
use crate::client::Client;
use crate::error::Error;
use crate::model::usage::{ByAgentQuery, DailyQuery, MonthlyQuery, Usage, UsageReport};
use crate::transport::{ApiRequest, Method, Operation, Transport};

/// Usage reports, from [`Client::usage`](crate::Client::usage).
#[derive(Debug, Clone, Copy)]
pub struct UsageReports<'a> {
    pub(crate) transport: &'a Transport,
}

impl Client {
    /// Usage reports: counters, per day, month, number and agent.
    pub fn usage(&self) -> UsageReports<'_> {
        UsageReports {
            transport: self.transport(),
        }
    }
}

/// The validated, built requests of the usage reports, sent by [`UsageReports`] and the C API.
pub(crate) mod requests {
    use super::*;

    pub fn get() -> Operation<Usage> {
        Operation::new(ApiRequest::new(Method::Get, "/v1/usage".into()))
    }

    pub fn daily(query: &DailyQuery) -> Result<Operation<UsageReport>, Error> {
        validate::in_range("days", query.days, (1, 365))?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/usage/daily".into()).query("days", query.days),
        ))
    }

    pub fn monthly(query: &MonthlyQuery) -> Result<Operation<UsageReport>, Error> {
        validate::in_range("months", query.months, (1, 120))?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/usage/monthly".into()).query("months", query.months),
        ))
    }

    pub fn by_number() -> Operation<UsageReport> {
        Operation::new(ApiRequest::new(Method::Get, "/v1/usage/by-number".into()))
    }

    pub fn by_agent(query: &ByAgentQuery) -> Result<Operation<UsageReport>, Error> {
        check_by_agent(query)?;
        Ok(Operation::new(
            ApiRequest::new(Method::Get, "/v1/usage/by-agent".into())
                .query("period", query.period.as_ref())
                .query("tz", query.tz.as_ref()),
        ))
    }
}

impl UsageReports<'_> {
    /// Plan, limits and counters: `GET /v1/usage`.
    pub fn get(&self) -> Result<Usage, Error> {
        self.transport.execute(&requests::get())
    }

    /// Per day: `GET /v1/usage/daily`.
    pub fn daily(&self, query: &DailyQuery) -> Result<UsageReport, Error> {
        self.transport.execute(&requests::daily(query)?)
    }

    /// Per month: `GET /v1/usage/monthly`.
    pub fn monthly(&self, query: &MonthlyQuery) -> Result<UsageReport, Error> {
        self.transport.execute(&requests::monthly(query)?)
    }

    /// Per number: `GET /v1/usage/by-number`.
    pub fn by_number(&self) -> Result<UsageReport, Error> {
        self.transport.execute(&requests::by_number())
    }

    /// Per agent, for a period: `GET /v1/usage/by-agent`.
    pub fn by_agent(&self, query: &ByAgentQuery) -> Result<UsageReport, Error> {
        self.transport.execute(&requests::by_agent(query)?)
    }
}

// The checks of this resource's input, made before anything is sent.

/// Checks a usage-by-agent query.
fn check_by_agent(q: &ByAgentQuery) -> Result<(), Error> {
    for (field, value) in [("period", &q.period), ("tz", &q.tz)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(Error::invalid(field, "must not be empty"));
        }
        validate::text(field, value)?;
    }
    Ok(())
}
