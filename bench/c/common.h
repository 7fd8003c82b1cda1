/* Shared by the C contenders: timing, peak RSS, and the one JSON result line. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Microseconds since the driver started this process (BENCH_T0_NS, CLOCK_REALTIME). */
static double since_exec_us(void) {
  struct timespec t;
  const char *t0 = getenv("BENCH_T0_NS");
  if (t0 == NULL) return -1;
  clock_gettime(CLOCK_REALTIME, &t);
  return ((double)t.tv_sec * 1e9 + (double)t.tv_nsec - strtod(t0, NULL)) / 1e3;
}

/* CPU time of the whole process (user + system), in seconds. */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Peak RSS of this program (VmHWM). Not getrusage's ru_maxrss: after exec, Linux keeps the
 * forked parent's peak there, so every child of the Python driver would report its size. */
static long peak_rss_kb(void) {
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  }
  fclose(f);
  return kb;
}

static void report(int requests, double seconds, double cpu_seconds, double first_us) {
  printf("{\"requests\": %d, \"seconds\": %.6f, \"cpu_seconds\": %.6f, \"first_response_us\": %.1f, "
         "\"peak_rss_kb\": %ld}\n",
         requests, seconds, cpu_seconds, first_us, peak_rss_kb());
}
#endif
