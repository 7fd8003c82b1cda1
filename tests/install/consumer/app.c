/* A program outside the repository that uses an installed libagentphone: built with pkg-config
 * (shared and static) and with CMake (shared, static, and as C++) by tests/install/run.
 *
 * It checks that the header it was compiled with and the library it runs with agree on the
 * version, then makes one real call (to a port where nothing listens) and checks the error JSON.
 * Usage: app DEAD_URL */
#include <stdio.h>
#include <string.h>

#include <agentphone.h>

#if !AGENTPHONE_VERSION_AT_LEAST(0, 1, 0)
#error "agentphone 0.1.0 or newer is required"
#endif

int main(int argc, char **argv) {
  char config[512];
  char *out = NULL;
  char *error = NULL;
  agentphone_client *client = NULL;
  agentphone_status st;
  int ok;

  if (argc != 2) {
    fprintf(stderr, "usage: %s DEAD_URL\n", argv[0]);
    return 2;
  }
  if (strcmp(agentphone_version(), AGENTPHONE_VERSION_STRING) != 0 ||
      agentphone_version_number() != (uint32_t)AGENTPHONE_VERSION_NUM) {
    fprintf(stderr, "header %s (%u) but library %s (%u)\n", AGENTPHONE_VERSION_STRING,
            (unsigned)AGENTPHONE_VERSION_NUM, agentphone_version(),
            (unsigned)agentphone_version_number());
    return 1;
  }
  snprintf(config, sizeof config,
           "{\"apiKey\": \"sk_install_test\", \"baseUrl\": \"%s\", \"maxRetries\": 0}", argv[1]);
  st = agentphone_client_new(config, &client, &error);
  if (st != AGENTPHONE_OK) {
    fprintf(stderr, "client_new: %s %s\n", agentphone_status_name((int)st), error ? error : "");
    agentphone_string_free(error);
    return 1;
  }
  st = agentphone_numbers_list(client, NULL, &out);
  ok = st == AGENTPHONE_NETWORK_ERROR && out != NULL &&
       strstr(out, "\"code\":\"network_error\"") != NULL;
  printf("agentphone %s: numbers_list -> %s %s\n", agentphone_version(),
         agentphone_status_name((int)st), out ? out : "(null)");
  agentphone_string_free(out);
  agentphone_client_free(client);
  return ok ? 0 : 1;
}
