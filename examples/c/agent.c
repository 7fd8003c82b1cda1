/*
 * A complete phone agent in C, called by the API: it registers its URL as the project's
 * webhook, then serves deliveries with the library's receiver. Each inbound text is answered
 * once (the receiver drops duplicates; a reply that certainly did not go out is retried through
 * a redelivery, one whose outcome is unknown is never sent again blindly), and a voice call is a
 * conversation: an interim line while it "thinks", an answer, and a hangup on "bye". SIGINT or
 * SIGTERM stops it cleanly.
 *
 *   AGENTPHONE_API_KEY=... [AGENTPHONE_BASE_URL=...] ./agent LISTEN [PUBLIC_URL]
 *
 * LISTEN is host:port, e.g. 127.0.0.1:8080. PUBLIC_URL is the URL the API reaches it at (a
 * reverse proxy or tunnel in front of LISTEN); without it, http://LISTEN/webhook is registered,
 * which only a local sender (the sandbox) can reach. Registering rotates the webhook's secret:
 * this program owns the project's webhook while it runs.
 *
 * The JSON handling is deliberately small: it reads the few string fields it needs.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentphone.h"

static agentphone_receiver *receiver = NULL;

static void on_signal(int sig) {
  (void)sig;
  agentphone_receiver_stop(receiver); /* async-signal-safe */
}

/* Copies the string value of the first "key" at or after `from` in json into buf ("" if none).
 * Escapes are kept as they are, so the copy can go back into a JSON string unchanged. */
static void get(const char *json, const char *from, const char *key, char *buf, size_t size) {
  char quoted[64];
  const char *p = from != NULL ? from : json;
  size_t n = 0;
  buf[0] = '\0';
  snprintf(quoted, sizeof quoted, "\"%s\"", key);
  p = strstr(p, quoted);
  if (p == NULL) return;
  p += strlen(quoted);
  while (*p == ' ' || *p == ':') p++;
  if (*p++ != '"') return;
  while (p[n] != '\0' && p[n] != '"' && n + 2 < size) {
    if (p[n] == '\\' && p[n + 1] != '\0') n++;
    n++;
  }
  memcpy(buf, p, n);
  buf[n] = '\0';
}

/* An inbound text: reply once, on the number it came to, as a reply to it. */
static int answer_text(agentphone_client *client, const char *event, const char *data) {
  char from[64], number[128], message_id[128], request[512];
  char *out = NULL;
  int handled;
  get(event, data, "from", from, sizeof from);
  get(event, data, "numberId", number, sizeof number);
  get(event, data, "messageId", message_id, sizeof message_id);
  if (from[0] == '\0' || number[0] == '\0') return 0; /* not an inbound text we can answer */
  snprintf(request, sizeof request,
           "{\"body\": \"Thanks for your message! We will get back to you soon.\", "
           "\"to_number\": \"%s\", \"number_id\": \"%s\", \"reply_to_message_id\": \"%s\"}",
           from, number, message_id);
  if (agentphone_messages_send(client, request, &out) == AGENTPHONE_OK) {
    printf("replied to %s\n", message_id);
    handled = 0;
  } else if (strstr(out, "\"mayHaveSucceeded\":true") != NULL) {
    /* It may have gone out: never send it again blindly (a redelivery would). */
    printf("reply to %s: outcome unknown, not sent again: %s\n", message_id, out);
    handled = 0;
  } else {
    /* It certainly did not go out: answer 500, and the API delivers the text again. */
    printf("reply to %s failed, will retry: %s\n", message_id, out);
    handled = 1;
  }
  agentphone_string_free(out);
  fflush(stdout);
  return handled;
}

/* A voice turn: the reply is what the caller hears. */
static void answer_turn(agentphone_reply *reply, const char *event, const char *data) {
  char said[512], answer[600];
  get(event, data, "transcript", said, sizeof said);
  if (strstr(said, "bye") != NULL || strstr(said, "Bye") != NULL) {
    agentphone_reply_say(reply, "Thanks for calling. Goodbye!");
    agentphone_reply_hangup(reply);
    return;
  }
  agentphone_reply_interim(reply, "One moment...");
  snprintf(answer, sizeof answer, "You said: %s", said);
  agentphone_reply_say(reply, answer);
}

static int on_event(const char *event_json, agentphone_reply *reply, void *user_data) {
  agentphone_client *client = user_data;
  const char *data = strstr(event_json, "\"data\"");
  if (data == NULL) return 0;
  if (reply != NULL) {
    answer_turn(reply, event_json, data);
    return 0;
  }
  if (strstr(event_json, "\"event\":\"agent.message\"") != NULL ||
      strstr(event_json, "\"event\": \"agent.message\"") != NULL) {
    return answer_text(client, event_json, data);
  }
  return 0; /* a call's end, a reaction, ...: nothing to do */
}

int main(int argc, char **argv) {
  agentphone_client *client = NULL;
  char *error = NULL, *out = NULL;
  char url[512], request[640], secret[256], config[512];
  struct sigaction sa;
  int status = 1;
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s LISTEN [PUBLIC_URL]\n", argv[0]);
    return 2;
  }
  if (agentphone_client_new(NULL, &client, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "client: %s\n", error);
    agentphone_string_free(error);
    return 1;
  }
  if (argc == 3) {
    snprintf(url, sizeof url, "%s", argv[2]);
  } else {
    snprintf(url, sizeof url, "http://%s/webhook", argv[1]);
  }
  snprintf(request, sizeof request, "{\"url\": \"%s\"}", url);
  if (agentphone_webhooks_set(client, request, &out) != AGENTPHONE_OK) {
    fprintf(stderr, "registering %s: %s\n", url, out);
    goto done;
  }
  get(out, NULL, "secret", secret, sizeof secret);
  agentphone_string_free(out);
  out = NULL;
  snprintf(config, sizeof config, "{\"secret\": \"%s\", \"listen\": \"%s\"}", secret, argv[1]);
  if (agentphone_receiver_new(config, on_event, client, &receiver, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "receiver: %s\n", error);
    agentphone_string_free(error);
    goto done;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  printf("listening on %s (registered %s)\n", agentphone_receiver_url(receiver), url);
  fflush(stdout);
  if (agentphone_receiver_run(receiver, &out) == AGENTPHONE_OK) {
    printf("stopped\n");
    status = 0;
  } else {
    fprintf(stderr, "run: %s\n", out);
  }
  agentphone_string_free(out);
  agentphone_receiver_free(receiver);
done:
  agentphone_client_free(client);
  return status;
}
