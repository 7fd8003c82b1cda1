//! Every typed operation as a command: its resource, its name (the C function's, kebab-case),
//! its ids in path order, the C function it runs, and the library type its JSON argument is
//! (whose fields, as serde derives them, are its flags).

use agentphone::ffi::*;
use agentphone::*;
use serde::de::{self, DeserializeOwned, Visitor};

use crate::capi::Shape;

/// The JSON argument of an operation: the type it is read as.
#[derive(Clone, Copy)]
pub struct Input {
    /// The keys of the type, as the API spells them.
    pub keys: fn() -> &'static [&'static str],
    /// Whether `{key: value}` alone is read by the type without error (how a flag's text is
    /// given its JSON type: a number, a list, a string...).
    pub fits: fn(&serde_json::Value) -> bool,
}

/// One operation.
pub struct Op {
    pub resource: &'static str,
    pub name: &'static str,
    pub ids: &'static [&'static str],
    pub shape: Shape,
    pub input: Option<Input>,
    pub about: &'static str,
    /// Billed by the API: its help says so.
    pub billed: bool,
}

/// The keys of `T`'s derived `Deserialize` (the `fields` serde gives `deserialize_struct`).
pub fn keys_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Capture(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Captured;
    impl std::fmt::Display for Captured {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("captured")
        }
    }
    impl std::error::Error for Captured {}
    impl de::Error for Captured {
        fn custom<M: std::fmt::Display>(_: M) -> Captured {
            Captured
        }
    }
    impl<'de> de::Deserializer<'de> for &mut Capture {
        type Error = Captured;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
            Err(Captured)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Captured> {
            self.0 = Some(fields);
            Err(Captured)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut capture = Capture(None);
    let _ = T::deserialize(&mut capture);
    capture.0.unwrap_or(&[])
}

fn fits<T: DeserializeOwned>(v: &serde_json::Value) -> bool {
    T::deserialize(v).is_ok()
}

const fn input<T: DeserializeOwned>() -> Option<Input> {
    Some(Input {
        keys: keys_of::<T>,
        fits: fits::<T>,
    })
}

macro_rules! op {
    ($resource:literal $name:literal [$($id:literal),*] $shape:ident($f:ident) $input:expr, $about:literal $(, billed $billed:literal)?) => {
        Op {
            resource: $resource,
            name: $name,
            ids: &[$($id),*],
            shape: Shape::$shape($f),
            input: $input,
            about: $about,
            billed: false $(|| $billed)?,
        }
    };
}

/// Every operation, in the README's order of resources.
pub static OPS: &[Op] = &[
    op!("numbers" "create" [] Json(agentphone_numbers_create) input::<CreateNumber>(), "Buy a phone number", billed true),
    op!("numbers" "list" [] Json(agentphone_numbers_list) input::<ListNumbers>(), "List the account's numbers"),
    op!("numbers" "get" ["NUMBER_ID"] Id(agentphone_numbers_get) None, "Read one number"),
    op!("numbers" "update" ["NUMBER_ID"] IdJson(agentphone_numbers_update) input::<UpdateNumber>(), "Change a number"),
    op!("numbers" "release" ["NUMBER_ID"] Id(agentphone_numbers_release) None, "Release (give up) a number"),
    op!("numbers" "messages" ["NUMBER_ID"] IdJson(agentphone_numbers_messages) input::<ListMessages>(), "A number's messages"),
    op!("numbers" "calls" ["NUMBER_ID"] IdJson(agentphone_numbers_calls) input::<Paging>(), "A number's calls"),
    op!("numbers" "available" [] Json(agentphone_numbers_available) input::<AvailableQuery>(), "Numbers available to buy"),
    op!("numbers" "lookup" [] Json(agentphone_numbers_lookup) input::<LookupQuery>(), "Look numbers up (line type, carrier)"),
    op!("numbers" "contact-card-get" ["NUMBER_ID"] Id(agentphone_numbers_contact_card_get) None, "A number's contact card"),
    op!("numbers" "contact-card-set" ["NUMBER_ID"] IdJson(agentphone_numbers_contact_card_set) input::<ContactCard>(), "Set a number's contact card"),
    op!("numbers" "contact-card-delete" ["NUMBER_ID"] Id(agentphone_numbers_contact_card_delete) None, "Delete a number's contact card"),
    op!("messages" "send" [] Json(agentphone_messages_send) input::<SendMessage>(), "Send a message", billed true),
    op!("messages" "react" ["MESSAGE_ID"] IdJson(agentphone_messages_react) input::<React>(), "React to a message"),
    op!("conversations" "list" [] Json(agentphone_conversations_list) input::<Paging>(), "List conversations"),
    op!("conversations" "get" ["CONVERSATION_ID"] IdJson(agentphone_conversations_get) input::<GetConversation>(), "Read one conversation"),
    op!("conversations" "update" ["CONVERSATION_ID"] IdJson(agentphone_conversations_update) input::<UpdateConversation>(), "Change a conversation"),
    op!("conversations" "messages" ["CONVERSATION_ID"] IdJson(agentphone_conversations_messages) input::<ListMessages>(), "A conversation's messages"),
    op!("conversations" "typing" ["CONVERSATION_ID"] Id(agentphone_conversations_typing) None, "Show the typing indicator"),
    op!("agents" "list" [] Json(agentphone_agents_list) input::<Paging>(), "List agents"),
    op!("agents" "create" [] Json(agentphone_agents_create) input::<AgentSettings>(), "Create an agent"),
    op!("agents" "get" ["AGENT_ID"] Id(agentphone_agents_get) None, "Read one agent"),
    op!("agents" "update" ["AGENT_ID"] IdJson(agentphone_agents_update) input::<AgentSettings>(), "Change an agent"),
    op!("agents" "delete" ["AGENT_ID"] Id(agentphone_agents_delete) None, "Delete an agent"),
    op!("agents" "attach-number" ["AGENT_ID", "NUMBER_ID"] IdId(agentphone_agents_attach_number) None, "Attach a number to an agent"),
    op!("agents" "detach-number" ["AGENT_ID", "NUMBER_ID"] IdId(agentphone_agents_detach_number) None, "Detach a number from an agent"),
    op!("agents" "calls" ["AGENT_ID"] IdJson(agentphone_agents_calls) input::<Paging>(), "An agent's calls"),
    op!("agents" "conversations" ["AGENT_ID"] IdJson(agentphone_agents_conversations) input::<Paging>(), "An agent's conversations"),
    op!("agents" "voices" [] Client(agentphone_agents_voices) None, "The voices an agent can use"),
    op!("agents" "webhook-get" ["AGENT_ID"] Id(agentphone_agents_webhook_get) None, "An agent's webhook"),
    op!("agents" "webhook-set" ["AGENT_ID"] IdJson(agentphone_agents_webhook_set) input::<SetWebhook>(), "Set an agent's webhook (a new secret each time)"),
    op!("agents" "webhook-delete" ["AGENT_ID"] Id(agentphone_agents_webhook_delete) None, "Delete an agent's webhook"),
    op!("agents" "webhook-test" ["AGENT_ID"] Id(agentphone_agents_webhook_test) None, "Send a test event to an agent's webhook"),
    op!("calls" "list" [] Json(agentphone_calls_list) input::<ListCalls>(), "List calls"),
    op!("calls" "create" [] Json(agentphone_calls_create) input::<CreateCall>(), "Place a call", billed true),
    op!("calls" "get" ["CALL_ID"] IdJson(agentphone_calls_get) input::<GetCall>(), "Read one call"),
    op!("calls" "end" ["CALL_ID"] Id(agentphone_calls_end) None, "End a call"),
    op!("calls" "transcript" ["CALL_ID"] Id(agentphone_calls_transcript) None, "A call's transcript"),
    op!("webhooks" "get" [] Client(agentphone_webhooks_get) None, "The project's webhook"),
    op!("webhooks" "set" [] Json(agentphone_webhooks_set) input::<SetWebhook>(), "Set the project's webhook (a new secret each time)"),
    op!("webhooks" "delete" [] Client(agentphone_webhooks_delete) None, "Delete the project's webhook"),
    op!("webhooks" "test" [] Json(agentphone_webhooks_test) input::<WebhookTest>(), "Send a test event to the project's webhook"),
    op!("webhooks" "deliveries" [] Json(agentphone_webhooks_deliveries) input::<DeliveryQuery>(), "The delivery log"),
    op!("contacts" "list" [] Json(agentphone_contacts_list) input::<ListContacts>(), "List contacts"),
    op!("contacts" "create" [] Json(agentphone_contacts_create) input::<ContactDetails>(), "Create a contact"),
    op!("contacts" "get" ["CONTACT_ID"] Id(agentphone_contacts_get) None, "Read one contact"),
    op!("contacts" "update" ["CONTACT_ID"] IdJson(agentphone_contacts_update) input::<ContactDetails>(), "Change a contact"),
    op!("contacts" "delete" ["CONTACT_ID"] Id(agentphone_contacts_delete) None, "Delete a contact"),
    op!("contacts" "capabilities" [] Json(agentphone_contacts_capabilities) input::<CapabilitiesQuery>(), "What a number can receive"),
    op!("usage" "get" [] Client(agentphone_usage_get) None, "The usage summary"),
    op!("usage" "daily" [] Json(agentphone_usage_daily) input::<DailyQuery>(), "Usage per day"),
    op!("usage" "monthly" [] Json(agentphone_usage_monthly) input::<MonthlyQuery>(), "Usage per month"),
    op!("usage" "by-number" [] Client(agentphone_usage_by_number) None, "Usage per number"),
    op!("usage" "by-agent" [] Json(agentphone_usage_by_agent) input::<ByAgentQuery>(), "Usage per agent"),
];

/// The resources, in the table's order.
pub fn resources() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for op in OPS {
        if !out.contains(&op.resource) {
            out.push(op.resource);
        }
    }
    out
}

