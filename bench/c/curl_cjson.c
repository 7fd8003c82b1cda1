/* Contender 3: what a C programmer writes instead: libcurl with one reused easy handle (keep-alive),
 * the body parsed by cJSON. usage: curl_cjson BASE_URL REQUESTS */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <string.h>

#include "common.h"

struct buffer {
  char *data;
  size_t len, cap;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
  struct buffer *b = userdata;
  size_t n = size * nmemb;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL) return 0;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

/* One call: GET, check 200, parse, check the page has 20 numbers. */
static int list(CURL *curl, struct buffer *body) {
  long code = 0;
  cJSON *root, *data;
  int ok;
  body->len = 0;
  if (curl_easy_perform(curl) != CURLE_OK) return 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) return 0;
  root = cJSON_ParseWithLength(body->data, body->len);
  data = cJSON_GetObjectItemCaseSensitive(root, "data");
  ok = cJSON_IsArray(data) && cJSON_GetArraySize(data) == 20;
  cJSON_Delete(root);
  return ok;
}

int main(int argc, char **argv) {
  char url[512];
  struct buffer body = {NULL, 0, 0};
  struct curl_slist *headers = NULL;
  double first_us, start, cpu_start;
  int i, n;
  CURL *curl;
  if (argc != 3) return 2;
  n = atoi(argv[2]);
  snprintf(url, sizeof url, "%s/v1/numbers?limit=20", argv[1]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl = curl_easy_init();
  headers = curl_slist_append(headers, "Authorization: Bearer sk_bench");
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "bench-curl");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
  if (getenv("BENCH_CA_FILE") != NULL) curl_easy_setopt(curl, CURLOPT_CAINFO, getenv("BENCH_CA_FILE"));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* as a careful C programmer sets it: no SIGALRM dance */
  if (!list(curl, &body)) {
    fprintf(stderr, "first call failed\n");
    return 1;
  }
  first_us = since_exec_us();
  start = now_s();
  cpu_start = cpu_s();
  for (i = 0; i < n; i++) {
    if (!list(curl, &body)) {
      fprintf(stderr, "call %d failed\n", i);
      return 1;
    }
  }
  report(n, now_s() - start, cpu_s() - cpu_start, first_us);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  free(body.data);
  return 0;
}
