/*
 * The whole lifecycle of a phone number from C: create, attach, list, read messages, release.
 *
 *   make install PREFIX="$PWD/prefix" && export PKG_CONFIG_PATH="$PWD/prefix/lib/pkgconfig"
 *   cc -std=c99 -Wall -Wextra -pedantic examples/c/quickstart.c -o quickstart \
 *      $(pkg-config --cflags --libs agentphone) -Wl,-rpath,"$PWD/prefix/lib"
 *   AGENTPHONE_API_KEY=... [AGENTPHONE_BASE_URL=...] [AGENTPHONE_AGENT_ID=agt_...] ./quickstart
 *
 * Offline, point it at the sandbox: `cargo run -p agentphone-sandbox`
 * prints the two variables to export. Against the real API this buys a number (billed), and
 * releases it at the end whatever happened in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentphone.h"

/* Prints a failed call's error JSON (always set) and frees it. Returns 1 on success. */
static int ok(const char *what, agentphone_status status, char *out) {
  if (status == AGENTPHONE_OK) {
    printf("%-8s %s\n", what, out);
    agentphone_string_free(out);
    return 1;
  }
  /* out is {"code", "message", "status", "apiCode", "details", "requestId", "retryAfterMs"} */
  fprintf(stderr, "%-8s failed: %s %s\n", what, agentphone_status_name((int)status), out);
  agentphone_string_free(out);
  return 0;
}

/* Copies the value of "id" out of a number object (a real program would use a JSON parser). */
static int number_id(const char *json, char *id, size_t size) {
  const char *p = strstr(json, "\"id\":\"");
  const char *end;
  if (p == NULL) return 0;
  p += 6;
  end = strchr(p, '"');
  if (end == NULL || (size_t)(end - p) >= size) return 0;
  memcpy(id, p, (size_t)(end - p));
  id[end - p] = '\0';
  return 1;
}

int main(void) {
  agentphone_client *client = NULL;
  char *error = NULL;
  char *out = NULL;
  char id[128];
  const char *agent = getenv("AGENTPHONE_AGENT_ID");
  agentphone_status status;
  int failed = 0;

  if (agent == NULL) agent = "agt_sandbox";
  printf("libagentphone %s\n", agentphone_version());

  /* NULL config: the key and base URL come from AGENTPHONE_API_KEY and AGENTPHONE_BASE_URL. */
  status = agentphone_client_new(NULL, &client, &error);
  if (status != AGENTPHONE_OK) {
    fprintf(stderr, "client: %s %s\n", agentphone_status_name((int)status), error);
    agentphone_string_free(error);
    return 1;
  }

  /* Billed. Never retried once the request may have reached the server. */
  status = agentphone_numbers_create(client, "{\"country\": \"US\"}", &out);
  if (status != AGENTPHONE_OK || !number_id(out, id, sizeof id)) {
    ok("create", status, out);
    agentphone_client_free(client);
    return 1;
  }
  ok("create", status, out);

  /* From here on the number exists: release it whatever happens. */
  status = agentphone_agents_attach_number(client, agent, id, &out);
  failed |= !ok("attach", status, out);
  status = agentphone_numbers_list(client, "{\"limit\": 20}", &out);
  failed |= !ok("list", status, out);
  status = agentphone_numbers_messages(client, id, "{\"limit\": 50}", &out);
  failed |= !ok("messages", status, out);

  status = agentphone_numbers_release(client, id, &out);
  if (!ok("release", status, out) && status != AGENTPHONE_NOT_FOUND) {
    fprintf(stderr, "release %s by hand: it is still billed\n", id);
    failed = 1;
  }

  agentphone_client_free(client);
  return failed ? 1 : 0;
}
