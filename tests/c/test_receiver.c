/*
 * The webhook receiver from C: its config checks, then a receiver run on the main thread until
 * SIGTERM, whose handler calls agentphone_receiver_stop (sent while a callback is under way,
 * which the stop lets finish). tests/c_api.rs sends the deliveries
 * (signed by the library's own signer, and by Python's hmac) and checks the answers; this
 * program checks what its callback was given and prints "handled N" and the tally.
 *
 * usage: test_receiver SECRET
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentphone.h"
#include "check.h"

static agentphone_receiver *running = NULL;
static int handled = 0;
static int failed_once = 0;
static int voice_turns = 0;

static void on_term(int sig) {
  (void)sig;
  agentphone_receiver_stop(running); /* async-signal-safe: one atomic store */
}

static int on_event(const char *event_json, agentphone_reply *reply, void *user_data) {
  int *calls = (int *)user_data;
  (*calls)++;
  CHECK(has(event_json, "\"timestamp\":") && has(event_json, "\"body\":{"), "%s", event_json);
  if (has(event_json, "\"channel\":\"voice\"")) {
    voice_turns++;
    CHECK(reply != NULL, "a voice turn has a reply");
    if (has(event_json, "\"transcript\":\"wait\"")) {
      CHECK(agentphone_reply_interim(reply, "One moment...") == AGENTPHONE_OK, "interim");
      CHECK(agentphone_reply_say(reply, "Here it is") == AGENTPHONE_OK, "say");
    } else if (has(event_json, "\"transcript\":\"bye\"")) {
      CHECK(agentphone_reply_say(reply, "Goodbye") == AGENTPHONE_OK, "say");
      CHECK(agentphone_reply_hangup(reply) == AGENTPHONE_OK, "hangup");
    } else if (has(event_json, "\"transcript\":\"slow\"")) {
      /* Still under way when the test sends SIGTERM: the stop lets it finish. */
      struct timespec pause = {0, 700 * 1000 * 1000};
      nanosleep(&pause, NULL);
      CHECK(agentphone_reply_say(reply, "done") == AGENTPHONE_OK, "say");
    } else if (has(event_json, "\"transcript\":\"operator\"")) {
      CHECK(agentphone_reply_say(reply, "Connecting you") == AGENTPHONE_OK, "say");
      CHECK(agentphone_reply_transfer(reply) == AGENTPHONE_OK, "transfer");
    }
    CHECK(agentphone_reply_say(reply, NULL) == AGENTPHONE_INVALID_ARGUMENT, "NULL text");
    handled++;
    return 0;
  }
  CHECK(reply == NULL, "a message has no reply");
  if (has(event_json, "\"message\":\"fail once\"") && !failed_once) {
    failed_once = 1;
    return 1; /* answered 500: delivered again */
  }
  if (has(event_json, "\"webhookId\":\"wh_c_1\"")) {
    CHECK(has(event_json, "\"webhookId\":\"wh_c_1\""), "%s", event_json);
  }
  handled++;
  return 0;
}

static void config_errors(void) {
  agentphone_receiver *r = NULL;
  char *error = NULL;
  int calls = 0;
  agentphone_status s =
      agentphone_receiver_new("{\"secret\": \"s\", \"listen\": \"127.0.0.1:0\", \"thread\": 2}",
                              on_event, &calls, &r, &error);
  CHECK(s == AGENTPHONE_INVALID_ARGUMENT && r == NULL, "status %d", (int)s);
  CHECK(has(error, "thread"), "the bad key is named: %s", error);
  agentphone_string_free(error);

  s = agentphone_receiver_new("{\"secret\": \"s\", \"listen\": \"127.0.0.1:0\"}", NULL, NULL, &r,
                              &error);
  CHECK(s == AGENTPHONE_INVALID_ARGUMENT && has(error, "on_event"), "%s", error);
  agentphone_string_free(error);

  s = agentphone_receiver_new("{\"listen\": \"127.0.0.1:0\"}", on_event, NULL, &r, &error);
  CHECK(s == AGENTPHONE_INVALID_ARGUMENT && has(error, "secret"), "%s", error);
  agentphone_string_free(error);

  s = agentphone_receiver_new("{\"secret\": \"s\", \"listen\": \"127.0.0.1:0\", \"tlsCertFile\": "
                              "\"/nonexistent/c.pem\", \"tlsKeyFile\": \"k.pem\"}",
                              on_event, NULL, &r, &error);
  CHECK(s == AGENTPHONE_INVALID_ARGUMENT && r == NULL, "status %d", (int)s);
  CHECK(has(error, "tlsCertFile") && has(error, "/nonexistent/c.pem"), "%s", error);
  agentphone_string_free(error);

  s = agentphone_receiver_new("{\"secret\": \"s\", \"listen\": \"127.0.0.1:0\", \"tlsCertFile\": "
                              "\"c.pem\"}",
                              on_event, NULL, &r, &error);
  CHECK(s == AGENTPHONE_INVALID_ARGUMENT && has(error, "tlsKeyFile"), "both or neither: %s",
        error);
  agentphone_string_free(error);

  CHECK(agentphone_receiver_url(NULL) == NULL, "NULL receiver, NULL URL");
  agentphone_receiver_stop(NULL);
  agentphone_receiver_free(NULL);
  CHECK(agentphone_reply_say(NULL, "x") == AGENTPHONE_INVALID_ARGUMENT, "NULL reply");
  CHECK(agentphone_reply_hangup(NULL) == AGENTPHONE_INVALID_ARGUMENT, "NULL reply");
}

int main(int argc, char **argv) {
  char config[256];
  char *error = NULL, *out = NULL;
  int calls = 0;
  struct sigaction sa;
  if (argc != 2) return 2;
  config_errors();

  snprintf(config, sizeof config,
           "{\"secret\": \"%s\", \"listen\": \"127.0.0.1:0\", \"threads\": 4, "
           "\"drainTimeoutMs\": 2000, \"readTimeoutMs\": 1000, \"maxBodyBytes\": 4096}",
           argv[1]);
  if (agentphone_receiver_new(config, on_event, &calls, &running, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "%s\n", error);
    agentphone_string_free(error);
    return 1;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  printf("url %s\n", agentphone_receiver_url(running));
  fflush(stdout);

  CHECK(agentphone_receiver_run(running, &out) == AGENTPHONE_OK, "run: %s", out);
  CHECK(out != NULL && strcmp(out, "{}") == 0, "after a stop: %s", out);
  agentphone_string_free(out);
  agentphone_receiver_free(running);

  CHECK(voice_turns == 4, "four voice turns, got %d", voice_turns);
  CHECK(calls == handled + 1, "one failed call besides the handled ones: %d, %d", calls, handled);
  printf("handled %d\n", handled);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
