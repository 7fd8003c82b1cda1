#!/usr/bin/env bash
# examples/c/agent.c offline, in one command:
#
#   bash examples/c/run-agent.sh
#
# Builds the library and the sandbox program (debug builds: seconds once cargo has the
# dependencies), compiles the agent, starts the sandbox and the agent, then has someone text the
# agent's number and call it through the sandbox's control routes, and prints what the agent
# did and what the caller heard. Needs cargo, a C compiler, curl and python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
# In a target directory of their own, as the C tests build the library: a cdylib's rlib has one
# file name, which a build with other features would replace under the Rust tests.
AGENTPHONE_C_LIBRARY=1 cargo rustc --quiet --lib --crate-type cdylib --target-dir "$target/c-abi"
cargo build --quiet -p agentphone-sandbox --target-dir "$target/c-abi"
lib="$target/c-abi/debug"
soname=$(readelf -d "$lib/libagentphone.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
ln -sf libagentphone.so "$lib/$soname"
work=$(mktemp -d)
agent_pid= sandbox_pid=
trap 'kill $agent_pid $sandbox_pid 2>/dev/null || true; rm -rf "$work"' EXIT
cc -std=c99 -Wall -Wextra -pedantic -Iinclude examples/c/agent.c -o "$work/agent" \
  -L"$lib" -lagentphone -Wl,-rpath,"$lib"

"$lib/agentphone-sandbox" --port 0 >"$work/sandbox.out" &
sandbox_pid=$!
until grep -q '^AGENTPHONE_API_KEY=' "$work/sandbox.out" 2>/dev/null; do sleep 0.1; done
AGENTPHONE_BASE_URL=$(sed -n 's/^AGENTPHONE_BASE_URL=//p' "$work/sandbox.out")
AGENTPHONE_API_KEY=$(sed -n 's/^AGENTPHONE_API_KEY=//p' "$work/sandbox.out")
export AGENTPHONE_BASE_URL AGENTPHONE_API_KEY

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/agent" "127.0.0.1:$port" >"$work/agent.out" &
agent_pid=$!
until grep -q '^listening' "$work/agent.out" 2>/dev/null; do sleep 0.1; done

api() {
  curl -sS -X "$1" -H "Authorization: Bearer $AGENTPHONE_API_KEY" \
    -H 'Content-Type: application/json' "$AGENTPHONE_BASE_URL$2" ${3:+-d "$3"}
}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

number=$(api POST /v1/numbers '{"agentId": "agt_sandbox"}' | field id)
api POST "/sandbox/numbers/$number/messages" \
  '{"from": "+15550001234", "body": "Are you open on Sunday?"}' >/dev/null
call=$(api POST /sandbox/calls "{\"numberId\": \"$number\", \"from\": \"+15550001234\",
  \"transcript\": [{\"role\": \"user\", \"content\": \"What are your hours?\"},
                   {\"role\": \"agent\", \"content\": \"(scripted)\"},
                   {\"role\": \"user\", \"content\": \"Great, bye\"}]}" | field id)
# Answered, then each thing the caller says; each answer comes from the agent's receiver.
for _ in 1 2 3; do
  api POST "/sandbox/calls/$call/advance" '{}' >/dev/null
  sleep 0.3
done
for _ in $(seq 50); do
  [ "$(api GET "/v1/calls/$call" | field status)" = completed ] && break
  sleep 0.1
done
kill -TERM "$agent_pid"
wait "$agent_pid" || true
agent_pid=
echo "--- the agent"
cat "$work/agent.out"
echo "--- the call"
api GET "/v1/calls/$call" | python3 -c '
import json, sys
call = json.load(sys.stdin)
for t in call.get("transcripts") or []:
    print("caller:", t.get("transcript"), "| agent:", t.get("response"))
print("status:", call.get("status"))'
