/*
 * The C API against the sandbox: every function, every status, NULL for every pointer argument,
 * invalid UTF-8, bad JSON, unknown keys, the error JSON's fields, and one client shared by 8
 * threads. Built with -std=c99 -Wall -Wextra -Werror -pedantic and run by tests/c_api.rs, which
 * starts the sandbox and injects the faults this program expects:
 *
 *   test_api BASE_URL API_KEY DEAD_URL
 *
 * GET /v1/numbers/num_ratelimited -> 429 Retry-After 120    GET /v1/numbers/num_apierror -> 500
 * GET /v1/numbers/num_timeout     -> hangs 2 s                GET /v1/numbers/num_decode   -> 200 {"unexpected":true}
 * GET /v1/numbers/num_msgs/messages -> 200 with two messages in other sender spellings
 * GET /v1/numbers/num_flaky -> 503 once (then the sandbox's own 404)
 * POST /v1/agents/agt_flaky/numbers -> 500
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentphone.h"
#include "check.h"

static const char *base_url;
static const char *api_key;
static const char *dead_url;

/* Creates a client from a printf-style config; aborts the run if that fails. */
static agentphone_client *client_with(const char *extra) {
  char config[1024];
  agentphone_client *client = NULL;
  char *error = NULL;
  snprintf(config, sizeof config, "{\"apiKey\": \"%s\", \"baseUrl\": \"%s\"%s}", api_key, base_url,
           extra);
  agentphone_status st = agentphone_client_new(config, &client, &error);
  if (st != AGENTPHONE_OK) {
    fprintf(stderr, "client_new(%s) failed: %s %s\n", config, agentphone_status_name((int)st),
            error ? error : "");
    exit(2);
  }
  CHECK(error == NULL, "error_out must be NULL on success");
  return client;
}

/* Runs one call's assertions on status and output, then frees the output. */
static void expect(agentphone_status st, char **outp, agentphone_status want, const char *needle,
                   const char *what) {
  char *out = *outp; /* read after the call: arguments are evaluated before expect runs */
  *outp = NULL;
  CHECK(st == want, "%s: got %s, want %s: %s", what, agentphone_status_name((int)st),
        agentphone_status_name((int)want), out ? out : "(null)");
  CHECK(out != NULL, "%s: *out must always be set", what);
  if (needle != NULL) {
    CHECK(has(out, needle), "%s: %s does not contain %s", what, out ? out : "(null)", needle);
  }
  agentphone_string_free(out);
}

static void test_static_strings(void) {
  static const char *names[] = {"OK",        "INVALID_ARGUMENT", "UNAUTHORIZED", "NOT_FOUND",
                                "RATE_LIMITED", "API_ERROR",     "NETWORK_ERROR", "TIMEOUT",
                                "DECODE_ERROR", "INTERNAL_ERROR", "SIGNATURE_INVALID"};
  int i;
  for (i = 0; i < 11; i++) {
    CHECK(strcmp(agentphone_status_name(i), names[i]) == 0, "status %d", i);
  }
  CHECK(AGENTPHONE_OK == 0 && AGENTPHONE_DECODE_ERROR == 8 && AGENTPHONE_INTERNAL_ERROR == 9,
        "fixed numbers");
  CHECK(strcmp(agentphone_status_name(-1), "UNKNOWN") == 0, "-1");
  CHECK(AGENTPHONE_SIGNATURE_INVALID == 10, "status 10 appended");
  CHECK(strcmp(agentphone_status_name(11), "UNKNOWN") == 0, "11");
  CHECK(strcmp(agentphone_status_name(2147483647), "UNKNOWN") == 0, "INT_MAX");
  CHECK(strlen(agentphone_version()) >= 5 && strchr(agentphone_version(), '.') != NULL, "%s",
        agentphone_version());
  /* The header's macros and the library agree, and the number is (major << 16 | minor << 8 |
   * patch) of the string: each part is checked against the string, not only the formula. */
  {
    unsigned major = 0, minor = 0, patch = 0;
    char text[32];
    CHECK(sscanf(agentphone_version(), "%u.%u.%u", &major, &minor, &patch) == 3, "%s",
          agentphone_version());
    CHECK(agentphone_version_number() == ((major << 16) | (minor << 8) | patch), "%u vs %s",
          (unsigned)agentphone_version_number(), agentphone_version());
    CHECK(strcmp(AGENTPHONE_VERSION_STRING, agentphone_version()) == 0, "header %s, library %s",
          AGENTPHONE_VERSION_STRING, agentphone_version());
    CHECK(AGENTPHONE_VERSION_NUM == agentphone_version_number(), "header %u, library %u",
          (unsigned)AGENTPHONE_VERSION_NUM, (unsigned)agentphone_version_number());
    snprintf(text, sizeof text, "%d.%d.%d", AGENTPHONE_VERSION_MAJOR, AGENTPHONE_VERSION_MINOR,
             AGENTPHONE_VERSION_PATCH);
    CHECK(strcmp(text, AGENTPHONE_VERSION_STRING) == 0, "%s", text);
    CHECK(AGENTPHONE_VERSION_AT_LEAST(0, 0, 0) &&
              AGENTPHONE_VERSION_AT_LEAST(AGENTPHONE_VERSION_MAJOR, AGENTPHONE_VERSION_MINOR,
                                          AGENTPHONE_VERSION_PATCH) &&
              !AGENTPHONE_VERSION_AT_LEAST(AGENTPHONE_VERSION_MAJOR, AGENTPHONE_VERSION_MINOR,
                                           AGENTPHONE_VERSION_PATCH + 1) &&
              !AGENTPHONE_VERSION_AT_LEAST(AGENTPHONE_VERSION_MAJOR, AGENTPHONE_VERSION_MINOR + 1, 0),
          "AT_LEAST");
  }
  agentphone_string_free(NULL);
  agentphone_client_free(NULL);
}

static void expect_config_rejected(const char *config, const char *needle) {
  agentphone_client *client = (agentphone_client *)&client; /* not NULL: must be reset */
  char *error = NULL;
  agentphone_status st = agentphone_client_new(config, &client, &error);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT, "config %s: got %s", config ? config : "NULL",
        agentphone_status_name((int)st));
  CHECK(client == NULL, "config %s: *client_out must be NULL", config ? config : "NULL");
  CHECK(has(error, "\"code\":\"invalid_argument\""), "config %s: %s", config ? config : "NULL",
        error ? error : "(null)");
  CHECK(has(error, needle), "config %s: %s lacks %s", config ? config : "NULL",
        error ? error : "(null)", needle);
  agentphone_string_free(error);
}

