/*
 * The fault soak's client: THREADS threads share one agentphone client and make CALLS calls of
 * every kind (billed creates and sends, reads, updates) against a sandbox that injects faults.
 *
 *   soak BASE_URL API_KEY CALLS THREADS REPORT_FILE NUMBER_ID AGENT_ID
 *
 * Each create and send carries a token of its own ("soak:<call>;") in its request, and the
 * report gets one line for it: "W <kind> <token> <status> <mayHaveSucceeded 0|1>". The harness
 * (tests/soak.rs) holds those lines against the sandbox's own account of what it acted on.
 * This program checks what it can see alone: every status is one of the contract's, every error
 * JSON has every key, and descriptors, threads and memory are back where they were. It prints
 * its figures, and "S ..." lines for the harness, and exits 1 on any violation.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentphone.h"

#define KINDS 12
static const char *const KIND_NAMES[KINDS] = {
    "messages_send", "numbers_create", "calls_create", "contacts_create", "agents_create",
    "numbers_list",  "numbers_get",    "numbers_messages", "conversations_list",
    "contacts_update", "usage_get",    "calls_list",
};
/* The kinds that create or send something: a token each, and a line in the report. */
static int is_write(int kind) { return kind <= 4; }

/* Every status of the contract, as numbered in the header. */
#define STATUSES 11

struct soak {
    agentphone_client *client;
    const char *number_id;
    const char *agent_id;
    const char *contact_id;
    long calls;
    long next;
    long done;
    long sample_at;
    long rss_sample_kb;
    long by_status[STATUSES];
    long bad_status;
    long bad_error_json;
    FILE *report;
    pthread_mutex_t lock;
};

static long count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    long n = 0;
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') n++;
    }
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* A field of /proc/self/status ("Threads", "VmRSS"), as a number. */
static long proc_status(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long value = -1;
    size_t n = strlen(field);
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            value = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

/* The error JSON's keys, all present on every failure. */
static int error_json_complete(const char *json) {
    static const char *const keys[] = {
        "\"code\":", "\"message\":", "\"status\":", "\"apiCode\":", "\"details\":",
        "\"requestId\":", "\"retryAfterMs\":", "\"retryable\":", "\"mayHaveSucceeded\":",
    };
    size_t i;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!strstr(json, keys[i])) return 0;
    }
    return 1;
}

/* The first "id" string in a JSON answer, copied to storage that outlives the answer; NULL
 * if there is none. One contact is looked up, so one buffer serves. */
static const char *first_id(const char *json) {
    static char id[128];
    const char *start = strstr(json, "\"id\":\"");
    const char *end = start ? strchr(start + 6, '"') : NULL;
    size_t len = end ? (size_t)(end - (start + 6)) : 0;
    if (len == 0 || len >= sizeof id) return NULL;
    memcpy(id, start + 6, len);
    id[len] = 0;
    return id;
}

static enum agentphone_status one_call(struct soak *s, int kind, const char *token, char **out) {
    char json[512];
    switch (kind) {
    case 0:
        snprintf(json, sizeof json,
                 "{\"number_id\": \"%s\", \"to_number\": \"+15550001111\", \"body\": \"%s\"}",
                 s->number_id, token);
        return agentphone_messages_send(s->client, json, out);
    case 1:
        snprintf(json, sizeof json, "{\"country\": \"US\", \"externalId\": \"%s\"}", token);
        return agentphone_numbers_create(s->client, json, out);
    case 2:
        snprintf(json, sizeof json,
                 "{\"agentId\": \"%s\", \"toNumber\": \"+15550002222\", "
                 "\"initialGreeting\": \"%s\"}",
                 s->agent_id, token);
        return agentphone_calls_create(s->client, json, out);
    case 3: {
        /* A phone number of its own per call: a repeated one would be a 409. */
        long n = strtol(token + 5, NULL, 10);
        snprintf(json, sizeof json, "{\"phoneNumber\": \"+1666%07ld\", \"name\": \"%s\"}", n,
                 token);
        return agentphone_contacts_create(s->client, json, out);
    }
    case 4:
        snprintf(json, sizeof json, "{\"name\": \"%s\"}", token);
        return agentphone_agents_create(s->client, json, out);
    case 5:
        return agentphone_numbers_list(s->client, "{\"limit\": 5}", out);
    case 6:
        return agentphone_numbers_get(s->client, s->number_id, out);
    case 7:
        return agentphone_numbers_messages(s->client, s->number_id, "{\"limit\": 10}", out);
    case 8:
        return agentphone_conversations_list(s->client, NULL, out);
    case 9:
        return agentphone_contacts_update(s->client, s->contact_id, "{\"notes\": \"soak\"}", out);
    case 10:
        return agentphone_usage_get(s->client, out);
    default:
        return agentphone_calls_list(s->client, "{\"limit\": 3}", out);
    }
}

