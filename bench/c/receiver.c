/*
 * The receiver benchmark's C contender: the library's webhook receiver with its defaults
 * (dedupe on, 8 callback threads) and a callback that counts each event, as a program that
 * hands events to a queue would. usage: receiver SECRET PORT. Prints its URL, serves until
 * SIGTERM, then prints how many events it was given.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "agentphone.h"

static agentphone_receiver *running = NULL;

static void on_term(int sig) {
  (void)sig;
  agentphone_receiver_stop(running);
}

static int on_event(const char *event_json, agentphone_reply *reply, void *user_data) {
  (void)reply;
  if (event_json != NULL) __atomic_add_fetch((long *)user_data, 1, __ATOMIC_RELAXED);
  return 0;
}

int main(int argc, char **argv) {
  char config[512];
  char *error = NULL, *out = NULL;
  long given = 0;
  struct sigaction sa;
  if (argc != 3) return 2;
  snprintf(config, sizeof config, "{\"secret\": \"%s\", \"listen\": \"127.0.0.1:%s\"}", argv[1],
           argv[2]);
  if (agentphone_receiver_new(config, on_event, &given, &running, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "%s\n", error);
    agentphone_string_free(error);
    return 1;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  printf("%s\n", agentphone_receiver_url(running));
  fflush(stdout);
  if (agentphone_receiver_run(running, &out) != AGENTPHONE_OK) fprintf(stderr, "%s\n", out);
  agentphone_string_free(out);
  agentphone_receiver_free(running);
  printf("given %ld\n", given);
  return 0;
}
