/*
 * The library's records from C: agentphone_set_log_callback with a callback that keeps every
 * line. Against the sandbox tests/c_api.rs starts, with faults it injected: a success, a GET
 * retried after a 500, a POST not retried after a timeout (the line says it may have
 * succeeded), a 429 with Retry-After; no API key or webhook secret in any line at TRACE; query
 * values elided below TRACE; 8 threads at once; the callback changed while threads make calls.
 *
 * usage: test_logging BASE_URL API_KEY
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agentphone.h"
#include "check.h"

#define MAX_LINES 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *lines[MAX_LINES];
static agentphone_log_level levels[MAX_LINES];
static int count = 0;

static void keep(agentphone_log_level level, const char *line, void *user_data) {
  size_t n = strlen(line);
  char *copy = malloc(n + 1);
  (void)user_data;
  if (copy == NULL) return;
  memcpy(copy, line, n + 1);
  pthread_mutex_lock(&lock);
  if (count < MAX_LINES) {
    levels[count] = level;
    lines[count++] = copy;
    copy = NULL;
  }
  pthread_mutex_unlock(&lock);
  free(copy);
}

static void forget_all(void) {
  int i;
  pthread_mutex_lock(&lock);
  for (i = 0; i < count; i++) free(lines[i]);
  count = 0;
  pthread_mutex_unlock(&lock);
}

/* How many kept lines of `level` hold every one of the (up to two) needles. */
static int kept(agentphone_log_level level, const char *needle, const char *needle2) {
  int i, n = 0;
  pthread_mutex_lock(&lock);
  for (i = 0; i < count; i++) {
    if (levels[i] == level && has(lines[i], needle) && (needle2 == NULL || has(lines[i], needle2)))
      n++;
  }
  pthread_mutex_unlock(&lock);
  return n;
}

/* Whether any kept line, of any level, holds `needle`. */
static int anywhere(const char *needle) {
  int i, found = 0;
  pthread_mutex_lock(&lock);
  for (i = 0; i < count; i++) found |= has(lines[i], needle);
  pthread_mutex_unlock(&lock);
  return found;
}

static agentphone_client *client_with(const char *base_url, const char *key, int timeout_ms) {
  char config[512];
  agentphone_client *c = NULL;
  char *error = NULL;
  snprintf(config, sizeof config,
           "{\"apiKey\": \"%s\", \"baseUrl\": \"%s\", \"timeoutMs\": %d, "
           "\"retryBaseDelayMs\": 1, \"retryMaxDelayMs\": 5}",
           key, base_url, timeout_ms);
  if (agentphone_client_new(config, &c, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "client: %s\n", error);
    agentphone_string_free(error);
    exit(1);
  }
  return c;
}

/* `out` is read here, after the call made its status: an argument `out` would be read in an
 * unspecified order with the call that sets it. */
static void call(agentphone_status s, char **out, agentphone_status expected, const char *what) {
  CHECK(s == expected, "%s: status %d: %s", what, (int)s, *out);
  agentphone_string_free(*out);
  *out = NULL;
}

static agentphone_client *shared = NULL;

static void *lister(void *arg) {
  int i;
  char *out = NULL;
  (void)arg;
  for (i = 0; i < 20; i++) {
    agentphone_status s = agentphone_numbers_list(shared, "{\"limit\": 3}", &out);
    if (s != AGENTPHONE_OK) fprintf(stderr, "list: %s\n", out);
    agentphone_string_free(out);
  }
  return NULL;
}

/* The callbacks swapped in while threads make calls: each counts its own calls. */
static long calls_a = 0, calls_b = 0;
static void count_a(agentphone_log_level level, const char *line, void *user_data) {
  (void)level;
  (void)line;
  __atomic_add_fetch((long *)user_data, 1, __ATOMIC_SEQ_CST);
}
static void count_b(agentphone_log_level level, const char *line, void *user_data) {
  (void)level;
  (void)line;
  __atomic_add_fetch((long *)user_data, 1, __ATOMIC_SEQ_CST);
}