static void *worker(void *arg) {
    struct soak *s = arg;
    for (;;) {
        long i;
        int kind;
        char token[64];
        char *out = NULL;
        enum agentphone_status st;
        int may = 0;
        pthread_mutex_lock(&s->lock);
        i = s->next++;
        pthread_mutex_unlock(&s->lock);
        if (i >= s->calls) break;
        kind = (int)(i % KINDS);
        snprintf(token, sizeof token, "soak:%ld;", i);
        st = one_call(s, kind, token, &out);
        if (out == NULL) {
            fprintf(stderr, "call %ld (%s): *out is NULL\n", i, KIND_NAMES[kind]);
            exit(1);
        }
        pthread_mutex_lock(&s->lock);
        if ((int)st < 0 || (int)st >= STATUSES) {
            s->bad_status++;
            fprintf(stderr, "call %ld (%s): status %d is not the contract's\n", i,
                    KIND_NAMES[kind], (int)st);
        } else {
            s->by_status[st]++;
        }
        if (st != AGENTPHONE_OK) {
            if (!error_json_complete(out)) {
                s->bad_error_json++;
                fprintf(stderr, "call %ld (%s): incomplete error JSON: %s\n", i,
                        KIND_NAMES[kind], out);
            }
            may = strstr(out, "\"mayHaveSucceeded\":true") != NULL;
        }
        if (is_write(kind)) {
            fprintf(s->report, "W %s %s %d %d\n", KIND_NAMES[kind], token, (int)st, may);
        }
        s->done++;
        if (s->done == s->sample_at) s->rss_sample_kb = proc_status("VmRSS");
        pthread_mutex_unlock(&s->lock);
        agentphone_string_free(out);
    }
    return NULL;
}

int main(int argc, char **argv) {
    struct soak s;
    char config[1024];
    char *err = NULL;
    char *out = NULL;
    pthread_t threads[64];
    long fds_before, threads_before, fds_after, threads_after, rss_end;
    int n_threads, t, failures = 0;

    if (argc != 8) {
        fprintf(stderr, "usage: soak BASE_URL API_KEY CALLS THREADS REPORT NUMBER_ID AGENT_ID\n");
        return 2;
    }
    memset(&s, 0, sizeof s);
    s.calls = strtol(argv[3], NULL, 10);
    n_threads = (int)strtol(argv[4], NULL, 10);
    if (n_threads < 1 || n_threads > 64 || s.calls < 1) return 2;
    s.number_id = argv[6];
    s.agent_id = argv[7];
    s.sample_at = s.calls / 10;
    fds_before = count_fds();
    threads_before = proc_status("Threads");
    s.report = fopen(argv[5], "w");
    if (!s.report) return 2;
    pthread_mutex_init(&s.lock, NULL);
    /* Short timeouts and retry delays, so that hangs and retries cost little time; a small size
     * limit, so that an oversized answer is refused. */
    snprintf(config, sizeof config,
             "{\"apiKey\": \"%s\", \"baseUrl\": \"%s\", \"timeoutMs\": 1000, "
             "\"maxRetries\": 2, \"retryBaseDelayMs\": 2, \"retryMaxDelayMs\": 20, "
             "\"maxResponseBytes\": 262144, \"maxIdleConnectionsPerHost\": %d}",
             argv[2], argv[1], n_threads);
    if (agentphone_client_new(config, &s.client, &err) != AGENTPHONE_OK) {
        fprintf(stderr, "client: %s\n", err ? err : "?");
        return 1;
    }
    /* The contact the updates change, made before the faults count (the harness schedules
     * them on /v1/ paths, so this may be faulted too: try until it exists). */
    for (t = 0; t < 50 && s.contact_id == NULL; t++) {
        if (agentphone_contacts_create(s.client,
                                       "{\"phoneNumber\": \"+15559990000\", \"name\": \"soak\"}",
                                       &out) == AGENTPHONE_OK) {
            s.contact_id = first_id(out);
        } else if (strstr(out, "\"status\":409")) {
            /* Made by an attempt whose answer was lost: find it. */
            agentphone_string_free(out);
            out = NULL;
            if (agentphone_contacts_list(s.client, "{\"search\": \"+15559990000\"}", &out) ==
                AGENTPHONE_OK) {
                s.contact_id = first_id(out);
            }
        }
        agentphone_string_free(out);
        out = NULL;
    }
    if (s.contact_id == NULL) {
        fprintf(stderr, "could not make the contact to update\n");
        return 1;
    }

    for (t = 0; t < n_threads; t++) pthread_create(&threads[t], NULL, worker, &s);
    for (t = 0; t < n_threads; t++) pthread_join(threads[t], NULL);
    rss_end = proc_status("VmRSS");
    agentphone_client_free(s.client);
    fclose(s.report);
    fds_after = count_fds();
    threads_after = proc_status("Threads");

    printf("calls %ld threads %d\n", s.done, n_threads);
    for (t = 0; t < STATUSES; t++) {
        if (s.by_status[t]) printf("S status %d %ld\n", t, s.by_status[t]);
    }
    printf("S fds %ld %ld\n", fds_before, fds_after);
    printf("S threads %ld %ld\n", threads_before, threads_after);
    printf("S rss_kb %ld %ld\n", s.rss_sample_kb, rss_end);
    if (s.bad_status || s.bad_error_json) {
        fprintf(stderr, "%ld statuses outside the contract, %ld incomplete error JSONs\n",
                s.bad_status, s.bad_error_json);
        failures++;
    }
    if (fds_after != fds_before) {
        fprintf(stderr, "descriptors: %ld before, %ld after\n", fds_before, fds_after);
        failures++;
    }
    if (threads_after != threads_before) {
        fprintf(stderr, "threads: %ld before, %ld after\n", threads_before, threads_after);
        failures++;
    }
    return failures ? 1 : 0;
}
