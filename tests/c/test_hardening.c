/*
 * The C API at its edges, against scripted servers on 127.0.0.1 that tests/c_api.rs starts:
 *
 *   test_hardening RAW STREAM RECORDING DELETE PIPE WAIT TMPDIR BAD_CA_FILE
 *
 * RAW:       POST -> 200 text/plain "OK"; POST -> 201 text/html; GET -> 200 text/plain "OK"
 * STREAM:    200 text/event-stream of 64 KiB of "data:" lines and no blank line; then 200
 *            application/json
 * RECORDING: 200 audio/wav of 17 MiB, twice
 * DELETE:    drops the connection after the request, then 400 PHONE_NUMBER_ALREADY_RELEASED;
 *            400 PHONE_NUMBER_ALREADY_RELEASED; drops, then 404
 * PIPE:      reads a little of each request, then closes the connection
 * WAIT:      answers a call create after 2 s
 *
 * Built with -std=c99 -Wall -Wextra -Werror -pedantic like the other C tests, and run under
 * valgrind and AddressSanitizer by CI.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "agentphone.h"
#include "check.h"

static agentphone_client *client_for(const char *url, const char *extra) {
  char config[2048];
  agentphone_client *client = NULL;
  char *error = NULL;
  snprintf(config, sizeof config, "{\"apiKey\": \"sk_edge\", \"baseUrl\": \"%s\"%s}", url, extra);
  agentphone_status st = agentphone_client_new(config, &client, &error);
  if (st != AGENTPHONE_OK) {
    fprintf(stderr, "client_new(%s) failed: %s\n", config, error ? error : "");
    exit(2);
  }
  return client;
}

/* 1. A raw POST whose 2xx answer does not decode may have acted. */
static void raw_post_decode_failure_may_have_succeeded(const char *url) {
  agentphone_client *c = client_for(url, "");
  char *out = NULL;
  agentphone_status st = agentphone_request(c, "POST", "/v1/register", "{\"a\": 1}", &out);
  CHECK(st == AGENTPHONE_DECODE_ERROR, "%s", out);
  CHECK(has(out, "\"mayHaveSucceeded\":true"), "%s", out);
  CHECK(has(out, "text/plain"), "the error names the content type: %s", out);
  CHECK(has(out, "\"status\":200"), "%s", out);
  agentphone_string_free(out);
  st = agentphone_request(c, "POST", "/v1/sub-accounts", NULL, &out);
  CHECK(st == AGENTPHONE_DECODE_ERROR && has(out, "\"mayHaveSucceeded\":true"), "%s", out);
  agentphone_string_free(out);
  /* A read that does not decode acted on nothing. */
  st = agentphone_request(c, "GET", "/v1/usage", NULL, &out);
  CHECK(st == AGENTPHONE_DECODE_ERROR && has(out, "\"mayHaveSucceeded\":false"), "%s", out);
  agentphone_string_free(out);
  /* 10. Encoded separators never leave the client. */
  st = agentphone_request(c, "GET", "/%2e%2e%2f%2e%2e%2fadmin", NULL, &out);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT && has(out, "path_and_query") && has(out, "%2F"), "%s",
        out);
  agentphone_string_free(out);
  st = agentphone_request(c, "DELETE", "/v1/numbers/a%5Cb", NULL, &out);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT, "%s", out);
  agentphone_string_free(out);
  agentphone_client_free(c);
}

static int count_events(const char *event_json, void *user_data) {
  (void)event_json;
  (*(int *)user_data)++;
  return 0;
}

/* 2 and 8. One stream event is bounded; a stream must be a stream. */
static void stream_events_are_bounded_and_typed(const char *url) {
  agentphone_client *c = client_for(url, ", \"maxResponseBytes\": 4096");
  char *out = NULL;
  int events = 0;
  agentphone_status st =
      agentphone_calls_stream_transcript(c, "call_1", count_events, &events, &out);
  CHECK(st == AGENTPHONE_DECODE_ERROR, "%s", out);
  CHECK(has(out, "event is larger than maxResponseBytes (4096 bytes)"), "%s", out);
  CHECK(events == 0, "%d events", events);
  agentphone_string_free(out);
  st = agentphone_calls_stream_transcript(c, "call_1", count_events, &events, &out);
  CHECK(st == AGENTPHONE_DECODE_ERROR && has(out, "application/json"), "%s", out);
  CHECK(events == 0, "%d events", events);
  agentphone_string_free(out);
  agentphone_client_free(c);
}

