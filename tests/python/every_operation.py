"""Every messaging, conversation, agent, call, contact, usage and number operation of the
official Python SDK (agentphone 0.20.3), against the sandbox whose URL and key are in the
environment.
Prints "ok <operation>" for each; exits non-zero at the first failure."""
import os

import requests
from agentphone import AgentPhone

base = os.environ["AGENTPHONE_BASE_URL"]
key = os.environ["AGENTPHONE_API_KEY"]
client = AgentPhone(api_key=key, base_url=base)


def sandbox(path, body=None):
    r = requests.post(base + path, json=body or {}, headers={"Authorization": f"Bearer {key}"})
    r.raise_for_status()
    return r.json()


def ok(name):
    print("ok", name, flush=True)


agent = client.agents.create(name="py agent", voice_speed=1.1, system_prompt="Be brief.")
assert agent.voice_speed == 1.1 and agent.name == "py agent"
ok("agents.create")
assert client.agents.get(agent.id).system_prompt == "Be brief."
ok("agents.get")
assert client.agents.update(agent.id, language="fr-FR").language == "fr-FR"
ok("agents.update")
assert client.agents.list(limit=5).total >= 2
ok("agents.list")
assert client.agents.list_voices()
ok("agents.list_voices")

number = client.numbers.buy(agent_id=agent.id, type="imessage")
ok("numbers.buy")
assert client.agents.get(agent.id).numbers[0].id == number.id

sent = client.messages.send(number_id=number.id, to_number="+15550001111", body="hi from python")
assert sent["status"] == "sent"
ok("messages.send")
reaction = client.messages.react(sent["id"], "love")
assert reaction["reaction_type"] == "love"
ok("messages.react")
sandbox(f"/sandbox/numbers/{number.id}/messages", {"from": "+15550001111", "body": "hi back"})

conversations = client.conversations.list()
assert conversations.total == 1
ok("conversations.list")
conversation = client.conversations.get(sent["conversation_id"], message_limit=10)
assert [m.body for m in conversation.messages] == ["hi back", "hi from python"]
ok("conversations.get")
updated = client.conversations.update(conversation.id, metadata={"stage": "greeted"})
assert updated.metadata == {"stage": "greeted"}
ok("conversations.update")
page = client.conversations.get_messages(conversation.id, limit=1)
assert len(page.data) == 1 and page.has_more
ok("conversations.get_messages")
assert client.conversations.send_typing(conversation.id)["status"] == "sent"
ok("conversations.send_typing")
assert client.agents.list_conversations(agent.id).total == 1
ok("agents.list_conversations")
assert len(client.numbers.get_messages(number.id).data) == 2
ok("numbers.get_messages")

call = client.calls.make(agent_id=agent.id, to_number="+15550009999", initial_greeting="Hello")
assert call.status == "ringing"
ok("calls.make")
sandbox(f"/sandbox/calls/{call.id}/advance")
sandbox(f"/sandbox/calls/{call.id}/advance")
sandbox(f"/sandbox/calls/{call.id}/advance", {"role": "user", "content": "Who is this?"})
got = client.calls.get(call.id)
assert got.status == "in-progress" and got.transcripts[0].response == "Hello"
ok("calls.get")
assert client.calls.end(call.id)["status"] == "completed"
ok("calls.end")
events = list(client.calls.stream_transcript(call.id))
assert events[0]["event"] == "connected" and events[-1]["event"] == "ended"
assert [e["data"]["content"] for e in events if e["event"] == "turn"] == ["Hello", "Who is this?"]
ok("calls.stream_transcript")
assert client.calls.get_transcript(call.id)["transcript"][1]["content"] == "Who is this?"
ok("calls.get_transcript")
recording = client.calls.get_recording(call.id)
assert bytes(recording)[:4] == b"RIFF" and recording.content_type == "audio/wav"
ok("calls.get_recording")
assert client.calls.list(status="completed").total == 1
ok("calls.list")
assert client.agents.list_calls(agent.id).total == 1
ok("agents.list_calls")
assert client.numbers.list_calls(number.id).total == 1
ok("numbers.list_calls")

client.agents.detach_number(agent.id, number.id)
ok("agents.detach_number")
client.agents.attach_number(agent.id, number.id)
ok("agents.attach_number")
assert client.agents.delete(agent.id)["success"]
ok("agents.delete")
assert client.numbers.get(number.id).agent_id is None
client.numbers.release(number.id)
ok("numbers.release")

available = client.numbers.available(area_code="415", limit=2)
assert len(available) == 2 and available[0].area_code == "415"
ok("numbers.available")
looked = client.numbers.lookup(["+15551234567", "+442071234560"])
assert [e.line_type for e in looked] == ["mobile", "landline"]
ok("numbers.lookup")
extra = client.numbers.buy()
assert client.numbers.update(extra.id, external_id="order-7").external_id == "order-7"
ok("numbers.update")
card = client.numbers.set_contact_card(extra.id, "Ada", "Lovelace")
assert card["displayName"] == "Ada Lovelace"
ok("numbers.set_contact_card")
assert client.numbers.get_contact_card(extra.id)["firstName"] == "Ada"
ok("numbers.get_contact_card")
client.numbers.delete_contact_card(extra.id)
ok("numbers.delete_contact_card")

contact = client.contacts.create("(555) 000-1111", "Ada", email="ada@example.com")
assert contact.phone_number == "+15550001111"
ok("contacts.create")
client.contacts.create("+15550002222", "Bob")
found = client.contacts.list(search="ad")
assert found.total == 1 and found.data[0].id == contact.id
ok("contacts.list")
assert client.contacts.get(contact.id).email == "ada@example.com"
ok("contacts.get")
changed = client.contacts.update(contact.id, notes="VIP")
assert changed.notes == "VIP" and changed.name == "Ada"
ok("contacts.update")
client.contacts.delete(contact.id)
assert client.contacts.list().total == 1
ok("contacts.delete")
caps = client.contacts.get_capabilities("+15551234562")
assert caps["phoneNumber"] == "+15551234562" and "imessage" in caps["capabilities"]
ok("contacts.get_capabilities")

usage = client.usage.get()
assert usage.stats.total_messages == 2 and usage.stats.total_calls == 1
ok("usage.get")
daily = client.usage.get_daily(days=3)
assert daily.days == 3 and len(daily.data) == 3 and daily.data[-1].messages == 2
ok("usage.get_daily")
monthly = client.usage.get_monthly(months=2)
assert monthly.months == 2 and monthly.data[-1].calls == 1
ok("usage.get_monthly")
assert sum(row["messages"] for row in client.usage.get_by_number()) == 2
ok("usage.get_by_number")
assert "data" in client.usage.get_by_agent(period="week")
ok("usage.get_by_agent")
client.numbers.release(extra.id)
