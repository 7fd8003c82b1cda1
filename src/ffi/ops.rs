//! The shapes of an operation's export: the client and a JSON argument, the client and an id,
//! or the client, an id and a JSON argument. Each parses its arguments (naming the bad one),
//! builds the call, sends it, and hands back the result in the C contract's form, all inside
//! the boundary.

use std::ffi::c_char;

use serde::de::DeserializeOwned;

use super::boundary::{boundary, opt_str, send};
use super::client::{agentphone_client, client_and_id, client_ref};
use super::input::parse;
use super::status::agentphone_status;
use crate::error::Error;
use crate::model::c_form::CForm;
use crate::transport::Operation;

/// An operation on the client and one JSON argument (`arg` names it; NULL is `Q::default()`).
///
/// # Safety
/// `client` is NULL or a live handle; `json` is NULL or NUL-terminated; `out` is NULL or
/// points to writable storage for one pointer.
pub(crate) unsafe fn json_op<Q, R>(
    client: *const agentphone_client,
    arg: &str,
    json: *const c_char,
    out: *mut *mut c_char,
    build: impl FnOnce(&Q) -> Result<Operation<R>, Error>,
) -> agentphone_status
where
    Q: DeserializeOwned + Default,
    R: DeserializeOwned + CForm,
{
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, text) = unsafe { (client_ref(client)?, opt_str(arg, json)?) };
        send(client.transport(), &build(&parse(arg, text)?)?)
    })
}

/// An operation on the client alone.
///
/// # Safety
/// `client` is NULL or a live handle; `out` is NULL or points to writable storage for one
/// pointer.
pub(crate) unsafe fn client_op<R>(
    client: *const agentphone_client,
    out: *mut *mut c_char,
    build: impl FnOnce() -> Result<Operation<R>, Error>,
) -> agentphone_status
where
    R: DeserializeOwned + CForm,
{
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let client = unsafe { client_ref(client)? };
        send(client.transport(), &build()?)
    })
}

/// An operation on the client and one id (`name` is the C argument's name).
///
/// # Safety
/// As [`json_op`], with `id` NUL-terminated (NULL is refused, naming it).
pub(crate) unsafe fn id_op<R>(
    client: *const agentphone_client,
    name: &str,
    id: *const c_char,
    out: *mut *mut c_char,
    build: impl FnOnce(&str) -> Result<Operation<R>, Error>,
) -> agentphone_status
where
    R: DeserializeOwned + CForm,
{
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let (client, id) = unsafe { client_and_id(client, name, id)? };
        send(client.transport(), &build(id)?)
    })
}

/// An operation on the client, one id and one JSON argument.
///
/// # Safety
/// As [`json_op`] and [`id_op`].
pub(crate) unsafe fn id_json_op<Q, R>(
    client: *const agentphone_client,
    name: &str,
    id: *const c_char,
    arg: &str,
    json: *const c_char,
    out: *mut *mut c_char,
    build: impl FnOnce(&str, &Q) -> Result<Operation<R>, Error>,
) -> agentphone_status
where
    Q: DeserializeOwned + Default,
    R: DeserializeOwned + CForm,
{
    boundary(out, || {
        // SAFETY: forwarded contract of this function.
        let ((client, id), text) =
            unsafe { (client_and_id(client, name, id)?, opt_str(arg, json)?) };
        send(client.transport(), &build(id, &parse(arg, text)?)?)
    })
}
