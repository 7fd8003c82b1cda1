/*
 * Verifies a webhook request captured to files: the headers (one "Name: value" per line, as
 * received) and the raw body, exactly as received.
 *
 *   ./verify SECRET HEADERS_FILE BODY_FILE [NOW_UNIX]
 *
 * Prints the event JSON and exits 0 when the signature and the timestamp verify; prints which
 * check failed and exits 1 otherwise. NOW_UNIX replaces the clock (to check an old capture).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agentphone.h"

/* Reads a whole file; NULL on failure. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  long size;
  if (f == NULL) {
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    data = (char *)malloc((size_t)size + 1);
    if (data != NULL && fread(data, 1, (size_t)size, f) == (size_t)size) {
      data[size] = '\0';
      *len = (size_t)size;
    } else {
      free(data);
      data = NULL;
    }
  }
  fclose(f);
  return data;
}

/* Copies the value of header `name` (case-insensitive) into buf; "" when absent. */
static void header(const char *headers, const char *name, char *buf, size_t size) {
  const char *line = headers;
  size_t name_len = strlen(name);
  buf[0] = '\0';
  while (line != NULL && *line != '\0') {
    const char *end = strpbrk(line, "\r\n");
    size_t line_len = end != NULL ? (size_t)(end - line) : strlen(line);
    if (line_len > name_len && strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
      const char *v = line + name_len + 1;
      size_t n;
      while (*v == ' ' || *v == '\t') {
        v++;
      }
      n = line_len - (size_t)(v - line);
      if (n >= size) {
        n = size - 1;
      }
      memcpy(buf, v, n);
      buf[n] = '\0';
      return;
    }
    line = end != NULL ? end + strspn(end, "\r\n") : NULL;
  }
}

int main(int argc, char **argv) {
  char signature[256], timestamp[64];
  char *headers, *body, *out = NULL;
  size_t headers_len = 0, body_len = 0;
  long long now = 0;
  agentphone_status status;
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s SECRET HEADERS_FILE BODY_FILE [NOW_UNIX]\n", argv[0]);
    return 2;
  }
  if (argc == 5) {
    now = strtoll(argv[4], NULL, 10);
  }
  headers = read_file(argv[2], &headers_len);
  body = read_file(argv[3], &body_len);
  if (headers == NULL || body == NULL) {
    fprintf(stderr, "cannot read %s or %s\n", argv[2], argv[3]);
    free(headers);
    free(body);
    return 2;
  }
  header(headers, "X-Webhook-Signature", signature, sizeof signature);
  header(headers, "X-Webhook-Timestamp", timestamp, sizeof timestamp);
  status = agentphone_webhook_verify(argv[1], signature, timestamp, body, body_len,
                                     (int64_t)now, 0, &out);
  if (status == AGENTPHONE_OK) {
    printf("verified: %s\n", out);
  } else {
    printf("%s: %s\n", agentphone_status_name((int)status), out);
  }
  agentphone_string_free(out);
  free(headers);
  free(body);
  return status == AGENTPHONE_OK ? 0 : 1;
}
