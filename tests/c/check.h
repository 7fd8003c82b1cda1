/*
 * The checks the C tests share: CHECK counts a pass or prints the failed condition with a
 * printf-style note and counts a failure; has() finds a needle in a JSON string (NULL-safe).
 * Each test program includes it once and prints "N passed, N failed" at the end.
 */
#ifndef AGENTPHONE_TEST_CHECK_H
#define AGENTPHONE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (cond) {                                                       \
      passed++;                                                       \
    } else {                                                          \
      failed++;                                                       \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
    }                                                                 \
  } while (0)

static int has(const char *json, const char *needle) {
  return json != NULL && strstr(json, needle) != NULL;
}

#endif