static long file_size(const char *path) {
  struct stat s;
  return stat(path, &s) == 0 ? (long)s.st_size : -1;
}

static unsigned file_mode(const char *path) {
  struct stat s;
  return stat(path, &s) == 0 ? (unsigned)(s.st_mode & 07777) : 0;
}

static int entries(const char *dir) {
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  if (d == NULL) return -1;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  }
  closedir(d);
  return n;
}

/* 3 and 4. A recording is streamed to a private file, larger than maxResponseBytes. */
static void recordings_are_private_and_streamed(const char *url, const char *tmp) {
  const long size = 17L * 1024 * 1024;
  char dir[1024], path[1100], fresh[1100], missing[1100];
  snprintf(dir, sizeof dir, "%s/recordings", tmp);
  mkdir(dir, 0700);
  snprintf(path, sizeof path, "%s/private.wav", dir);
  snprintf(fresh, sizeof fresh, "%s/fresh.wav", dir);
  snprintf(missing, sizeof missing, "%s/no-such-dir/x.wav", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL, "cannot create %s", path);
  if (f == NULL) return;
  fputs("old", f);
  fclose(f);
  chmod(path, 0600);
  umask(022);

  agentphone_client *c = client_for(url, "");
  char *out = NULL;
  agentphone_status st = agentphone_calls_recording_save(c, "call_1", path, &out);
  CHECK(st == AGENTPHONE_OK, "%s", out);
  CHECK(has(out, "\"bytes\":17825792") && has(out, "audio/wav"), "%s", out);
  agentphone_string_free(out);
  CHECK(file_size(path) == size, "size %ld", file_size(path));
  CHECK(file_mode(path) == 0600, "a private recording became %o", file_mode(path));

  /* Over maxRecordingBytes: refused, and the file saved before is left as it was. */
  agentphone_client *small = client_for(url, ", \"maxRecordingBytes\": 1048576");
  st = agentphone_calls_recording_save(small, "call_1", fresh, &out);
  CHECK(st == AGENTPHONE_DECODE_ERROR && has(out, "maxRecordingBytes (1048576 bytes)"), "%s", out);
  agentphone_string_free(out);
  CHECK(file_size(fresh) == -1, "a refused recording left a file");
  CHECK(entries(dir) == 1, "%d entries: a temporary file was left", entries(dir));
  agentphone_client_free(small);

  /* A path that cannot be written is refused before anything is sent. */
  st = agentphone_calls_recording_save(c, "call_1", missing, &out);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT && has(out, "path: cannot write"), "%s", out);
  agentphone_string_free(out);
  st = agentphone_client_new("{\"apiKey\": \"k\", \"maxRecordingBytes\": 0}", &small, &out);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT && small == NULL && has(out, "maxRecordingBytes"), "%s",
        out);
  agentphone_string_free(out);
  agentphone_client_free(c);
}

/* 6. A repeated delete that meets "already done" says an earlier attempt may have done it. */
static void a_retried_delete_that_meets_already_done(const char *url) {
  agentphone_client *c = client_for(url, ", \"retryBaseDelayMs\": 1, \"retryMaxDelayMs\": 1");
  char *out = NULL;
  agentphone_status st = agentphone_numbers_release(c, "num_1", &out);
  CHECK(st == AGENTPHONE_API_ERROR, "%s", out);
  CHECK(has(out, "PHONE_NUMBER_ALREADY_RELEASED") && has(out, "\"mayHaveSucceeded\":true"), "%s",
        out);
  CHECK(has(out, "an earlier attempt of this request may have done it"), "%s", out);
  agentphone_string_free(out);
  /* Without an earlier attempt, "already released" is just that. */
  st = agentphone_numbers_release(c, "num_1", &out);
  CHECK(st == AGENTPHONE_API_ERROR && has(out, "\"mayHaveSucceeded\":false"), "%s", out);
  agentphone_string_free(out);
  st = agentphone_agents_delete(c, "agt_1", &out);
  CHECK(st == AGENTPHONE_NOT_FOUND && has(out, "\"mayHaveSucceeded\":true"), "%s", out);
  agentphone_string_free(out);
  agentphone_client_free(c);
}

