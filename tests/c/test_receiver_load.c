/*
 * The webhook receiver from C under load, over HTTPS when given a certificate and its key.
 * tests/c_api.rs delivers 2,000 distinct texts from 16 threads, the same text from 50 senders
 * at once, and texts while 64 senders trickle a byte a second; this program's callback (on
 * the receiver's threads, several at once) records each messageId it handles. tests/soak.rs
 * runs it behind a proxy that spoils deliveries; there a text that says "fail once" fails its
 * first attempt (the callback returns 1: answered 500, delivered again). After SIGTERM it
 * prints "given N twice D failed F": how many events it handled, how many of them it had
 * handled before, and how many attempts it failed.
 *
 * usage: test_receiver_load SECRET [CERT_PEM KEY_PEM]
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "agentphone.h"
#include "check.h"

#define MAX_IDS 8192

static agentphone_receiver *running = NULL;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *ids[MAX_IDS];
static int given = 0;
static int overflow = 0;
static char *failed_ids[MAX_IDS];
static int failed_count = 0;

/* Whether `id` failed once already; if not, it is noted as failed now (under `lock`). */
static int failed_before(const char *id) {
  int i;
  for (i = 0; i < failed_count; i++) {
    if (strcmp(failed_ids[i], id) == 0) return 1;
  }
  if (failed_count < MAX_IDS) {
    failed_ids[failed_count] = malloc(strlen(id) + 1);
    if (failed_ids[failed_count] != NULL) strcpy(failed_ids[failed_count++], id);
  }
  return 0;
}

static void on_term(int sig) {
  (void)sig;
  agentphone_receiver_stop(running);
}

/* Whether the event's own text (its "message", not the recent history it carries) says
 * "fail once". */
static int says_fail_once(const char *event_json) {
  static const char key[] = "\"message\":\"";
  const char *text = strstr(event_json, key);
  const char *end;
  size_t n;
  if (text == NULL) return 0;
  text += sizeof key - 1;
  end = strchr(text, '"');
  n = sizeof "fail once" - 1;
  for (; end != NULL && text + n <= end; text++) {
    if (strncmp(text, "fail once", n) == 0) return 1;
  }
  return 0;
}

static int on_event(const char *event_json, agentphone_reply *reply, void *user_data) {
  static const char key[] = "\"messageId\":\"";
  const char *at = strstr(event_json, key);
  const char *end;
  char *id;
  (void)reply;
  (void)user_data;
  if (at == NULL) return 1;
  at += sizeof key - 1;
  end = strchr(at, '"');
  if (end == NULL) return 1;
  id = malloc((size_t)(end - at) + 1);
  if (id == NULL) return 1;
  memcpy(id, at, (size_t)(end - at));
  id[end - at] = '\0';
  pthread_mutex_lock(&lock);
  if (says_fail_once(event_json) && !failed_before(id)) {
    pthread_mutex_unlock(&lock);
    free(id);
    return 1;
  }
  if (given < MAX_IDS) {
    ids[given++] = id;
    id = NULL;
  } else {
    overflow = 1;
  }
  pthread_mutex_unlock(&lock);
  free(id);
  return 0;
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  char config[2048];
  char *error = NULL, *out = NULL;
  struct sigaction sa;
  int i, twice = 0;
  if (argc != 2 && argc != 4) return 2;
  if (argc == 4) {
    snprintf(config, sizeof config,
             "{\"secret\": \"%s\", \"listen\": \"127.0.0.1:0\", \"threads\": 8, "
             "\"tlsCertFile\": \"%s\", \"tlsKeyFile\": \"%s\"}",
             argv[1], argv[2], argv[3]);
  } else {
    snprintf(config, sizeof config,
             "{\"secret\": \"%s\", \"listen\": \"127.0.0.1:0\", \"threads\": 8}", argv[1]);
  }
  if (agentphone_receiver_new(config, on_event, NULL, &running, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "%s\n", error);
    agentphone_string_free(error);
    return 1;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  CHECK(has(agentphone_receiver_url(running), "https://") == (argc == 4), "the URL's scheme: %s",
        agentphone_receiver_url(running));
  printf("url %s\n", agentphone_receiver_url(running));
  fflush(stdout);

  CHECK(agentphone_receiver_run(running, &out) == AGENTPHONE_OK, "run: %s", out);
  CHECK(out != NULL && strcmp(out, "{}") == 0, "after a stop: %s", out);
  agentphone_string_free(out);
  agentphone_receiver_free(running);

  CHECK(!overflow, "more than %d events", MAX_IDS);
  qsort(ids, (size_t)given, sizeof ids[0], by_text);
  for (i = 1; i < given; i++) {
    if (strcmp(ids[i - 1], ids[i]) == 0) twice++;
  }
  for (i = 0; i < given; i++) free(ids[i]);
  for (i = 0; i < failed_count; i++) free(failed_ids[i]);
  printf("given %d twice %d failed %d\n", given, twice, failed_count);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