static void test_client_new(void) {
  char bad_utf8[] = {'{', '"', 'a', 'p', 'i', 'K', 'e', 'y', '"', ':', '"', (char)0xff, '"', '}', 0};
  agentphone_client *client = NULL;
  char *error = (char *)&error; /* not NULL: must be reset */

  /* The harness runs this program without AGENTPHONE_API_KEY. */
  expect_config_rejected(NULL, "AGENTPHONE_API_KEY");
  expect_config_rejected("{}", "apiKey");
  expect_config_rejected("{", "not valid JSON");
  expect_config_rejected("[1, 2]", "must be a JSON object");
  expect_config_rejected("{\"apiKey\": \"\"}", "apiKey: must not be empty");
  expect_config_rejected("{\"apiKey\": \"k\", \"apikey\": \"k\"}", "apikey: unknown field `apikey`");
  expect_config_rejected("{\"apiKey\": \"k\", \"baseUrl\": \"ftp://example.com\"}", "baseUrl");
  expect_config_rejected("{\"apiKey\": \"k\", \"baseUrl\": \"http://api.example.com\"}",
                         "must use https");
  expect_config_rejected("{\"apiKey\": \"k\", \"timeoutMs\": -1}", "timeoutMs");
  expect_config_rejected("{\"apiKey\": \"k\", \"timeoutMs\": 0}", "timeoutMs");
  expect_config_rejected("{\"apiKey\": \"k\", \"connectTimeoutMs\": 1e12}", "connectTimeoutMs");
  expect_config_rejected("{\"apiKey\": \"k\", \"maxRetries\": 1000000}", "maxRetries");
  expect_config_rejected("{\"apiKey\": \"k\", \"maxResponseBytes\": 0}", "maxResponseBytes");
  expect_config_rejected("{\"apiKey\": \"k\", \"subAccountId\": 7}", "subAccountId");
  expect_config_rejected(bad_utf8, "config_json: is not valid UTF-8");

  /* client_out NULL: refused, with the error JSON. */
  CHECK(agentphone_client_new("{\"apiKey\": \"k\"}", NULL, &error) == AGENTPHONE_INVALID_ARGUMENT,
        "NULL client_out");
  CHECK(has(error, "client_out"), "%s", error ? error : "(null)");
  agentphone_string_free(error);
  /* error_out NULL is allowed. */
  CHECK(agentphone_client_new("{", &client, NULL) == AGENTPHONE_INVALID_ARGUMENT, "NULL error_out");
  CHECK(client == NULL, "client stays NULL");

  error = (char *)&error;
  CHECK(agentphone_client_new("{\"apiKey\": \"k\", \"baseUrl\": \"http://127.0.0.1:1\", "
                              "\"timeoutMs\": 5000, \"connectTimeoutMs\": 1000, \"maxRetries\": 0, "
                              "\"subAccountId\": \"sub_1\", \"maxResponseBytes\": 1048576, "
                              "\"userAgent\": \"c-test/1.0\"}",
                              &client, &error) == AGENTPHONE_OK,
        "every key");
  CHECK(client != NULL && error == NULL, "success sets client and clears error");
  agentphone_client_free(client);
}

