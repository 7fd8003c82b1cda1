/*
 * A minimal SMS auto-responder in C: one pass over a number's conversations, replying to each
 * inbound message exactly once, even across restarts and failed sends. Run it as often as you
 * like (from cron, a loop, ...):
 *
 *   AGENTPHONE_API_KEY=... [AGENTPHONE_BASE_URL=...] ./poll_agent NUMBER_ID LEDGER_FILE
 *
 * The ledger file records "pending ID" before a reply is sent and "answered ID" after. A reply
 * carries reply_to_message_id, so when a send's outcome is unknown ("mayHaveSucceeded": true) or
 * the program died mid-send, the next run looks for its own reply in the conversation before it
 * sends again. A send that certainly did not go out is recorded as "failed" and retried.
 *
 * The JSON handling is deliberately small: it reads the few string fields it needs from the
 * library's results.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentphone.h"

#define MAX_ENTRIES 1024
#define ID_LEN 128

/* --- the ledger ------------------------------------------------------------------------- */

struct ledger {
  const char *path;
  int count;
  char ids[MAX_ENTRIES][ID_LEN];
  char states[MAX_ENTRIES]; /* 'p' pending, 'a' answered, 0 forgotten */
};

static char *ledger_state(struct ledger *l, const char *id) {
  int i;
  for (i = l->count - 1; i >= 0; i--) {
    if (strcmp(l->ids[i], id) == 0) {
      return &l->states[i];
    }
  }
  return NULL;
}

static void ledger_set(struct ledger *l, const char *id, char state) {
  char *s = ledger_state(l, id);
  if (s != NULL) {
    *s = state;
  } else if (l->count < MAX_ENTRIES) {
    snprintf(l->ids[l->count], ID_LEN, "%s", id);
    l->states[l->count++] = state;
  }
}

static void ledger_load(struct ledger *l) {
  char word[16], id[ID_LEN];
  FILE *f = fopen(l->path, "r");
  if (f == NULL) {
    return;
  }
  while (fscanf(f, "%15s %127s", word, id) == 2) {
    ledger_set(l, id, strcmp(word, "pending") == 0 ? 'p' : strcmp(word, "answered") == 0 ? 'a' : 0);
  }
  fclose(f);
}

/* Records a change on disk before the caller acts on it; 0 on success. */
static int ledger_record(struct ledger *l, const char *word, const char *id) {
  FILE *f = fopen(l->path, "a");
  if (f == NULL || fprintf(f, "%s %s\n", word, id) < 0 || fflush(f) != 0) {
    if (f != NULL) {
      fclose(f);
    }
    return -1;
  }
  fclose(f);
  ledger_set(l, id, word[0] == 'p' ? 'p' : word[0] == 'a' ? 'a' : 0);
  return 0;
}

/* --- reading the results ------------------------------------------------------------------ */

/* The end of the JSON value starting at p (an object, array or string; else up to , ] }). */
static const char *value_end(const char *p) {
  int depth = 0, in_string = 0;
  for (; *p != '\0'; p++) {
    if (in_string) {
      if (*p == '\\' && p[1] != '\0') {
        p++;
      } else if (*p == '"') {
        in_string = 0;
        if (depth == 0) {
          return p + 1;
        }
      }
    } else if (*p == '"') {
      in_string = 1;
    } else if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      if (depth == 0) {
        return p;
      }
      if (--depth == 0) {
        return p + 1;
      }
    } else if (*p == ',' && depth == 0) {
      return p;
    }
  }
  return p;
}

/* Copies the string value of a top-level "key" of the object [obj, end) into buf ("" when
 * absent or not a string). Escapes are copied as they are: ids and numbers have none. */
static void field(const char *obj, const char *end, const char *key, char *buf, size_t size) {
  const char *p = obj + 1;
  size_t key_len = strlen(key);
  buf[0] = '\0';
  while (p < end) {
    const char *k, *k_end;
    while (p < end && *p != '"') {
      p++;
    }
    if (p >= end) {
      return;
    }
    k = p + 1;
    k_end = value_end(p) - 1;
    p = k_end + 1;
    while (p < end && (*p == ' ' || *p == ':')) {
      p++;
    }
    if ((size_t)(k_end - k) == key_len && strncmp(k, key, key_len) == 0 && *p == '"') {
      const char *v_end = value_end(p) - 1;
      size_t n = (size_t)(v_end - p - 1);
      if (n >= size) {
        n = size - 1;
      }
      memcpy(buf, p + 1, n);
      buf[n] = '\0';
      return;
    }
    p = value_end(p);
    while (p < end && (*p == ',' || *p == ' ')) {
      p++;
    }
  }
}

/* Calls visit(obj, end, ctx) for each object of the result's "data" array. */
static void each_item(const char *json, void (*visit)(const char *, const char *, void *),
                      void *ctx) {
  const char *p = strstr(json, "\"data\":");
  if (p == NULL || (p = strchr(p, '[')) == NULL) {
    return;
  }
  for (p++; *p != '\0' && *p != ']';) {
    if (*p == '{') {
      const char *end = value_end(p);
      visit(p, end, ctx);
      p = end;
    } else {
      p++;
    }
  }
}