/// The C function name of an operation (`agentphone_numbers_contact_card_get`).
#[cfg(test)]
pub fn c_name(op: &Op) -> String {
    format!("agentphone_{}_{}", op.resource, op.name.replace('-', "_"))
}

/// A key as a flag: `areaCode` and `area_code` are both `area-code`.
pub fn kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_the_types_own() {
        assert_eq!(keys_of::<Paging>(), ["limit", "offset"]);
        assert!(keys_of::<CreateNumber>().contains(&"areaCode"));
        assert!(keys_of::<SendMessage>().contains(&"to_number"));
        assert_eq!(kebab("areaCode"), "area-code");
        assert_eq!(kebab("to_number"), "to-number");
        assert_eq!(kebab("phoneNumbers"), "phone-numbers");
    }

    #[test]
    fn every_c_operation_on_a_client_has_its_command() {
        let header = include_str!("../../include/agentphone.h");
        let names: Vec<String> = OPS.iter().map(c_name).collect();
        // The C functions that are not resource operations, or have commands of their own.
        let elsewhere = [
            "agentphone_client_new",
            "agentphone_request",
            "agentphone_calls_stream_transcript",
            "agentphone_calls_recording_save",
        ];
        let mut missing = Vec::new();
        for line in header.lines() {
            let Some(rest) = line.split("agentphone_status ").nth(1) else {
                continue;
            };
            let Some(name) = rest.split('(').next() else {
                continue;
            };
            let takes_client = line.contains("const struct agentphone_client *client");
            if takes_client && !elsewhere.contains(&name) && !names.iter().any(|n| n == name) {
                missing.push(name.to_string());
            }
        }
        assert!(
            missing.is_empty(),
            "C operations without a command: {missing:?}"
        );
        for op in OPS {
            assert_eq!(op.ids.len(), op.shape.ids(), "{}", c_name(op));
            assert_eq!(op.input.is_some(), op.shape.takes_json(), "{}", c_name(op));
        }
    }
}
