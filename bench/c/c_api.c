/* Contender 1: this crate's C API. usage: c_api BASE_URL REQUESTS */
#include <string.h>

#include "agentphone.h"
#include "common.h"

int main(int argc, char **argv) {
  char config[512];
  char *error = NULL, *out = NULL;
  agentphone_client *client = NULL;
  double first_us, start, cpu_start;
  int i, n;
  if (argc != 3) return 2;
  n = atoi(argv[2]);
  snprintf(config, sizeof config, "{\"apiKey\": \"sk_bench\", \"baseUrl\": \"%s\", \"maxRetries\": 0}",
           argv[1]);
  if (agentphone_client_new(config, &client, &error) != AGENTPHONE_OK) {
    fprintf(stderr, "%s\n", error);
    return 1;
  }
  if (agentphone_numbers_list(client, "{\"limit\": 20}", &out) != AGENTPHONE_OK) {
    fprintf(stderr, "%s\n", out);
    return 1;
  }
  first_us = since_exec_us();
  agentphone_string_free(out);
  start = now_s();
  cpu_start = cpu_s();
  for (i = 0; i < n; i++) {
    if (agentphone_numbers_list(client, "{\"limit\": 20}", &out) != AGENTPHONE_OK) {
      fprintf(stderr, "call %d: %s\n", i, out);
      return 1;
    }
    agentphone_string_free(out);
  }
  report(n, now_s() - start, cpu_s() - cpu_start, first_us);
  agentphone_client_free(client);
  return 0;
}
