//! The typed operations, one file per resource: each builds its requests (validated, ids
//! encoded) as [`Operation`](crate::transport::Operation)s on the transport, and offers the iterators over
//! its paged lists.

pub(crate) mod paging;
pub(crate) mod raw;
pub(crate) mod validate;

resources!(
    agents,
    calls,
    contacts,
    conversations,
    messages,
    numbers,
    usage,
    webhooks
);