static volatile int swapping = 1;
static void *busy(void *arg) {
  char *out = NULL;
  (void)arg;
  while (__atomic_load_n(&swapping, __ATOMIC_SEQ_CST)) {
    agentphone_numbers_list(shared, NULL, &out);
    agentphone_string_free(out);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *base = argv[1], *key = argv[2];
  agentphone_client *c, *slow;
  char *out = NULL;
  pthread_t threads[8];
  int i;
  long a_after, b_after;
  if (argc != 3) return 2;

  agentphone_set_log_callback(AGENTPHONE_LOG_INFO, keep, NULL);
  c = client_with(base, key, 5000);

  /* A success: one INFO line. */
  call(agentphone_numbers_list(c, "{\"limit\": 5}", &out), &out, AGENTPHONE_OK, "list");
  CHECK(kept(AGENTPHONE_LOG_INFO, "GET /v1/numbers?limit=…: 200 in ", "attempt 1 of 3") == 1,
        "one INFO line for the list");
  CHECK(kept(AGENTPHONE_LOG_DEBUG, "", NULL) == 0, "nothing above the callback's level");

  /* A GET retried after a 500, then a 404 that is not retried. */
  forget_all();
  call(agentphone_numbers_get(c, "num_log_flaky", &out), &out, AGENTPHONE_NOT_FOUND, "get");
  CHECK(kept(AGENTPHONE_LOG_WARN, "GET /v1/numbers/num_log_flaky: attempt 1 of 3 failed with status 500",
             "; retrying in ") == 1,
        "the 500's WARN line says it is retried");
  CHECK(kept(AGENTPHONE_LOG_WARN, "attempt 2 of 3 failed with status 404",
             "not retried: sending it again cannot succeed") == 1,
        "the 404's WARN line says why it is not retried");

  /* A POST that timed out: not retried, and the line says it may have succeeded. */
  forget_all();
  slow = client_with(base, key, 300);
  call(agentphone_numbers_create(slow, NULL, &out), &out, AGENTPHONE_TIMEOUT, "create");
  CHECK(kept(AGENTPHONE_LOG_WARN, "POST /v1/numbers: attempt 1 of 3 failed waiting for the answer",
             "not retried: it may have succeeded") == 1,
        "the timeout's WARN line");
  agentphone_client_free(slow);

  /* A 429 with Retry-After: 1. */
  forget_all();
  call(agentphone_numbers_get(c, "num_log_429", &out), &out, AGENTPHONE_NOT_FOUND, "get 429");
  CHECK(kept(AGENTPHONE_LOG_WARN, "failed with status 429", "; retrying in 1000 ms") == 1,
        "the 429's wait is Retry-After's");

  /* Below TRACE, query values are elided. */
  forget_all();
  call(agentphone_numbers_lookup(c, "{\"phoneNumbers\": [\"+14155550123\"]}", &out), &out,
       AGENTPHONE_OK, "lookup");
  CHECK(kept(AGENTPHONE_LOG_INFO, "GET /v1/numbers/lookup?phoneNumbers=…: 200", NULL) == 1,
        "the query value is elided");
  CHECK(!anywhere("4155550123"), "no phone number below TRACE");

  /* At TRACE: bodies, and never the key or a webhook secret. */
  forget_all();
  agentphone_set_log_callback(AGENTPHONE_LOG_TRACE, keep, NULL);
  out = NULL;
  CHECK(agentphone_webhooks_set(c, "{\"url\": \"http://127.0.0.1:9/webhook\"}", &out) == AGENTPHONE_OK,
        "webhooks_set: %s", out);
  {
    const char *at = out ? strstr(out, "\"secret\":\"") : NULL;
    char secret[128] = {0};
    CHECK(at != NULL, "the answer has the secret: %s", out);
    if (at != NULL) {
      const char *end;
      at += strlen("\"secret\":\"");
      end = strchr(at, '"');
      if (end != NULL && (size_t)(end - at) < sizeof secret) memcpy(secret, at, (size_t)(end - at));
      CHECK(strlen(secret) > 8, "a secret: %s", secret);
      CHECK(!anywhere(secret), "the webhook secret is in no line");
    }
    agentphone_string_free(out);
  }
  CHECK(anywhere("\"secret\":\"***\""), "the answer's secret is shown as ***");
  CHECK(!anywhere(key), "the API key is in no line");
  CHECK(!anywhere("Bearer"), "no Authorization header in any line");
  CHECK(kept(AGENTPHONE_LOG_TRACE, "POST /v1/webhooks: request body: ", NULL) == 1,
        "the request body at TRACE");

  /* 8 threads at once: one INFO line a call. */
  agentphone_set_log_callback(AGENTPHONE_LOG_INFO, keep, NULL);
  forget_all();
  shared = c;
  for (i = 0; i < 8; i++) pthread_create(&threads[i], NULL, lister, NULL);
  for (i = 0; i < 8; i++) pthread_join(threads[i], NULL);
  CHECK(kept(AGENTPHONE_LOG_INFO, "GET /v1/numbers?limit=…: 200 in ", NULL) == 160,
        "160 lines for 160 calls, got %d", kept(AGENTPHONE_LOG_INFO, "GET /v1/numbers", NULL));

  /* The callback changed while 4 threads make calls: once a set returns, the callback it
   * replaced is never called again. */
  for (i = 0; i < 4; i++) pthread_create(&threads[i], NULL, busy, NULL);
  for (i = 0; i < 200; i++) {
    struct timespec step = {0, 200 * 1000};
    agentphone_set_log_callback(AGENTPHONE_LOG_INFO, count_a, &calls_a);
    nanosleep(&step, NULL);
    agentphone_set_log_callback(AGENTPHONE_LOG_INFO, count_b, &calls_b);
    nanosleep(&step, NULL);
  }
  agentphone_set_log_callback(AGENTPHONE_LOG_OFF, NULL, NULL);
  a_after = __atomic_load_n(&calls_a, __ATOMIC_SEQ_CST);
  b_after = __atomic_load_n(&calls_b, __ATOMIC_SEQ_CST);
  {
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  __atomic_store_n(&swapping, 0, __ATOMIC_SEQ_CST);
  for (i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  CHECK(__atomic_load_n(&calls_a, __ATOMIC_SEQ_CST) == a_after &&
            __atomic_load_n(&calls_b, __ATOMIC_SEQ_CST) == b_after,
        "a replaced callback is never called again");
  CHECK(calls_a + calls_b > 0, "the swapped callbacks were called");

  agentphone_client_free(c);
  forget_all();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