static void test_null_and_bad_arguments(agentphone_client *c) {
  char *out = NULL;
  char bad_id[] = {'n', 'u', 'm', (char)0xc3, (char)0x28, 0};

  /* out == NULL: refused, nothing written, nothing sent. */
  CHECK(agentphone_numbers_create(c, NULL, NULL) == AGENTPHONE_INVALID_ARGUMENT, "create out");
  CHECK(agentphone_numbers_list(c, NULL, NULL) == AGENTPHONE_INVALID_ARGUMENT, "list out");
  CHECK(agentphone_numbers_get(c, "num_1", NULL) == AGENTPHONE_INVALID_ARGUMENT, "get out");
  CHECK(agentphone_numbers_release(c, "num_1", NULL) == AGENTPHONE_INVALID_ARGUMENT, "release out");
  CHECK(agentphone_numbers_messages(c, "num_1", NULL, NULL) == AGENTPHONE_INVALID_ARGUMENT,
        "messages out");
  CHECK(agentphone_agents_attach_number(c, "agt", "num", NULL) == AGENTPHONE_INVALID_ARGUMENT,
        "attach out");
  CHECK(agentphone_agents_detach_number(c, "agt", "num", NULL) == AGENTPHONE_INVALID_ARGUMENT,
        "detach out");

  /* client == NULL */
  expect(agentphone_numbers_create(NULL, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "client: must not be NULL", "create NULL client");
  expect(agentphone_numbers_list(NULL, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT, "client",
         "list NULL client");
  expect(agentphone_numbers_get(NULL, "num_1", &out), &out, AGENTPHONE_INVALID_ARGUMENT, "client",
         "get NULL client");
  expect(agentphone_numbers_release(NULL, "num_1", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "client", "release NULL client");
  expect(agentphone_numbers_messages(NULL, "num_1", NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "client", "messages NULL client");
  expect(agentphone_agents_attach_number(NULL, "agt", "num", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "client", "attach NULL client");
  expect(agentphone_agents_detach_number(NULL, "agt", "num", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "client", "detach NULL client");

  /* NULL ids */
  expect(agentphone_numbers_get(c, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "number_id: must not be NULL", "get NULL id");
  expect(agentphone_numbers_release(c, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT, "number_id",
         "release NULL id");
  expect(agentphone_numbers_messages(c, NULL, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "number_id", "messages NULL id");
  expect(agentphone_agents_attach_number(c, NULL, "num", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "agent_id", "attach NULL agent");
  expect(agentphone_agents_attach_number(c, "agt", NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "number_id", "attach NULL number");
  expect(agentphone_agents_detach_number(c, NULL, "num", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "agent_id", "detach NULL agent");
  expect(agentphone_agents_detach_number(c, "agt", NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "number_id", "detach NULL number");

  /* invalid UTF-8, empty and control-character ids */
  expect(agentphone_numbers_get(c, bad_id, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "number_id: is not valid UTF-8", "get bad UTF-8");
  expect(agentphone_numbers_list(c, bad_id, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "query_json: is not valid UTF-8", "list bad UTF-8");
  expect(agentphone_numbers_get(c, "", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "numberId: must not be empty", "get empty id");
  expect(agentphone_numbers_get(c, "num\t1", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "control characters", "get tab id");

  /* bad JSON, unknown keys, out-of-range values */
  expect(agentphone_numbers_create(c, "{\"country\": ", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "request_json: is not valid JSON", "create bad JSON");
  expect(agentphone_numbers_create(c, "{\"country\": \"US\", \"agentID\": \"agt_sandbox\"}", &out), &out, AGENTPHONE_INVALID_ARGUMENT, "agentID: unknown field `agentID`", "create typo key");
  expect(agentphone_numbers_create(c, "{\"country\": \"USA\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "country: must be 2 ASCII letters", "create bad country");
  expect(agentphone_numbers_create(c, "{\"areaCode\": 415}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "areaCode: invalid type: integer `415`, expected a string", "create numeric area code");
  expect(agentphone_numbers_create(c, "{\"expiresAt\": \"tomorrow\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "expiresAt: invalid date-time", "create bad expiry");
  expect(agentphone_numbers_list(c, "{\"limit\": 101}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "limit: must be between 1 and 100, got 101", "list limit");
  expect(agentphone_numbers_list(c, "{\"offset\": -1}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "offset", "list offset");
  expect(agentphone_numbers_list(c, "{\"offset\": 9223372036854775808}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "offset: must be at most 9223372036854775807",
         "list offset above i64");
  expect(agentphone_numbers_list(c, "{\"page\": 2}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "page: unknown field `page`", "list unknown key");
  expect(agentphone_numbers_messages(c, "num_1", "{\"limit\": 201}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "between 1 and 200", "messages limit");
  expect(agentphone_numbers_messages(c, "num_1", "{\"before\": \"yesterday\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "before: invalid date-time", "messages before");
  expect(agentphone_numbers_messages(c, "num_1", "\"x\"", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "query_json: must be a JSON object", "messages not an object");
}

static void test_lifecycle(agentphone_client *c) {
  char *out = NULL;
  char id[64] = {0};
  const char *p;
  agentphone_status st;

  st = agentphone_numbers_create(c, "{\"country\": \"us\", \"agentId\": null, \"areaCode\": \"415\"}",
                                 &out);
  CHECK(st == AGENTPHONE_OK, "create: %s", out);
  CHECK(has(out, "\"phoneNumber\":\"+1415"), "create: %s", out);
  CHECK(has(out, "\"country\":\"US\"") && has(out, "\"agentId\":null"), "create: %s", out);
  p = strstr(out, "\"id\":\"");
  CHECK(p != NULL, "create id: %s", out);
  if (p != NULL) {
    sscanf(p + 6, "%63[^\"]", id);
  }
  agentphone_string_free(out);

  /* NULL request: the API's defaults (a US number), then released again. */
  {
    char default_id[64] = {0};
    st = agentphone_numbers_create(c, NULL, &out);
    CHECK(st == AGENTPHONE_OK && has(out, "\"country\":\"US\"") && has(out, "\"phoneNumber\":\"+1"),
          "create NULL: %s", out);
    p = strstr(out, "\"id\":\"");
    if (p != NULL) sscanf(p + 6, "%63[^\"]", default_id);
    agentphone_string_free(out);
    expect(agentphone_numbers_release(c, default_id, &out), &out, AGENTPHONE_OK,
           "\"success\":true", "release default");
  }

  expect(agentphone_agents_attach_number(c, "agt_sandbox", id, &out), &out, AGENTPHONE_OK,
         "\"agentId\":\"agt_sandbox\"", "attach");
  expect(agentphone_numbers_get(c, id, &out), &out, AGENTPHONE_OK, "\"agentId\":\"agt_sandbox\"",
         "get attached");
  expect(agentphone_numbers_list(c, "{\"limit\": 5, \"offset\": 0}", &out), &out, AGENTPHONE_OK,
         "\"hasMore\":false", "list");
  expect(agentphone_numbers_list(c, NULL, &out), &out, AGENTPHONE_OK, "\"total\":1", "list NULL");
  expect(agentphone_numbers_messages(c, id, "{\"limit\": 10, \"after\": \"2020-01-01T00:00:00Z\"}",
                                     &out), &out, AGENTPHONE_OK, "{\"data\":[],\"hasMore\":false}", "messages empty");
  expect(agentphone_agents_detach_number(c, "agt_sandbox", id, &out), &out, AGENTPHONE_OK,
         "\"success\":true", "detach");
  expect(agentphone_agents_detach_number(c, "agt_sandbox", id, &out), &out, AGENTPHONE_NOT_FOUND,
         "\"apiCode\":\"PHONE_NUMBER_NOT_ATTACHED\"", "detach twice");
  expect(agentphone_agents_attach_number(c, "agt_nobody", id, &out), &out, AGENTPHONE_NOT_FOUND,
         "\"apiCode\":\"AGENT_NOT_FOUND\"", "attach unknown agent");
  expect(agentphone_numbers_release(c, id, &out), &out, AGENTPHONE_OK, "\"status\":\"released\"",
         "release");
  expect(agentphone_numbers_get(c, id, &out), &out, AGENTPHONE_OK, "\"status\":\"released\"",
         "get released");
  expect(agentphone_numbers_list(c, NULL, &out), &out, AGENTPHONE_OK, "\"total\":0",
         "released not listed");
  expect(agentphone_numbers_release(c, id, &out), &out, AGENTPHONE_API_ERROR,
         "\"apiCode\":\"PHONE_NUMBER_ALREADY_RELEASED\"", "release twice");

  /* Messages in other sender spellings come out as from_ and to (fault-injected page). */
  st = agentphone_numbers_messages(c, "num_msgs", NULL, &out);
  CHECK(st == AGENTPHONE_OK, "messages spellings: %s", out);
  CHECK(has(out, "\"from_\":\"+15550000001\"") && has(out, "\"from_\":\"+15550000002\""), "%s",
        out);
  CHECK(has(out, "\"to\":\"+15559990000\"") && !has(out, "fromNumber") && !has(out, "toNumber"),
        "%s", out);
  CHECK(has(out, "\"futureField\":[1,2]"), "unknown fields pass through: %s", out);
  agentphone_string_free(out);
}

static void test_error_statuses(agentphone_client *c) {
  char *out = NULL;
  char config[512];
  agentphone_client *other = NULL;
  agentphone_status st;

  st = agentphone_numbers_get(c, "num_missing", &out);
  CHECK(st == AGENTPHONE_NOT_FOUND, "%s", out);
  CHECK(has(out, "\"code\":\"not_found\""), "%s", out);
  CHECK(has(out, "\"message\":\"Phone number num_missing not found\""), "%s", out);
  CHECK(has(out, "\"status\":404"), "%s", out);
  CHECK(has(out, "\"apiCode\":\"PHONE_NUMBER_NOT_FOUND\""), "%s", out);
  CHECK(has(out, "\"details\":null"), "%s", out);
  CHECK(has(out, "\"requestId\":\"req_sbx_"), "%s", out);
  CHECK(has(out, "\"retryAfterMs\":null"), "%s", out);
  CHECK(has(out, "\"retryable\":false"), "%s", out);
  CHECK(has(out, "\"mayHaveSucceeded\":false"), "%s", out);
  agentphone_string_free(out);

  expect(agentphone_numbers_get(c, "num_ratelimited", &out), &out, AGENTPHONE_RATE_LIMITED,
         "\"retryAfterMs\":120000", "429");
  st = agentphone_numbers_get(c, "num_apierror", &out);
  CHECK(st == AGENTPHONE_API_ERROR && has(out, "\"status\":500"), "500: %s", out);
  /* A GET that failed with a 500 can be sent again; it cannot have bought anything. */
  CHECK(has(out, "\"retryable\":true") && has(out, "\"mayHaveSucceeded\":false"), "%s", out);
  agentphone_string_free(out);
  expect(agentphone_numbers_get(c, "num_decode", &out), &out, AGENTPHONE_DECODE_ERROR,
         "\"code\":\"decode_error\"", "decode");
  expect(agentphone_numbers_list(c, "{\"limit\": 100}", &out), &out, AGENTPHONE_OK, "\"data\"",
         "ok after faults");

  /* A 1-byte response limit turns a good answer into a decode error. */
  other = client_with(", \"maxResponseBytes\": 1");
  expect(agentphone_numbers_list(other, NULL, &out), &out, AGENTPHONE_DECODE_ERROR,
         "maxResponseBytes", "response too large");
  agentphone_client_free(other);

  /* The retry policy from C: a GET after a 503 is retried (and then meets the sandbox's own
   * 404); a POST after a 500 is not (the harness counts one request). */
  other = client_with(", \"maxRetries\": 2");
  expect(agentphone_numbers_get(other, "num_flaky", &out), &out, AGENTPHONE_NOT_FOUND,
         "\"apiCode\":\"PHONE_NUMBER_NOT_FOUND\"", "503 retried");
  st = agentphone_agents_attach_number(other, "agt_flaky", "num_1", &out);
  CHECK(st == AGENTPHONE_API_ERROR && has(out, "\"status\":500"), "POST 500: %s", out);
  /* The POST's outcome is unknown: not retryable, and it may have succeeded. */
  CHECK(has(out, "\"retryable\":false") && has(out, "\"mayHaveSucceeded\":true"), "%s", out);
  agentphone_string_free(out);
  agentphone_client_free(other);

  other = client_with(", \"timeoutMs\": 300, \"maxRetries\": 0");
  expect(agentphone_numbers_get(other, "num_timeout", &out), &out, AGENTPHONE_TIMEOUT,
         "\"code\":\"timeout\"", "timeout");
  agentphone_client_free(other);

  snprintf(config, sizeof config, "{\"apiKey\": \"sk_wrong\", \"baseUrl\": \"%s\"}", base_url);
  CHECK(agentphone_client_new(config, &other, NULL) == AGENTPHONE_OK, "wrong-key client");
  expect(agentphone_numbers_list(other, NULL, &out), &out, AGENTPHONE_UNAUTHORIZED,
         "\"status\":401", "401");
  agentphone_client_free(other);

  snprintf(config, sizeof config, "{\"apiKey\": \"k\", \"baseUrl\": \"%s\", \"maxRetries\": 0}",
           dead_url);
  CHECK(agentphone_client_new(config, &other, NULL) == AGENTPHONE_OK, "dead-url client");
  expect(agentphone_numbers_list(other, NULL, &out), &out, AGENTPHONE_NETWORK_ERROR,
         "\"status\":null", "network");
  agentphone_client_free(other);
}

/* Copies the string value of "key" (the first one) into buf; "" when absent. */
static void json_string(const char *json, const char *key, char *buf, size_t size) {
  char pattern[64];
  const char *p;
  buf[0] = '\0';
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  p = json ? strstr(json, pattern) : NULL;
  if (p != NULL) {
    size_t i = 0;
    p += strlen(pattern);
    while (p[i] != '\0' && p[i] != '"' && i + 1 < size) {
      buf[i] = p[i];
      i++;
    }
    buf[i] = '\0';
  }
}

/* Messages and conversations: send, react, list, get, update, messages, typing. */
static void test_messaging(agentphone_client *c) {
  char *out = NULL;
  char number_id[64], message_id[64], conversation_id[64], request[512];
  agentphone_status st;

  st = agentphone_numbers_create(c, "{\"type\": \"imessage\"}", &out);
  CHECK(st == AGENTPHONE_OK, "create imessage number: %s", out);
  json_string(out, "id", number_id, sizeof number_id);
  agentphone_string_free(out);

  snprintf(request, sizeof request,
           "{\"body\": \"hello from C\", \"to_number\": \"+15550001111\", \"number_id\": \"%s\"}",
           number_id);
  st = agentphone_messages_send(c, request, &out);
  CHECK(st == AGENTPHONE_OK && has(out, "\"status\":\"sent\""), "send: %s", out);
  json_string(out, "id", message_id, sizeof message_id);
  json_string(out, "conversation_id", conversation_id, sizeof conversation_id);
  CHECK(message_id[0] != '\0' && conversation_id[0] != '\0', "send ids: %s", out);
  agentphone_string_free(out);

  expect(agentphone_messages_react(c, message_id, "{\"reaction\": \"love\"}", &out), &out,
         AGENTPHONE_OK, "\"reaction_type\":\"love\"", "react");
  expect(agentphone_conversations_list(c, "{\"limit\": 5}", &out), &out, AGENTPHONE_OK,
         conversation_id, "conversations list");
  expect(agentphone_conversations_get(c, conversation_id, "{\"message_limit\": 5}", &out), &out,
         AGENTPHONE_OK, "\"fromNumber\"", "conversation get");
  expect(agentphone_conversations_update(c, conversation_id,
                                         "{\"metadata\": {\"stage\": \"greeted\"}}", &out),
         &out, AGENTPHONE_OK, "\"stage\":\"greeted\"", "conversation update");
  expect(agentphone_conversations_messages(c, conversation_id, "{\"limit\": 10}", &out), &out,
         AGENTPHONE_OK, "hello from C", "conversation messages");
  expect(agentphone_conversations_typing(c, conversation_id, &out), &out, AGENTPHONE_OK,
         "\"status\":\"sent\"", "typing");

  /* Refused before sending, naming what was wrong. */
  expect(agentphone_messages_send(c, "{\"to_number\": \"+15550001111\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "body: is required", "send without body");
  expect(agentphone_messages_send(c, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "body: is required", "send NULL request");
  expect(agentphone_messages_send(c, "{\"body\": \"x\", \"to\": \"+1555\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "to: unknown field", "send typo key");
  expect(agentphone_messages_react(c, NULL, "{\"reaction\": \"love\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "message_id: must not be NULL", "react NULL id");
  expect(agentphone_messages_react(c, message_id, NULL, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "reaction: is required", "react NULL request");
  expect(agentphone_conversations_get(c, conversation_id, "{\"message_limit\": 0}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "message_limit: must be between 1 and 200", "get limit");
  expect(agentphone_conversations_update(c, NULL, "{}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "conversation_id: must not be NULL", "update NULL id");
  expect(agentphone_conversations_messages(NULL, conversation_id, NULL, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "client: must not be NULL", "messages NULL client");
  expect(agentphone_conversations_typing(c, "conv_missing", &out), &out, AGENTPHONE_NOT_FOUND,
         "CONVERSATION_NOT_FOUND", "typing unknown");
  CHECK(agentphone_conversations_list(c, NULL, NULL) == AGENTPHONE_INVALID_ARGUMENT, "list out");
  CHECK(agentphone_messages_send(c, request, NULL) == AGENTPHONE_INVALID_ARGUMENT, "send out");

  expect(agentphone_numbers_release(c, number_id, &out), &out, AGENTPHONE_OK, "released",
         "release imessage number");
}

/* Counts transcript events; stops after `stop_after` when that is non-zero. */
struct event_count {
  int events;
  int stop_after;
  int saw_ended;
};

static int count_event(const char *event_json, void *user_data) {
  struct event_count *count = (struct event_count *)user_data;
  count->events++;
  if (strstr(event_json, "\"event\":\"ended\"") != NULL) {
    count->saw_ended = 1;
  }
  return count->stop_after != 0 && count->events >= count->stop_after;
}

static long file_size(const char *path) {
  long size = -1;
  FILE *f = fopen(path, "rb");
  if (f != NULL) {
    if (fseek(f, 0, SEEK_END) == 0) {
      size = ftell(f);
    }
    fclose(f);
  }
  return size;
}

/* Agents and calls: create, read, update, list, voices, place a call, wait, end, delete. */
static void test_agents_and_calls(agentphone_client *c) {
  char *out = NULL;
  char agent_id[64], number_id[64], call_id[64], request[512];
  agentphone_status st;

  st = agentphone_agents_create(c, "{\"name\": \"C agent\", \"voiceSpeed\": 1.1}", &out);
  CHECK(st == AGENTPHONE_OK && has(out, "\"voiceSpeed\":1.1"), "agent create: %s", out);
  json_string(out, "id", agent_id, sizeof agent_id);
  agentphone_string_free(out);

  snprintf(request, sizeof request, "{\"agentId\": \"%s\"}", agent_id);
  st = agentphone_numbers_create(c, request, &out);
  CHECK(st == AGENTPHONE_OK, "number for agent: %s", out);
  json_string(out, "id", number_id, sizeof number_id);
  agentphone_string_free(out);

  expect(agentphone_agents_get(c, agent_id, &out), &out, AGENTPHONE_OK, number_id, "agent get");
  expect(agentphone_agents_update(c, agent_id, "{\"language\": \"fr-FR\"}", &out), &out,
         AGENTPHONE_OK, "\"language\":\"fr-FR\"", "agent update");
  expect(agentphone_agents_list(c, "{\"limit\": 5}", &out), &out, AGENTPHONE_OK, "\"total\":",
         "agents list");
  expect(agentphone_agents_voices(c, &out), &out, AGENTPHONE_OK, "\"voice_id\"", "voices");
  expect(agentphone_agents_conversations(c, agent_id, NULL, &out), &out, AGENTPHONE_OK,
         "\"data\":[]", "agent conversations");

  snprintf(request, sizeof request, "{\"agentId\": \"%s\", \"toNumber\": \"+15550009999\"}",
           agent_id);
  st = agentphone_calls_create(c, request, &out);
  CHECK(st == AGENTPHONE_OK && has(out, "\"status\":\"ringing\""), "call create: %s", out);
  json_string(out, "id", call_id, sizeof call_id);
  agentphone_string_free(out);

  expect(agentphone_calls_get(c, call_id, NULL, &out), &out, AGENTPHONE_OK, call_id, "call get");
  expect(agentphone_calls_end(c, call_id, &out), &out, AGENTPHONE_OK, "\"status\":\"completed\"",
         "call end");
  /* The call has ended: the long poll answers at once. */
  expect(agentphone_calls_get(c, call_id, "{\"wait\": true, \"timeout\": 10}", &out), &out,
         AGENTPHONE_OK, "\"status\":\"completed\"", "call wait");
  expect(agentphone_calls_transcript(c, call_id, &out), &out, AGENTPHONE_OK, "\"transcript\"",
         "call transcript");

  /* The live transcript of an ended call: connected, then ended; or stopped by the callback. */
  {
    struct event_count count = {0, 0, 0};
    char path[128];
    st = agentphone_calls_stream_transcript(c, call_id, count_event, &count, &out);
    CHECK(st == AGENTPHONE_OK && has(out, "\"ended\":true") && has(out, "\"stopped\":false"),
          "stream: %s", out);
    CHECK(count.events >= 2 && count.saw_ended, "stream events: %d", count.events);
    agentphone_string_free(out);

    count.events = 0;
    count.stop_after = 1;
    st = agentphone_calls_stream_transcript(c, call_id, count_event, &count, &out);
    CHECK(st == AGENTPHONE_OK && has(out, "\"stopped\":true") && has(out, "\"events\":1"),
          "stream stopped: %s", out);
    CHECK(count.events == 1, "callback stopped after %d", count.events);
    agentphone_string_free(out);

    expect(agentphone_calls_stream_transcript(c, call_id, NULL, NULL, &out), &out,
           AGENTPHONE_INVALID_ARGUMENT, "callback: must not be NULL", "stream NULL callback");
    expect(agentphone_calls_stream_transcript(c, "call_missing", count_event, &count, &out), &out,
           AGENTPHONE_NOT_FOUND, "CALL_NOT_FOUND", "stream unknown call");

    snprintf(path, sizeof path, "/tmp/agentphone-c-test-%ld.wav", (long)getpid());
    expect(agentphone_calls_recording_save(c, call_id, path, &out), &out, AGENTPHONE_OK,
           "\"contentType\":\"audio/wav\"", "recording save");
    CHECK(file_size(path) > 44, "recording file: %ld bytes", file_size(path));
    remove(path);
    expect(agentphone_calls_recording_save(c, call_id, "/nonexistent-dir/x.wav", &out), &out,
           AGENTPHONE_INVALID_ARGUMENT, "path: cannot write", "recording bad path");
    expect(agentphone_calls_recording_save(c, call_id, NULL, &out), &out,
           AGENTPHONE_INVALID_ARGUMENT, "path: must not be NULL", "recording NULL path");
  }
  expect(agentphone_calls_list(c, "{\"status\": \"completed\", \"limit\": 5}", &out), &out,
         AGENTPHONE_OK, call_id, "calls list");
  expect(agentphone_agents_calls(c, agent_id, NULL, &out), &out, AGENTPHONE_OK, call_id,
         "agent calls");
  expect(agentphone_numbers_calls(c, number_id, "{\"limit\": 1}", &out), &out, AGENTPHONE_OK,
         call_id, "number calls");

  /* Refused before sending, naming what was wrong. */
  expect(agentphone_agents_create(c, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "name: is required", "agent create NULL");
  expect(agentphone_agents_update(c, agent_id, "{\"voice_speed\": 1}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "voice_speed: unknown field", "agent update typo");
  expect(agentphone_agents_update(c, agent_id, "{\"voiceSpeed\": 3}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "voiceSpeed: must be between 0.5 and 2", "agent range");
  expect(agentphone_calls_create(c, "{\"agentId\": \"a\", \"toNumber\": \"555\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "toNumber: must be an E.164", "call number");
  expect(agentphone_calls_get(c, call_id, "{\"wait\": true, \"timeout\": 5}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "timeout: must be between 10 and 300", "wait range");
  expect(agentphone_calls_end(c, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "call_id: must not be NULL", "end NULL");
  expect(agentphone_agents_voices(NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "client: must not be NULL", "voices NULL client");
  CHECK(agentphone_agents_voices(c, NULL) == AGENTPHONE_INVALID_ARGUMENT, "voices out");
  CHECK(agentphone_calls_transcript(c, call_id, NULL) == AGENTPHONE_INVALID_ARGUMENT,
        "transcript out");

  expect(agentphone_agents_delete(c, agent_id, &out), &out, AGENTPHONE_OK, "\"success\":true",
         "agent delete");
  expect(agentphone_numbers_get(c, number_id, &out), &out, AGENTPHONE_OK, "\"agentId\":null",
         "number unattached");
  expect(agentphone_numbers_release(c, number_id, &out), &out, AGENTPHONE_OK, "released",
         "release agent number");
}

/* Webhook configuration: project and agent; set rotates the secret. */
static void test_webhook_config(agentphone_client *c) {
  char *out = NULL;
  char first[80], second[80];
  expect(agentphone_webhooks_get(c, &out), &out, AGENTPHONE_OK, "null", "no webhook");
  CHECK(agentphone_webhooks_set(c, "{\"url\": \"http://127.0.0.1:9/hook\", \"contextLimit\": 3}",
                                &out) == AGENTPHONE_OK,
        "set: %s", out);
  json_string(out, "secret", first, sizeof first);
  agentphone_string_free(out);
  CHECK(agentphone_webhooks_set(c, "{\"url\": \"http://127.0.0.1:9/hook\"}", &out) ==
            AGENTPHONE_OK,
        "set again: %s", out);
  json_string(out, "secret", second, sizeof second);
  agentphone_string_free(out);
  CHECK(strncmp(first, "whsec_", 6) == 0 && strcmp(first, second) != 0, "%s %s", first, second);
  expect(agentphone_webhooks_get(c, &out), &out, AGENTPHONE_OK, second, "get");
  expect(agentphone_webhooks_test(c, NULL, &out), &out, AGENTPHONE_OK, "\"success\"", "test");
  expect(agentphone_webhooks_deliveries(c, "{\"limit\": 5, \"hours\": 1}", &out), &out,
         AGENTPHONE_OK, "\"items\"", "deliveries");
  expect(agentphone_webhooks_delete(c, &out), &out, AGENTPHONE_OK, "\"success\"", "delete");
  expect(agentphone_agents_webhook_set(c, "agt_sandbox", "{\"url\": \"http://127.0.0.1:9/a\"}",
                                       &out),
         &out, AGENTPHONE_OK, "whsec_", "agent set");
  expect(agentphone_agents_webhook_get(c, "agt_sandbox", &out), &out, AGENTPHONE_OK,
         "\"url\":\"http://127.0.0.1:9/a\"", "agent get");
  expect(agentphone_agents_webhook_test(c, "agt_sandbox", &out), &out, AGENTPHONE_OK,
         "\"success\"", "agent test");
  expect(agentphone_agents_webhook_delete(c, "agt_sandbox", &out), &out, AGENTPHONE_OK,
         "\"success\"", "agent delete");
  expect(agentphone_agents_webhook_get(c, "agt_sandbox", &out), &out, AGENTPHONE_OK, "null",
         "agent none");
  expect(agentphone_webhooks_set(c, "{\"url\": \"/relative\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "url: must be an absolute http(s) URL", "set bad url");
  expect(agentphone_webhooks_set(c, "{\"url\": \"https://h/x\", \"timeout\": 200}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "timeout: must be between 5 and 120", "set bad timeout");
  expect(agentphone_agents_webhook_set(c, NULL, "{}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "agent_id: must not be NULL", "agent set NULL");
  CHECK(agentphone_webhooks_get(c, NULL) == AGENTPHONE_INVALID_ARGUMENT, "get out");
}

/* agentphone_webhook_verify: the signature over "<timestamp>.<body>" made independently with
 * `printf '%s' '1700000000.<BODY>' | openssl dgst -sha256 -hmac whsec_test`. */
static void test_webhook_verify(void) {
  static const char body[] =
      "{\"event\":\"agent.message\",\"channel\":\"sms\",\"data\":{\"messageId\":\"msg_1\"}}";
  static const char sig[] =
      "sha256=e8e9bd483d9960dadaf34878699115a888bb3ffe4f05fa8841dcc44f4c1b681c";
  const long now = 1700000000;
  char *out = NULL, *big;
  char upper[80], tampered[sizeof body];
  size_t i, big_len = (size_t)10 * 1024 * 1024;
  size_t n = strlen(body);

  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_OK, "\"messageId\":\"msg_1\"", "verify ok");
  /* Ages inside the window both ways, and outside. */
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now + 300, 0, &out),
         &out, AGENTPHONE_OK, NULL, "300 s old");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now + 301, 0, &out),
         &out, AGENTPHONE_SIGNATURE_INVALID, "timestamp too old: 301 s ago", "stale");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now - 301, 0, &out),
         &out, AGENTPHONE_SIGNATURE_INVALID, "too far in the future: 301 s", "future");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now + 50, 10, &out),
         &out, AGENTPHONE_SIGNATURE_INVALID, "more than the 10 s allowed", "tolerance 10");
  /* Everything that must not verify. */
  memcpy(tampered, body, sizeof body);
  tampered[n - 3] = 'X';
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", tampered, n, now, 0, &out),
         &out, AGENTPHONE_SIGNATURE_INVALID, "signature mismatch", "tampered body");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000001", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "signature mismatch", "tampered timestamp");
  expect(agentphone_webhook_verify("whsec_wrong", sig, "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "signature mismatch", "wrong secret");
  expect(agentphone_webhook_verify("whsec_test", sig + 3, "1700000000", body, n, now, 0, &out),
         &out, AGENTPHONE_SIGNATURE_INVALID, "malformed X-Webhook-Signature", "no prefix");
  snprintf(upper, sizeof upper, "sha1=%s", sig + 7);
  expect(agentphone_webhook_verify("whsec_test", upper, "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "malformed X-Webhook-Signature", "sha1 prefix");
  snprintf(upper, sizeof upper, "%s", sig);
  for (i = 7; upper[i] != '\0'; i++) {
    if (upper[i] >= 'a' && upper[i] <= 'f') {
      upper[i] = (char)(upper[i] - 'a' + 'A');
    }
  }
  expect(agentphone_webhook_verify("whsec_test", upper, "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "malformed X-Webhook-Signature", "upper-case hex");
  expect(agentphone_webhook_verify("whsec_test", "", "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "missing X-Webhook-Signature", "empty signature");
  expect(agentphone_webhook_verify("whsec_test", sig, "", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "missing X-Webhook-Timestamp", "empty timestamp");
  expect(agentphone_webhook_verify("whsec_test", sig, "17e8", body, n, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "malformed X-Webhook-Timestamp", "non-numeric timestamp");
  /* The secret and the expected signature never appear in the message. */
  CHECK(agentphone_webhook_verify("whsec_test", sig, "1700000001", body, n, now, 0, &out) ==
            AGENTPHONE_SIGNATURE_INVALID,
        "%s", out);
  CHECK(!has(out, "whsec_test") && !has(out, sig + 7), "%s", out);
  CHECK(has(out, "\"code\":\"signature_invalid\""), "%s", out);
  agentphone_string_free(out);
  /* NULL arguments, a bad tolerance, an empty and a 10 MiB body. */
  expect(agentphone_webhook_verify(NULL, sig, "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "secret: must not be NULL", "NULL secret");
  expect(agentphone_webhook_verify("whsec_test", NULL, "1700000000", body, n, now, 0, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "signature_header: must not be NULL", "NULL signature");
  expect(agentphone_webhook_verify("whsec_test", sig, NULL, body, n, now, 0, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "timestamp_header: must not be NULL", "NULL timestamp");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", NULL, 5, now, 0, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "body: must not be NULL", "NULL body");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now, -1, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "tolerance_seconds", "negative tolerance");
  expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", NULL, 0, now, 0, &out), &out,
         AGENTPHONE_SIGNATURE_INVALID, "signature mismatch", "empty body");
  CHECK(agentphone_webhook_verify("whsec_test", sig, "1700000000", body, n, now, 0, NULL) ==
            AGENTPHONE_INVALID_ARGUMENT,
        "NULL out");
  big = (char *)malloc(big_len);
  if (big != NULL) {
    memset(big, 'a', big_len);
    expect(agentphone_webhook_verify("whsec_test", sig, "1700000000", big, big_len, now, 0, &out),
           &out, AGENTPHONE_SIGNATURE_INVALID, "signature mismatch", "10 MiB body");
    free(big);
  }
}

/* Strings are the caller's to edit: truncated or tokenized in place, then freed. */
static void test_edit_in_place(agentphone_client *c) {
  char *out = NULL;
  char *token, *save = NULL;
  int tokens = 0;
  CHECK(agentphone_numbers_list(c, "{\"limit\": 5}", &out) == AGENTPHONE_OK, "%s", out);
  for (token = strtok_r(out, ",:{}[]\"", &save); token != NULL;
       token = strtok_r(NULL, ",:{}[]\"", &save)) {
    tokens++;
  }
  CHECK(tokens > 0, "tokens");
  agentphone_string_free(out);

  CHECK(agentphone_numbers_get(c, "num_missing", &out) == AGENTPHONE_NOT_FOUND, "%s", out);
  out[1] = '\0'; /* truncated: free must not measure the string */
  agentphone_string_free(out);
}

#define THREADS 8
#define CALLS_PER_THREAD 20

static void *worker(void *arg) {
  agentphone_client *c = (agentphone_client *)arg;
  long ok = 0;
  int i;
  for (i = 0; i < CALLS_PER_THREAD; i++) {
    char *out = NULL;
    if (agentphone_numbers_list(c, "{\"limit\": 10}", &out) == AGENTPHONE_OK && has(out, "\"data\"")) {
      ok++;
    }
    agentphone_string_free(out);
  }
  return (void *)ok;
}

/* The rest of the API: the raw request (and paths that would leave the base URL), contacts,
 * usage reports and the number extras. */
static void test_rest(agentphone_client *c) {
  static const char *escaping[] = {"//host",  "/../x",  "/v1/%2e%2e/x", "http://x/",
                                   "\\\\x",   "/v1 x",  "/v1#f",        "v1/usage",
                                   "/v1/./x", "/v1/\x01"};
  char *out = NULL;
  char num[64] = {0};
  char contact[64] = {0};
  const char *p;
  size_t i;
  agentphone_status st;

  /* Raw request: any endpoint on the same path; the answer as received. */
  expect(agentphone_request(c, "GET", "/v1/usage/daily?days=7", NULL, &out), &out, AGENTPHONE_OK,
         "\"days\":7", "raw GET");
  expect(agentphone_request(c, "GET", "/v1/sub-accounts", NULL, &out), &out, AGENTPHONE_API_ERROR,
         "\"apiCode\":\"NOT_SIMULATED\"", "raw unsimulated");
  expect(agentphone_request(c, "GET", "/v1/usage", "{}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "a GET request takes no body", "raw GET with body");
  expect(agentphone_request(c, "FETCH", "/v1/usage", NULL, &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "\"message\":\"method: ", "raw bad method");
  expect(agentphone_request(c, "POST", "/v1/contacts", "{\"name\": ", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "\"message\":\"body_json: ", "raw bad JSON");
  expect(agentphone_request(c, "GET", NULL, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "\"message\":\"path_and_query: ", "raw NULL path");
  CHECK(agentphone_request(c, "GET", "/v1/usage", NULL, NULL) == AGENTPHONE_INVALID_ARGUMENT,
        "raw NULL out");
  for (i = 0; i < sizeof escaping / sizeof escaping[0]; i++) {
    st = agentphone_request(c, "GET", escaping[i], NULL, &out);
    CHECK(st == AGENTPHONE_INVALID_ARGUMENT, "raw path %s: %s", escaping[i], out);
    CHECK(has(out, "\"message\":\"path_and_query: "), "raw path %s: %s", escaping[i], out);
    agentphone_string_free(out);
    out = NULL;
  }

  /* Contacts: create, a duplicate (409, sent once), search, update, delete. */
  st = agentphone_contacts_create(
      c, "{\"phoneNumber\": \"(555) 000-1111\", \"name\": \"Ada\", \"email\": \"ada@example.com\"}",
      &out);
  CHECK(st == AGENTPHONE_OK && has(out, "\"phoneNumber\":\"+15550001111\""), "contact: %s", out);
  p = out ? strstr(out, "\"id\":\"") : NULL;
  if (p != NULL) sscanf(p + 6, "%63[^\"]", contact);
  agentphone_string_free(out);
  out = NULL;
  expect(agentphone_contacts_create(c, "{\"phoneNumber\": \"+15550001111\", \"name\": \"Again\"}",
                                    &out),
         &out, AGENTPHONE_API_ERROR, "\"status\":409", "contact duplicate");
  expect(agentphone_contacts_create(c, "{\"name\": \"Nobody\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "phoneNumber", "contact without number");
  expect(agentphone_contacts_list(c, "{\"search\": \"ad\", \"limit\": 10}", &out), &out,
         AGENTPHONE_OK, "\"total\":1", "contacts search");
  expect(agentphone_contacts_list(c, "{\"limit\": 0}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "limit", "contacts limit 0");
  expect(agentphone_contacts_get(c, contact, &out), &out, AGENTPHONE_OK, "\"name\":\"Ada\"",
         "contact get");
  expect(agentphone_contacts_update(c, contact, "{\"notes\": \"VIP\"}", &out), &out, AGENTPHONE_OK,
         "\"notes\":\"VIP\"", "contact update");
  expect(agentphone_contacts_delete(c, contact, &out), &out, AGENTPHONE_OK, "{}", "contact delete");
  expect(agentphone_contacts_get(c, contact, &out), &out, AGENTPHONE_NOT_FOUND, NULL,
         "contact gone");
  expect(agentphone_contacts_capabilities(c, "{\"phone_number\": \"+15551234562\"}", &out), &out,
         AGENTPHONE_OK, "\"phoneNumber\":\"+15551234562\"", "capabilities");
  expect(agentphone_contacts_capabilities(c, "{\"phone_number\": \"5551234\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "phone_number", "capabilities not E.164");
  expect(agentphone_contacts_capabilities(c, NULL, &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "phone_number", "capabilities NULL");

  /* Usage reports. */
  expect(agentphone_usage_get(c, &out), &out, AGENTPHONE_OK, "\"stats\"", "usage");
  expect(agentphone_usage_daily(c, "{\"days\": 3}", &out), &out, AGENTPHONE_OK, "\"days\":3",
         "usage daily");
  expect(agentphone_usage_daily(c, "{\"days\": 0}", &out), &out, AGENTPHONE_INVALID_ARGUMENT,
         "days", "usage daily 0");
  expect(agentphone_usage_monthly(c, NULL, &out), &out, AGENTPHONE_OK, "\"months\":6",
         "usage monthly");
  expect(agentphone_usage_by_number(c, &out), &out, AGENTPHONE_OK, "\"data\":[", "by number");
  expect(agentphone_usage_by_agent(c, "{\"period\": \"week\", \"tz\": \"Europe/Paris\"}", &out),
         &out, AGENTPHONE_OK, "\"data\":[", "by agent");

  /* Number extras. */
  expect(agentphone_numbers_available(c, "{\"areaCode\": \"415\", \"limit\": 2}", &out), &out,
         AGENTPHONE_OK, "\"areaCode\":\"415\"", "available");
  expect(agentphone_numbers_lookup(c, "{\"phoneNumbers\": [\"+15551234567\"]}", &out), &out,
         AGENTPHONE_OK, "\"lineType\"", "lookup");
  expect(agentphone_numbers_lookup(c, "{\"phoneNumbers\": []}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "phoneNumbers", "lookup empty");
  st = agentphone_numbers_create(c, NULL, &out);
  CHECK(st == AGENTPHONE_OK, "extras number: %s", out);
  p = out ? strstr(out, "\"id\":\"") : NULL;
  if (p != NULL) sscanf(p + 6, "%63[^\"]", num);
  agentphone_string_free(out);
  out = NULL;
  expect(agentphone_numbers_update(c, num, "{\"externalId\": \"order-7\"}", &out), &out,
         AGENTPHONE_OK, "\"externalId\":\"order-7\"", "number update");
  expect(agentphone_numbers_update(c, num, "{\"expiresAt\": \"soon\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "expiresAt", "number update bad date");
  expect(agentphone_numbers_contact_card_get(c, num, &out), &out, AGENTPHONE_NOT_FOUND, NULL,
         "no card yet");
  expect(agentphone_numbers_contact_card_set(c, num, "{\"lastName\": \"Lovelace\"}", &out), &out,
         AGENTPHONE_INVALID_ARGUMENT, "firstName", "card without first name");
  expect(agentphone_numbers_contact_card_set(
             c, num, "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\"}", &out),
         &out, AGENTPHONE_OK, "\"displayName\":\"Ada Lovelace\"", "card set");
  expect(agentphone_numbers_contact_card_get(c, num, &out), &out, AGENTPHONE_OK,
         "\"firstName\":\"Ada\"", "card get");
  expect(agentphone_numbers_contact_card_delete(c, num, &out), &out, AGENTPHONE_OK, "{}",
         "card delete");
  expect(agentphone_numbers_release(c, num, &out), &out, AGENTPHONE_OK, "\"success\":true",
         "release extras number");
}

static void test_threads(agentphone_client *c) {
  pthread_t threads[THREADS];
  long total = 0;
  int i;
  for (i = 0; i < THREADS; i++) {
    CHECK(pthread_create(&threads[i], NULL, worker, c) == 0, "pthread_create");
  }
  for (i = 0; i < THREADS; i++) {
    void *ok = NULL;
    pthread_join(threads[i], &ok);
    total += (long)ok;
  }
  CHECK(total == THREADS * CALLS_PER_THREAD, "%ld of %d calls succeeded", total,
        THREADS * CALLS_PER_THREAD);
}

int main(int argc, char **argv) {
  agentphone_client *c;
  if (argc != 4) {
    fprintf(stderr, "usage: %s BASE_URL API_KEY DEAD_URL\n", argv[0]);
    return 2;
  }
  base_url = argv[1];
  api_key = argv[2];
  dead_url = argv[3];

  test_static_strings();
  test_client_new();
  c = client_with(", \"maxRetries\": 0");
  test_null_and_bad_arguments(c);
  test_lifecycle(c);
  test_error_statuses(c);
  test_messaging(c);
  test_agents_and_calls(c);
  test_webhook_config(c);
  test_webhook_verify();
  test_edit_in_place(c);
  test_rest(c);
  test_threads(c);
  agentphone_client_free(c);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