/* SIGPIPE: a server that closes while a large body is written is a network error. */
static void a_closed_connection_while_writing_is_a_network_error(const char *url) {
  const size_t len = 16u * 1024 * 1024;
  char *body = malloc(len + 16);
  char *out = NULL;
  if (body == NULL) exit(2);
  signal(SIGPIPE, SIG_DFL);
  strcpy(body, "{\"x\": \"");
  memset(body + 7, 'a', len);
  strcpy(body + 7 + len, "\"}");
  agentphone_client *c = client_for(url, ", \"maxRetries\": 0");
  agentphone_status st = agentphone_request(c, "POST", "/v1/register", body, &out);
  CHECK(st == AGENTPHONE_NETWORK_ERROR, "%s", out);
  CHECK(has(out, "\"mayHaveSucceeded\":true"), "%s", out);
  agentphone_string_free(out);
  agentphone_client_free(c);
  free(body);
}

/* A create that waits for the call's end outlasts the client's timeout. */
static void a_waiting_call_create_has_its_own_timeout(const char *url) {
  agentphone_client *c = client_for(url, ", \"timeoutMs\": 1000, \"maxRetries\": 0");
  char *out = NULL;
  agentphone_status st = agentphone_calls_create(
      c,
      "{\"agentId\": \"agt_1\", \"toNumber\": \"+15551234567\", \"waitForCompletion\": true, "
      "\"maxWaitSeconds\": 10}",
      &out);
  CHECK(st == AGENTPHONE_OK && has(out, "\"status\":\"completed\""), "%s", out);
  agentphone_string_free(out);
  st = agentphone_calls_create(
      c,
      "{\"agentId\": \"agt_1\", \"toNumber\": \"+15551234567\", \"waitForCompletion\": true, "
      "\"maxWaitSeconds\": 601}",
      &out);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT && has(out, "maxWaitSeconds: must be between 10 and 600"),
        "%s", out);
  agentphone_string_free(out);
  st = agentphone_calls_create(
      c, "{\"agentId\": \"agt_1\", \"toNumber\": \"+15551234567\", \"maxWaitSeconds\": 30}", &out);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT && has(out, "waitForCompletion"), "%s", out);
  agentphone_string_free(out);
  agentphone_client_free(c);
}

/* 9. A caFile certificate that does not parse is refused when the client is made. */
static void a_bad_ca_file_is_refused_at_build(const char *ca_file) {
  char config[1200];
  agentphone_client *c = NULL;
  char *error = NULL;
  snprintf(config, sizeof config, "{\"apiKey\": \"k\", \"caFile\": \"%s\"}", ca_file);
  agentphone_status st = agentphone_client_new(config, &c, &error);
  CHECK(st == AGENTPHONE_INVALID_ARGUMENT && c == NULL, "%s", error);
  CHECK(has(error, "caFile") && has(error, "certificate 1 is not a usable certificate"), "%s",
        error);
  agentphone_string_free(error);
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s RAW STREAM RECORDING DELETE PIPE WAIT TMPDIR BAD_CA_FILE\n",
            argv[0]);
    return 2;
  }
  raw_post_decode_failure_may_have_succeeded(argv[1]);
  stream_events_are_bounded_and_typed(argv[2]);
  recordings_are_private_and_streamed(argv[3], argv[7]);
  a_retried_delete_that_meets_already_done(argv[4]);
  a_closed_connection_while_writing_is_a_network_error(argv[5]);
  a_waiting_call_create_has_its_own_timeout(argv[6]);
  a_bad_ca_file_is_refused_at_build(argv[8]);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