/* --- the responder ------------------------------------------------------------------------ */

struct pass {
  agentphone_client *client;
  struct ledger *ledger;
  const char *number_id;
  const char *messages; /* the current conversation's messages */
  int sent, failed;
};

/* Whether a message in the conversation replies to `id` (a "replyTo": {"messageId": id}). */
static int replied_to(const char *messages, const char *id) {
  const char *p = messages;
  size_t len = strlen(id);
  while ((p = strstr(p, "\"messageId\"")) != NULL) {
    p += strlen("\"messageId\"");
    while (*p == ' ' || *p == ':') {
      p++;
    }
    if (*p == '"' && strncmp(p + 1, id, len) == 0 && p[1 + len] == '"') {
      return 1;
    }
  }
  return 0;
}

static void answer_message(const char *obj, const char *end, void *ctx) {
  struct pass *pass = (struct pass *)ctx;
  char id[ID_LEN], direction[16], from[64], request[512];
  char *state, *out = NULL;
  agentphone_status st;
  field(obj, end, "direction", direction, sizeof direction);
  field(obj, end, "id", id, sizeof id);
  field(obj, end, "fromNumber", from, sizeof from);
  if (strcmp(direction, "inbound") != 0 || id[0] == '\0') {
    return;
  }
  state = ledger_state(pass->ledger, id);
  if (state != NULL && *state == 'a') {
    return;
  }
  if (replied_to(pass->messages, id)) {
    printf("  %s: already replied to; not sending again\n", id);
    ledger_record(pass->ledger, "answered", id);
    return;
  }
  if (ledger_record(pass->ledger, "pending", id) != 0) {
    fprintf(stderr, "cannot write the ledger %s\n", pass->ledger->path);
    pass->failed++;
    return;
  }
  snprintf(request, sizeof request,
           "{\"body\": \"Thanks for your message. A person will get back to you soon.\", "
           "\"to_number\": \"%s\", \"number_id\": \"%s\", \"reply_to_message_id\": \"%s\"}",
           from, pass->number_id, id);
  st = agentphone_messages_send(pass->client, request, &out);
  if (st == AGENTPHONE_OK) {
    ledger_record(pass->ledger, "answered", id);
    printf("  %s: replied to %s\n", id, from);
    pass->sent++;
  } else if (strstr(out, "\"mayHaveSucceeded\":true") != NULL) {
    printf("  %s: outcome unknown (%s); the next run checks before resending\n", id,
           agentphone_status_name((int)st));
    pass->failed++;
  } else {
    ledger_record(pass->ledger, "failed", id);
    printf("  %s: not sent (%s); the next run tries again\n", id, agentphone_status_name((int)st));
    pass->failed++;
  }
  agentphone_string_free(out);
}

static void answer_conversation(const char *obj, const char *end, void *ctx) {
  struct pass *pass = (struct pass *)ctx;
  char id[ID_LEN], number[ID_LEN];
  char *out = NULL;
  field(obj, end, "phoneNumberId", number, sizeof number);
  field(obj, end, "id", id, sizeof id);
  if (strcmp(number, pass->number_id) != 0) {
    return;
  }
  if (agentphone_conversations_messages(pass->client, id, "{\"limit\": 200}", &out) ==
      AGENTPHONE_OK) {
    pass->messages = out;
    each_item(out, answer_message, pass);
  } else {
    fprintf(stderr, "messages of %s: %s\n", id, out);
    pass->failed++;
  }
  agentphone_string_free(out);
}

int main(int argc, char **argv) {
  static struct ledger ledger;
  struct pass pass;
  agentphone_client *client = NULL;
  char *error = NULL, *out = NULL;
  if (argc != 3) {
    fprintf(stderr, "usage: %s NUMBER_ID LEDGER_FILE\n", argv[0]);
    return 2;
  }
  ledger.path = argv[2];
  ledger_load(&ledger);
  if (agentphone_client_new(NULL, &client, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "%s\n", error);
    agentphone_string_free(error);
    return 1;
  }
  memset(&pass, 0, sizeof pass);
  pass.client = client;
  pass.ledger = &ledger;
  pass.number_id = argv[1];
  /* A responder that runs often sees its recent conversations on the first page. */
  if (agentphone_conversations_list(client, "{\"limit\": 100}", &out) != AGENTPHONE_OK) {
    fprintf(stderr, "conversations: %s\n", out);
    agentphone_string_free(out);
    agentphone_client_free(client);
    return 1;
  }
  each_item(out, answer_conversation, &pass);
  agentphone_string_free(out);
  agentphone_client_free(client);
  printf("%d replies sent, %d to look at again\n", pass.sent, pass.failed);
  return 0;
}
