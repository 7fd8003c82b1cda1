//! The typed operations, one file per resource: each builds its requests (validated, ids
//! encoded) as [`Operation`](crate::transport::Operation)s on the transport, and offers the iterators over
//! its paged lists.

pub(crate) mod agents;
pub(crate) mod calls;
pub(crate) mod contacts;
pub(crate) mod conversations;
pub(crate) mod messages;
pub(crate) mod numbers;
pub(crate) mod paging;
pub(crate) mod raw;
pub(crate) mod usage;
pub(crate) mod validate;
pub(crate) mod webhooks;
