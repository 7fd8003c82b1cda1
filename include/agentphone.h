/*
 * agentphone.h: the C API of the AgentPhone client (libagentphone).
 *
 * Install: make install PREFIX=/usr/local   (header, libagentphone.so.0.MINOR and .a,
 *          pkg-config and CMake files; see the README's "Install for C and C++")
 * Use:     #include <agentphone.h>          cc app.c $(pkg-config --cflags --libs agentphone)
 *
 * Conventions
 * - Status: every operation returns an agentphone_status. The numbers are fixed forever and
 *   never reused, new ones only appended (10: SIGNATURE_INVALID, a webhook that does not
 *   verify); agentphone_status_name() names them ("OK", "NOT_FOUND", ...).
 * - Output: every operation takes `char **out`, which must not be NULL (else
 *   AGENTPHONE_INVALID_ARGUMENT, nothing sent). Whatever the status, *out is set to a
 *   NUL-terminated UTF-8 JSON string that the caller owns and frees with
 *   agentphone_string_free(): the result on AGENTPHONE_OK, otherwise the error object
 *     {"code": "not_found", "message": "...", "status": 404 or null, "apiCode": "..." or null,
 *      "details": ... or null, "requestId": "..." or null, "retryAfterMs": n or null,
 *      "retryable": true|false, "mayHaveSucceeded": true|false}
 *   The string is allocated with malloc(): the caller may edit it in place (truncate it,
 *   strtok it) before freeing it with agentphone_string_free(), which calls free().
 * - Result form: the server's JSON as received, with exactly these rewrites in place: a
 *   timestamp without an offset becomes RFC 3339 UTC, a message's sender is under "from_" and
 *   its recipient under "to", a null message body is "", and a list page without "total" gets
 *   "total": null. Nothing else is added or removed; key order is not significant.
 * - Errors: "retryable" is true when sending the same call again cannot act twice and may
 *   succeed (the library has already retried as far as maxRetries allows). "mayHaveSucceeded"
 *   is true when a POST (create, attach, and a raw POST through agentphone_request) failed with
 *   its outcome unknown: a timeout or a lost connection after it was sent, a 5xx, a 2xx that
 *   could not be decoded (not JSON, not the expected shape, too large), or a 409
 *   DELIVERY_UNCONFIRMED. It is also true when a retried delete (or release) met "not found"
 *   or "already released" after an attempt whose answer was lost: that attempt most likely
 *   did it; read the resource to be sure. The server may have acted (and billed): reconcile before sending it
 *   again, e.g. agentphone_numbers_list() and look for the number before creating another.
 * - Input: strings are borrowed for the call only, must be NUL-terminated UTF-8, and are never
 *   freed by the library. NULL request/query JSON means the API's defaults; a NULL client or id
 *   is AGENTPHONE_INVALID_ARGUMENT. Unknown JSON keys are refused (naming the key) before
 *   anything is sent, so a typo such as "agentID" never buys an unattached number.
 * - Client: agentphone_client_new() creates it, agentphone_client_free() frees it (NULL is
 *   fine). One client may be used from any number of threads at once and they share its
 *   keep-alive connection pool; agentphone_client_free() must not race with other calls on it.
 * - Static strings (agentphone_status_name, agentphone_version) are never freed.
 * - Callbacks (agentphone_calls_stream_transcript) are called on the calling thread, before the
 *   function returns, with strings borrowed for the duration of the callback only. Inside a
 *   callback, do not free the client it runs on (agentphone_client_free: a use after free
 *   when the callback returns); other calls on the same client, from the callback or other
 *   threads, are fine. A callback must return normally: a C++ exception thrown out of it
 *   terminates the process (it cannot unwind through the library), and longjmp() out of it is
 *   undefined behaviour (the library's locks, buffers and connection would be left behind).
 *   Catch inside the callback and return non-zero to stop instead. The receiver's callback
 *   (agentphone_receiver_new) is the exception to "the calling thread": it runs on the
 *   receiver's threads, several at once when "threads" > 1, while agentphone_receiver_run
 *   runs; the same rules hold, and its agentphone_reply is valid only during the call.
 * - Logging: agentphone_set_log_callback sends the library's records (a line each: requests,
 *   retries and why, receiver deliveries) to a callback, process-wide; AGENTPHONE_LOG=info in
 *   the environment writes them to stderr with no code change. The log callback runs on
 *   whichever thread made the record, several at once; it must return normally and must not
 *   call into the library. No record holds the API key or a webhook secret.
 * - Signals: the library never raises SIGPIPE. A server that closes the connection while a
 *   request is being written is AGENTPHONE_NETWORK_ERROR, whatever the program's SIGPIPE
 *   disposition (every socket write uses MSG_NOSIGNAL); the library installs no signal handler
 *   and changes no disposition.
 * - Request keys are the API's own: snake_case for messages and conversations, camelCase for
 *   everything else (numbers, agents, calls, contacts, webhooks).
 * - No panic crosses this boundary: a caught panic is AGENTPHONE_INTERNAL_ERROR.
 * - Retries are money-safe: a create is never sent again once it may have reached the server.
 *   GET and DELETE are retried after a failure to connect, a timeout, a lost connection, 408,
 *   429, 500, 502, 503 or 504; POST only when it never reached the server, or on 429. A
 *   refused TLS certificate is never retried.
 */


#ifndef AGENTPHONE_H
#define AGENTPHONE_H

/* Generated by cbindgen from src/ffi/: do not edit. Regenerate with `UPDATE_HEADER=1 cargo test --test header`. */

#include <stddef.h>
#include <stdint.h>

/* The version of this header; agentphone_version() and agentphone_version_number() give the
   library's, which may be newer at run time. */
#define AGENTPHONE_VERSION_MAJOR 0
#define AGENTPHONE_VERSION_MINOR 1
#define AGENTPHONE_VERSION_PATCH 0
#define AGENTPHONE_VERSION_STRING "0.1.0"
#define AGENTPHONE_VERSION_NUM \
  ((AGENTPHONE_VERSION_MAJOR << 16) | (AGENTPHONE_VERSION_MINOR << 8) | AGENTPHONE_VERSION_PATCH)
/* True when this header is version x.y.z or newer. */
#define AGENTPHONE_VERSION_AT_LEAST(x, y, z) \
  (AGENTPHONE_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))


/*
 The result of every call. The numbers are fixed forever and never reused.
 */
typedef enum agentphone_status {
  /*
   Success: `*out` holds the result JSON.
   */
  AGENTPHONE_OK = 0,
  /*
   NULL pointer, bad UTF-8, bad JSON, unknown key, value out of range: nothing was sent.
   */
  AGENTPHONE_INVALID_ARGUMENT = 1,
  /*
   The server answered 401 or 403.
   */
  AGENTPHONE_UNAUTHORIZED = 2,
  /*
   The server answered 404.
   */
  AGENTPHONE_NOT_FOUND = 3,
  /*
   The server answered 429, after the retries.
   */
  AGENTPHONE_RATE_LIMITED = 4,
  /*
   Any other non-2xx answer.
   */
  AGENTPHONE_API_ERROR = 5,
  /*
   DNS, connect, TLS, connection reset.
   */
  AGENTPHONE_NETWORK_ERROR = 6,
  /*
   The connect timeout or the per-attempt timeout expired.
   */
  AGENTPHONE_TIMEOUT = 7,
  /*
   A 2xx response that is not the documented shape, or larger than `maxResponseBytes`.
   */
  AGENTPHONE_DECODE_ERROR = 8,
  /*
   A bug, e.g. a caught panic; the process keeps running.
   */
  AGENTPHONE_INTERNAL_ERROR = 9,
  /*
   A webhook request whose signature or timestamp does not verify.
   */
  AGENTPHONE_SIGNATURE_INVALID = 10,
} agentphone_status;

/*
 A record's level. The numbers are fixed: a callback given `max_level` INFO gets ERROR, WARN
 and INFO records.
 */
typedef enum agentphone_log_level {
  /*
   No records.
   */
  AGENTPHONE_LOG_OFF = 0,
  /*
   Failures of the library itself.
   */
  AGENTPHONE_LOG_ERROR = 1,
  /*
   A failed attempt and what was decided (retrying in N ms, or not retried and why, for a
   write "may have succeeded"); a receiver's stop that cut callbacks off.
   */
  AGENTPHONE_LOG_WARN = 2,
  /*
   Each completed request (method, path, status, time, attempt k of n, request id); each
   delivery a receiver answered (its id, event, verdict, status).
   */
  AGENTPHONE_LOG_INFO = 3,
  /*
   A new or reused connection and the time to set it up (TCP and TLS), the proxy, the
   retry policy's inputs (Retry-After, backoff).
   */
  AGENTPHONE_LOG_DEBUG = 4,
  /*
   Request and response bodies (cut at 4 KiB) and full queries: they hold personal data
   (phone numbers, messages).
   */
  AGENTPHONE_LOG_TRACE = 5,
} agentphone_log_level;

/*
 An API client: an opaque handle for C. Create with [`agentphone_client_new`], free with
 [`agentphone_client_free`].
 */
typedef struct agentphone_client agentphone_client;

/*
 A webhook receiver: an opaque handle for C. Create with [`agentphone_receiver_new`], serve
 with [`agentphone_receiver_run`], free with [`agentphone_receiver_free`].
 */
typedef struct agentphone_receiver agentphone_receiver;

/*
 What a voice turn's callback answers with: an opaque handle, valid only inside the callback
 it is given to.
 */
typedef struct agentphone_reply agentphone_reply;

/*
 Called for each event of [`agentphone_calls_stream_transcript`] with
 `{"event": "connected" | "turn" | "ended" | ..., "data": {...}}` (the string is borrowed for
 the call only: copy what you keep, do not free it) and the `user_data` given. Return 0 to go
 on, anything else to stop.
 */
typedef int (*agentphone_event_callback)(const char *event_json, void *user_data);

/*
 Called for each record taken: `level` is the record's, `line` (NUL-terminated UTF-8, no
 newline) is borrowed for the call, `user_data` is the pointer given with the callback.
 Called on the thread that made the record, possibly on several threads at once (a client
 used from many threads, a receiver's threads): the callback guards what it shares. It must
 return normally (no C++ exception, no longjmp) and must not call into the library.
 */
typedef void (*agentphone_log_callback)(enum agentphone_log_level level,
                                        const char *line,
                                        void *user_data);

/*
 Called once for each verified event that is not a duplicate, on one of the receiver's
 threads (several at once when `threads` > 1). `event_json` is
 `{"webhookId": <X-Webhook-ID, or null>, "timestamp": <X-Webhook-Timestamp as a number>,
 "body": <the request body as received>}`, borrowed for the call. `reply` is non-NULL only
 for a voice turn (`agent.message` on the `voice` channel) and valid until the callback
 returns. Return 0 when the event is handled: the receiver answers 2xx and remembers it. Any
 other value: it answers 500 and forgets it, so the API delivers it again later.
 */
typedef int (*agentphone_receiver_callback)(const char *event_json,
                                            struct agentphone_reply *reply,
                                            void *user_data);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/*
 The library's version, e.g. `"0.1.0"` (the crate version). The string is static: do not
 free it.
 */
const char *agentphone_version(void);

/*
 The library's version as a number, `(major << 16) | (minor << 8) | patch`: the same formula
 as `AGENTPHONE_VERSION_NUM` in the header, so a program can compare the library it runs
 with the header it was built against.
 */
uint32_t agentphone_version_number(void);

/*
 Attaches a number to an agent (`POST /v1/agents/{agentId}/numbers`). On `AGENTPHONE_OK`,
 `*out` is the server's JSON object, e.g. `{"agentId", "number": {...}}`.

 # Safety
 `client` is a live handle; `agent_id` and `number_id` are NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_agents_attach_number(const struct agentphone_client *client,
                                                       const char *agent_id,
                                                       const char *number_id,
                                                       char **out);

/*
 Detaches a number from an agent (`DELETE /v1/agents/{agentId}/numbers/{numberId}`). On
 `AGENTPHONE_OK`, `*out` is the server's JSON object (`{}` for an empty body).

 # Safety
 As [`agentphone_agents_attach_number`].
 */
enum agentphone_status agentphone_agents_detach_number(const struct agentphone_client *client,
                                                       const char *agent_id,
                                                       const char *number_id,
                                                       char **out);

/*
 Lists agents (`GET /v1/agents`). `query_json`: NULL or `{"limit": 1..100, "offset": n}`. On
 `AGENTPHONE_OK`, `*out` is `{"data": [...], "total": n}` (some servers add `hasMore`).

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_agents_list(const struct agentphone_client *client,
                                              const char *query_json,
                                              char **out);

/*
 Creates an agent (`POST /v1/agents`; never sent twice once it may have reached the server).
 `request_json`: `{"name": "..."}` (required) and any of the API's camelCase settings:
 `description`, `voiceMode`, `modelTier`, `systemPrompt`, `beginMessage`, `voice`,
 `transferNumber`, `voicemailMessage`, `sttMode`, `ambientSound`, `denoisingMode`,
 `maxSilenceMs` (10000 to 3600000), `voiceSpeed` (0.5 to 2.0), `interruptionSensitivity`
 (0 to 1), `enableMessaging`, `enableBackchannel`, `language`, `customTools` (at most 20:
 `name` (at most 64 characters), `url`, `description`, `method`, `headers`, `parameters`,
 `timeoutMs` 1000 to 120000), `callScreeningIdentity`, `callScreeningPurpose`. On
 `AGENTPHONE_OK`, `*out` is the agent.

 # Safety
 `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_agents_create(const struct agentphone_client *client,
                                                const char *request_json,
                                                char **out);

/*
 Reads an agent with its attached numbers (`GET /v1/agents/{id}`). On `AGENTPHONE_OK`,
 `*out` is the agent.

 # Safety
 `client` is a live handle; `agent_id` is NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_agents_get(const struct agentphone_client *client,
                                             const char *agent_id,
                                             char **out);

/*
 Updates an agent (`PATCH /v1/agents/{id}`): `request_json` holds the settings to change,
 with the keys of [`agentphone_agents_create`]; `customTools` replaces the whole set. On
 `AGENTPHONE_OK`, `*out` is the agent.

 # Safety
 `client` is a live handle; `agent_id` is NUL-terminated; `request_json` is NULL or
 NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_agents_update(const struct agentphone_client *client,
                                                const char *agent_id,
                                                const char *request_json,
                                                char **out);

/*
 Deletes an agent (`DELETE /v1/agents/{id}`; irreversible, its numbers stay, unattached). On
 `AGENTPHONE_OK`, `*out` is `{"success", "id", "name"}`.

 # Safety
 As [`agentphone_agents_get`].
 */
enum agentphone_status agentphone_agents_delete(const struct agentphone_client *client,
                                                const char *agent_id,
                                                char **out);

/*
 Lists an agent's calls (`GET /v1/agents/{id}/calls`). `query_json`: NULL or
 `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
 `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 As [`agentphone_agents_update`], with `query_json` for `request_json`.
 */
enum agentphone_status agentphone_agents_calls(const struct agentphone_client *client,
                                               const char *agent_id,
                                               const char *query_json,
                                               char **out);

/*
 Lists an agent's conversations (`GET /v1/agents/{id}/conversations`). `query_json`: NULL or
 `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
 `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 As [`agentphone_agents_calls`].
 */
enum agentphone_status agentphone_agents_conversations(const struct agentphone_client *client,
                                                       const char *agent_id,
                                                       const char *query_json,
                                                       char **out);

/*
 The voice catalogue (`GET /v1/agents/voices`). On `AGENTPHONE_OK`, `*out` is the server's
 JSON as received: `{"data": [{"voice_id", "voice_name", ...}]}` (or a bare list).

 # Safety
 `client` is a live handle; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_agents_voices(const struct agentphone_client *client, char **out);

/*
 Frees a string returned by this library, with `free()`: the string may have been edited
 in place (truncated, tokenized) first. NULL is fine. Each string must be freed once.

 # Safety
 `s` is NULL or a string from this library that was not freed yet.
 */
void agentphone_string_free(char *s);

/*
 Lists calls, newest first (`GET /v1/calls`). `query_json`: NULL or an object with `limit`
 (1 to 100), `offset`, `status`, `direction`, `type`, `search`. On `AGENTPHONE_OK`, `*out` is
 `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_calls_list(const struct agentphone_client *client,
                                             const char *query_json,
                                             char **out);

/*
 Places an outbound call (`POST /v1/calls`; **billed per minute, a phone rings**; never sent
 twice once it may have reached the server). `request_json`: `agentId` and `toNumber`
 (E.164) required; `fromNumberId`, `initialGreeting`, `voice`, `systemPrompt`, `modelTier`,
 `variables` (string to string), `disableRecording`, `callScreeningIdentity`,
 `callScreeningPurpose`, `waitForCompletion` (hold the request until the call ends) with
 `maxWaitSeconds` (10 to 600): the request's own timeout is then the wait (600 s when not
 given) plus 30 s, whatever the client's `timeoutMs`, and a timeout after sending says
 `mayHaveSucceeded` (the call was placed). On `AGENTPHONE_OK`, `*out` is the call.

 # Safety
 `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_calls_create(const struct agentphone_client *client,
                                               const char *request_json,
                                               char **out);

/*
 Reads a call with its transcript so far (`GET /v1/calls/{id}`). `query_json`: NULL, or
 `{"wait": true, "timeout": 10..300}` to hold the request until the call ends (at most
 `timeout` seconds, default 120); the request's own timeout is then the wait plus 30 s,
 whatever the client's `timeoutMs`. On `AGENTPHONE_OK`, `*out` is the call (check its
 `status`: the wait may run out first).

 # Safety
 `client` is a live handle; `call_id` is NUL-terminated; `query_json` is NULL or
 NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_calls_get(const struct agentphone_client *client,
                                            const char *call_id,
                                            const char *query_json,
                                            char **out);

/*
 Hangs up (`POST /v1/calls/{id}/end`; retried like a read: ending twice changes nothing). On
 `AGENTPHONE_OK`, `*out` is the call; its status changes shortly after.

 # Safety
 `client` is a live handle; `call_id` is NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_calls_end(const struct agentphone_client *client,
                                            const char *call_id,
                                            char **out);

/*
 The full transcript of a call (`GET /v1/calls/{id}/transcript`). On `AGENTPHONE_OK`,
 `*out` is the server's JSON as received.

 # Safety
 As [`agentphone_calls_end`].
 */
enum agentphone_status agentphone_calls_transcript(const struct agentphone_client *client,
                                                   const char *call_id,
                                                   char **out);

/*
 Follows a call's transcript live (`GET /v1/calls/{id}/transcript/stream`, server-sent
 events), calling `callback` for each event: the turns so far are replayed, then each new
 one, then `ended`. Returns when `ended` arrives, when the server closes the stream, or when
 the callback returns non-zero. On `AGENTPHONE_OK`, `*out` is
 `{"events": n, "ended": true|false, "stopped": true|false}` (`stopped`: by the callback).

 Blocks for as long as the call lasts; 45 s without a byte (the server sends a heartbeat
 every 15 s) is `AGENTPHONE_TIMEOUT`. The stream is never reopened once events flowed.

 # Safety
 `client` is a live handle; `call_id` is NUL-terminated; `callback` is NULL (refused) or a
 function that may be called from this thread until this function returns; `user_data` is
 passed to it untouched; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_calls_stream_transcript(const struct agentphone_client *client,
                                                          const char *call_id,
                                                          agentphone_event_callback callback,
                                                          void *user_data,
                                                          char **out);

/*
 Downloads a call's recording (`GET /v1/calls/{id}/recording`) into the file `path`,
 streamed to a temporary file beside it that is renamed over `path` once complete and on
 disk: a failed download never leaves a partial file (an existing file at `path` is replaced
 only on success). At most the client's `maxRecordingBytes` (default 1 GiB; never held in
 memory). A new file is created mode `0600` whatever the umask (call audio is personal
 data); a file it replaces keeps its permission bits; a symbolic link at `path` is replaced
 by the file, its target left unwritten. On `AGENTPHONE_OK`, `*out` is
 `{"path", "contentType", "bytes"}`. A call without a recording is `AGENTPHONE_NOT_FOUND`; a
 recording over the limit is `AGENTPHONE_DECODE_ERROR`; a path that cannot be written is
 `AGENTPHONE_INVALID_ARGUMENT` naming it (before anything is sent when the temporary file
 cannot be created).

 # Safety
 `client` is a live handle; `call_id` and `path` are NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_calls_recording_save(const struct agentphone_client *client,
                                                       const char *call_id,
                                                       const char *path,
                                                       char **out);

/*
 Creates a client from a JSON config object (or NULL for all defaults).

 Keys, all optional: `apiKey` (else `AGENTPHONE_API_KEY`), `baseUrl` (else `AGENTPHONE_BASE_URL`,
 else `https://api.agentphone.ai`; http only for loopback hosts), `timeoutMs` (per attempt,
 default 30000), `connectTimeoutMs` (default 10000), `maxRetries` (default 2, at most 10),
 `subAccountId`, `maxResponseBytes` (default 16 MiB: the largest JSON answer, and the largest
 event of a transcript stream), `maxRecordingBytes` (default 1 GiB, at most 64 GiB: the
 largest recording `agentphone_calls_recording_save` streams to its file), `userAgent` (appended to
 `agentphone-rust/<version>`), `retryBaseDelayMs` and `retryMaxDelayMs` (the first retry
 delay, doubling up to the cap: default 500 and 8000, cap at most 60000),
 `maxIdleConnectionsPerHost` (keep-alive connections kept, default 16: at least the number
 of threads sharing the client), `tlsRoots` (`"bundled"`: Mozilla's roots built in, the
 default; `"system"`: the platform's verifier and CA store), `caFile` (a PEM file whose
 certificates are trusted **instead of** the `tlsRoots` set; else `AGENTPHONE_CA_FILE`; a
 missing, unreadable or empty file is `AGENTPHONE_INVALID_ARGUMENT` naming it).

 On success returns `AGENTPHONE_OK`, stores the client in `*client_out` and sets `*error_out`
 to NULL. Otherwise returns `AGENTPHONE_INVALID_ARGUMENT` (no key anywhere, an empty key, a bad
 URL, plain http to a non-loopback host, a negative or absurd number, an unknown key, bad
 JSON), sets `*client_out` to NULL and `*error_out` to the error JSON, which the caller frees
 with `agentphone_string_free`. `error_out` may be NULL when the caller does not want the
 details. Sends nothing.

 # Safety
 `config_json` is NULL or a NUL-terminated string; `client_out` points to writable storage for
 one pointer; `error_out` is NULL or does.
 */
enum agentphone_status agentphone_client_new(const char *config_json,
                                             struct agentphone_client **client_out,
                                             char **error_out);

/*
 Frees a client and closes its connections. NULL does nothing. Must not race with other calls
 on the same client, and the handle must not be used afterwards.

 # Safety
 `client` is NULL or a pointer from `agentphone_client_new` that was not freed yet.
 */
void agentphone_client_free(struct agentphone_client *client);

/*
 Lists contacts (`GET /v1/contacts`). `query_json`: NULL or `{"limit": 1..100, "offset": n,
 "search": "..."}`. On `AGENTPHONE_OK`, `*out` is `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_contacts_list(const struct agentphone_client *client,
                                                const char *query_json,
                                                char **out);

/*
 Adds a contact (`POST /v1/contacts`): `request_json` is `{"phoneNumber", "name"}` (required)
 and optionally `email`, `notes`. A number already in the address book is `AGENTPHONE_API_ERROR`
 with `"status": 409`, never retried. On `AGENTPHONE_OK`, `*out` is the contact.

 # Safety
 `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_contacts_create(const struct agentphone_client *client,
                                                  const char *request_json,
                                                  char **out);

/*
 Reads a contact (`GET /v1/contacts/{id}`).

 # Safety
 `client` is a live handle; `contact_id` is NUL-terminated; `out` points to writable storage
 for one pointer.
 */
enum agentphone_status agentphone_contacts_get(const struct agentphone_client *client,
                                               const char *contact_id,
                                               char **out);

/*
 Changes a contact (`PATCH /v1/contacts/{id}`): `request_json` holds the fields to change
 (`phoneNumber`, `name`, `email`, `notes`). On `AGENTPHONE_OK`, `*out` is the contact.

 # Safety
 `client` is a live handle; `contact_id` is NUL-terminated; `request_json` is NULL or
 NUL-terminated; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_contacts_update(const struct agentphone_client *client,
                                                  const char *contact_id,
                                                  const char *request_json,
                                                  char **out);

/*
 Removes a contact (`DELETE /v1/contacts/{id}`). On `AGENTPHONE_OK`, `*out` is `{}`.

 # Safety
 `client` is a live handle; `contact_id` is NUL-terminated; `out` points to writable storage
 for one pointer.
 */
enum agentphone_status agentphone_contacts_delete(const struct agentphone_client *client,
                                                  const char *contact_id,
                                                  char **out);

/*
 Whether a number can receive iMessage and SMS (`GET /v1/contacts/capabilities`; a live
 check). `query_json`: `{"phone_number": "+1..."}` (required, E.164; sent as `%2B1...`). On
 `AGENTPHONE_OK`, `*out` is `{"phoneNumber", "capabilities": {"imessage", "sms"}, "checkedAt"}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_contacts_capabilities(const struct agentphone_client *client,
                                                        const char *query_json,
                                                        char **out);

/*
 Lists conversations, newest activity first (`GET /v1/conversations`). `query_json`: NULL or
 `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
 `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_conversations_list(const struct agentphone_client *client,
                                                     const char *query_json,
                                                     char **out);

/*
 Reads a conversation with its recent messages (`GET /v1/conversations/{id}`). `query_json`:
 NULL or `{"message_limit": 1..200}` (default 50). On `AGENTPHONE_OK`, `*out` is the
 conversation, with `messages` newest first (each with `fromNumber` and `toNumber`).

 # Safety
 `client` is a live handle; `conversation_id` is NUL-terminated; `query_json` is NULL or
 NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_conversations_get(const struct agentphone_client *client,
                                                    const char *conversation_id,
                                                    const char *query_json,
                                                    char **out);

/*
 Updates a conversation (`PATCH /v1/conversations/{id}`): `request_json` is
 `{"metadata": {...}}` (replaces it; `{}` clears it) and/or `{"group_name": "..."}`. On
 `AGENTPHONE_OK`, `*out` is the conversation.

 # Safety
 As [`agentphone_conversations_get`].
 */
enum agentphone_status agentphone_conversations_update(const struct agentphone_client *client,
                                                       const char *conversation_id,
                                                       const char *request_json,
                                                       char **out);

/*
 Reads one page of a conversation's messages, newest first
 (`GET /v1/conversations/{id}/messages`). `query_json`: NULL or an object with `limit`
 (1 to 200), `before`, `after` (ISO 8601). On `AGENTPHONE_OK`, `*out` is
 `{"data": [...], "hasMore": b}`.

 # Safety
 As [`agentphone_conversations_get`].
 */
enum agentphone_status agentphone_conversations_messages(const struct agentphone_client *client,
                                                         const char *conversation_id,
                                                         const char *query_json,
                                                         char **out);

/*
 Shows a typing indicator in a conversation (`POST /v1/conversations/{id}/typing`; iMessage,
 best effort). On `AGENTPHONE_OK`, `*out` is `{"conversationId", "channel", "status"}`.

 # Safety
 `client` is a live handle; `conversation_id` is NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_conversations_typing(const struct agentphone_client *client,
                                                       const char *conversation_id,
                                                       char **out);

/*
 Sends the library's records up to `max_level` to `callback`, process-wide and at once, for
 every client and receiver, on any thread; records above `max_level` are not even formatted.
 A NULL `callback` (or `AGENTPHONE_LOG_OFF`) restores the default sink: standard error when
 the environment variable `AGENTPHONE_LOG` is `warn`, `info`, `debug` or `trace` (read once,
 at the first client or receiver), else nothing. When this returns, the callback it replaced
 is no longer running and is never called again, so its `user_data` may be freed. No record
 holds the API key, the Authorization header, a webhook secret or a proxy's credentials;
 below TRACE, query values are elided (`?phoneNumbers=…`).

 `max_level` must be one of the enum's values.

 # Safety
 `callback` is NULL or a function that may be called as its type says, from any thread,
 until this function is called again.
 */
void agentphone_set_log_callback(enum agentphone_log_level max_level,
                                 agentphone_log_callback callback,
                                 void *user_data);

/*
 Sends an SMS, MMS or iMessage (`POST /v1/messages`; **billed, seen by a person**).
 `request_json`: an object with the API's keys: `body` (required, may be empty), exactly one
 of `to_number` or `recipients` (2 or more), and optionally `agent_id`, `number_id`,
 `from_number`, `media_urls` (at most 20), `media_url`, `send_style`, `reply_to_message_id`.
 On `AGENTPHONE_OK`, `*out` is `{"id", "status", "channel", "from_number", "to_number",
 "conversation_id", ...}`.

 Never sent twice once it may have reached the server: when the error JSON says
 `"mayHaveSucceeded": true`, the message may have gone out; look at the conversation before
 sending it again.

 # Safety
 `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_messages_send(const struct agentphone_client *client,
                                                const char *request_json,
                                                char **out);

/*
 Reacts to a message with an iMessage tapback (`POST /v1/messages/{id}/reactions`; seen by a
 person, never sent twice). `request_json`: `{"reaction": "love"}` (`like`, `dislike`,
 `laugh`, `emphasize`, `question`, or an emoji). On `AGENTPHONE_OK`, `*out` is
 `{"id", "reaction_type", "message_id", "channel"}`.

 # Safety
 `client` is a live handle; `message_id` is NUL-terminated; `request_json` is NULL or
 NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_messages_react(const struct agentphone_client *client,
                                                 const char *message_id,
                                                 const char *request_json,
                                                 char **out);

/*
 Provisions a number (`POST /v1/numbers`; **billed**). `request_json`: NULL or an object with
 `country`, `agentId`, `areaCode`, `type`, `imessageType`, `externalId`, `expiresAt`.
 On `AGENTPHONE_OK`, `*out` is the number object.

 Never retried once the request may have reached the server: after a timeout or a 5xx the
 number may exist, so list before creating again.

 # Safety
 `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_numbers_create(const struct agentphone_client *client,
                                                 const char *request_json,
                                                 char **out);

/*
 Lists numbers (`GET /v1/numbers`). `query_json`: NULL or an object with `limit` (1 to 100)
 and `offset` (>= 0). On `AGENTPHONE_OK`, `*out` is `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 As [`agentphone_numbers_create`].
 */
enum agentphone_status agentphone_numbers_list(const struct agentphone_client *client,
                                               const char *query_json,
                                               char **out);

/*
 Gets one number, in any status (`GET /v1/numbers/{id}`). On `AGENTPHONE_OK`, `*out` is the
 number object.

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_numbers_get(const struct agentphone_client *client,
                                              const char *number_id,
                                              char **out);

/*
 Releases a number (`DELETE /v1/numbers/{id}`; irreversible, messages are kept). On
 `AGENTPHONE_OK`, `*out` is the server's JSON object (`{}` for an empty body).

 # Safety
 As [`agentphone_numbers_get`].
 */
enum agentphone_status agentphone_numbers_release(const struct agentphone_client *client,
                                                  const char *number_id,
                                                  char **out);

/*
 Reads one page of a number's messages, newest first (`GET /v1/numbers/{id}/messages`).
 `query_json`: NULL or an object with `limit` (1 to 200), `before`, `after` (ISO 8601). On
 `AGENTPHONE_OK`, `*out` is `{"data": [...], "hasMore": b}`, each message with the sender
 under `from_` and the recipient under `to`.

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `query_json` is NULL or
 NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_numbers_messages(const struct agentphone_client *client,
                                                   const char *number_id,
                                                   const char *query_json,
                                                   char **out);

/*
 Lists a number's calls, newest first (`GET /v1/numbers/{id}/calls`). `query_json`: NULL or
 `{"limit": 1..100, "offset": n}`. On `AGENTPHONE_OK`, `*out` is
 `{"data": [...], "hasMore": b, "total": n}`.

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `query_json` is NULL or
 NUL-terminated; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_numbers_calls(const struct agentphone_client *client,
                                                const char *number_id,
                                                const char *query_json,
                                                char **out);

/*
 Sets a number's own reference or expiry (`PATCH /v1/numbers/{id}`): `request_json` is
 `{"externalId", "expiresAt"}`. **An `expiresAt` schedules an automatic release** of the
 number at that time, irreversibly. On `AGENTPHONE_OK`, `*out` is the number.

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `request_json` is NULL or
 NUL-terminated; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_numbers_update(const struct agentphone_client *client,
                                                 const char *number_id,
                                                 const char *request_json,
                                                 char **out);

/*
 Numbers that can be bought (`GET /v1/numbers/available`). `query_json`: NULL or an object
 with `areaCode`, `city`, `state`, `zip`, `country`, `limit` (1 to 100). On `AGENTPHONE_OK`,
 `*out` is `{"data": [{"phoneNumber", "city", "state", "rateCenter", "areaCode"}]}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_numbers_available(const struct agentphone_client *client,
                                                    const char *query_json,
                                                    char **out);

/*
 Line type, country and RCS support (`GET /v1/numbers/lookup`). `query_json`:
 `{"phoneNumbers": ["+1...", ...]}` (1 to 25, E.164). On `AGENTPHONE_OK`, `*out` is
 `{"data": [{"phoneNumber", "lineType", "country", "rcsEnabled"}]}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_numbers_lookup(const struct agentphone_client *client,
                                                 const char *query_json,
                                                 char **out);

/*
 A number's iMessage contact card (`GET /v1/numbers/{id}/contact-card`). On `AGENTPHONE_OK`,
 `*out` is `{"firstName", "lastName", "displayName", "hasAvatar"}`.

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `out` points to writable storage
 for one pointer.
 */
enum agentphone_status agentphone_numbers_contact_card_get(const struct agentphone_client *client,
                                                           const char *number_id,
                                                           char **out);

/*
 Creates or replaces a number's contact card (`PUT /v1/numbers/{id}/contact-card`):
 `request_json` is `{"firstName", "lastName"}` (required) and optionally `displayName`,
 `avatarUrl`.

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `request_json` is NULL or
 NUL-terminated; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_numbers_contact_card_set(const struct agentphone_client *client,
                                                           const char *number_id,
                                                           const char *request_json,
                                                           char **out);

/*
 Removes a number's contact card (`DELETE /v1/numbers/{id}/contact-card`).

 # Safety
 `client` is a live handle; `number_id` is NUL-terminated; `out` points to writable storage
 for one pointer.
 */
enum agentphone_status agentphone_numbers_contact_card_delete(const struct agentphone_client *client,
                                                              const char *number_id,
                                                              char **out);

/*
 Sends a request to any endpoint, for those without a typed function, on the same path as
 the typed ones (the key, the sub-account header, timeouts, the size limit, the error JSON,
 the retry policy by method: GET, PUT, PATCH and DELETE like a read; POST never sent again
 once it may have reached the server, with `"mayHaveSucceeded": true` when its outcome is
 unknown).

 `method` is `GET`, `POST`, `PUT`, `PATCH` or `DELETE`. `path_and_query` is relative to
 the base URL, e.g. `"/v1/usage/daily?days=7"`, and can never leave it: it starts with
 `/`, and a scheme, host, `//`, a `.` or `..` segment (encoded or not), a backslash, a
 fragment, a control character, a space or a non-ASCII character is
 `AGENTPHONE_INVALID_ARGUMENT` with nothing sent. The query is passed as given: encode its
 values (`+` as `%2B`); it must be validly percent-encoded. `body_json` is NULL or any JSON
 value (a GET takes none).

 On `AGENTPHONE_OK`, `*out` is the answer's JSON as received (`null` for an empty answer); a
 2xx answer that is not JSON is `AGENTPHONE_DECODE_ERROR` naming its content type.

 # Safety
 `client` is a live handle; `method` and `path_and_query` are NUL-terminated; `body_json` is
 NULL or NUL-terminated; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_request(const struct agentphone_client *client,
                                          const char *method,
                                          const char *path_and_query,
                                          const char *body_json,
                                          char **out);

/*
 Creates a receiver from a JSON config object and binds its address; it takes deliveries
 once [`agentphone_receiver_run`] runs.

 Keys (unknown keys refused, naming them): `secret` (required, or
 `AGENTPHONE_WEBHOOK_SECRET`), `listen` (default `"127.0.0.1:8080"`; port 0 picks a free one;
 `"[::1]:8080"` for IPv6), `path` (default `"/webhook"`), `toleranceSeconds` (300),
 `threads` (callbacks at once, default 8, 1 to 1024), `maxBodyBytes` (default 1 MiB: over it,
 413 before the body is read), `readTimeoutMs` (10000: a request must arrive whole within
 it, and an idle keep-alive connection is closed after it), `dedupe` (`{"capacity": 100000,
 "ttlSeconds": 90000}` by default; `false` hands every delivery over), `drainTimeoutMs`
 (10000: how long a stop waits for callbacks under way), `tlsCertFile` and `tlsKeyFile` (both
 or neither: PEM files of the certificate chain, leaf first, and its private key; the
 receiver then serves HTTPS, TLS 1.2 and 1.3, and its URL is `https://...`; the files are
 read here, so a missing or mismatched one is an error naming the key).

 `on_event` must not be NULL; `user_data` is passed to it untouched. On success returns
 `AGENTPHONE_OK`, stores the receiver in `*out_receiver` and sets `*error` to NULL; otherwise
 `*out_receiver` is NULL and `*error` the error JSON (free it with `agentphone_string_free`;
 `error` may be NULL). An address already in use is `AGENTPHONE_NETWORK_ERROR`.

 # Safety
 `config_json` is NULL or NUL-terminated; `on_event` is NULL or a function that may be called
 from the receiver's threads until `agentphone_receiver_run` returns; `out_receiver` points to
 writable storage for one pointer; `error` is NULL or does.
 */
enum agentphone_status agentphone_receiver_new(const char *config_json,
                                               agentphone_receiver_callback on_event,
                                               void *user_data,
                                               struct agentphone_receiver **out_receiver,
                                               char **error);

/*
 The URL to register with `agentphone_webhooks_set`, e.g.
 `"http://127.0.0.1:41234/webhook"` (behind a proxy or tunnel, register its public URL
 instead). Owned by the receiver: valid until it is freed; do not free it. NULL for a NULL
 receiver.

 # Safety
 `receiver` is NULL or a live handle from `agentphone_receiver_new`.
 */
const char *agentphone_receiver_url(const struct agentphone_receiver *receiver);

/*
 Serves until [`agentphone_receiver_stop`]: calls `on_event` for each new verified event.
 `*out` is always set: `"{}"` after a stop (also when the drain timed out), else the error
 JSON. One run at a time per receiver. When the drain timed out, a callback still under way
 goes on after this returns (a thread cannot be stopped from outside): keep what it uses
 (`user_data`) alive until it returns, e.g. with a counter of callbacks under way.

 # Safety
 `receiver` is a live handle from `agentphone_receiver_new`, not freed during the run; `out`
 points to writable storage for one pointer.
 */
enum agentphone_status agentphone_receiver_run(struct agentphone_receiver *receiver, char **out);

/*
 Asks a running receiver to stop: it stops taking deliveries, lets the callbacks under way
 finish (up to `drainTimeoutMs`), and `agentphone_receiver_run` returns. From any thread,
 and from a signal handler (it is one atomic store). NULL does nothing.

 # Safety
 `receiver` is NULL or a live handle.
 */
void agentphone_receiver_stop(struct agentphone_receiver *receiver);

/*
 Frees a receiver and closes its listening socket. NULL does nothing. Not during
 `agentphone_receiver_run`.

 # Safety
 `receiver` is NULL or a handle from `agentphone_receiver_new` not freed yet, and not running.
 */
void agentphone_receiver_free(struct agentphone_receiver *receiver);

/*
 Sets what the caller hears after this voice turn (the last call counts). Only inside the
 callback that got `reply`.

 # Safety
 `reply` is NULL or the handle given to the callback under way; `text` is NULL (refused) or
 NUL-terminated.
 */
enum agentphone_status agentphone_reply_say(struct agentphone_reply *reply, const char *text);

/*
 Says this at once, before the callback returns, as an NDJSON line
 `{"text": ..., "interim": true}` (the answer becomes `application/x-ndjson`, chunked): "One
 moment..." while the program works. `AGENTPHONE_NETWORK_ERROR` when the connection is gone.

 # Safety
 As [`agentphone_reply_say`].
 */
enum agentphone_status agentphone_reply_interim(struct agentphone_reply *reply, const char *text);

/*
 Hangs up after the text.

 # Safety
 `reply` is NULL or the handle given to the callback under way.
 */
enum agentphone_status agentphone_reply_hangup(struct agentphone_reply *reply);

/*
 Transfers the call after the text (`"action": "transfer"`: to the agent's transfer number).

 # Safety
 `reply` is NULL or the handle given to the callback under way.
 */
enum agentphone_status agentphone_reply_transfer(struct agentphone_reply *reply);

/*
 The name of a status: `"OK"`, `"INVALID_ARGUMENT"`, ..., `"INTERNAL_ERROR"`, or `"UNKNOWN"`
 for any other value. The string is static: do not free it.
 */
const char *agentphone_status_name(int status);

/*
 The account's plan, limits and counters (`GET /v1/usage`).

 # Safety
 `client` is a live handle; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_usage_get(const struct agentphone_client *client, char **out);

/*
 Usage per day (`GET /v1/usage/daily`). `query_json`: NULL or `{"days": 1..365}` (default 30).
 On `AGENTPHONE_OK`, `*out` is `{"data": [{"date", "messages", "calls", "webhooks"}], "days"}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_usage_daily(const struct agentphone_client *client,
                                              const char *query_json,
                                              char **out);

/*
 Usage per month (`GET /v1/usage/monthly`). `query_json`: NULL or `{"months": 1..120}`
 (default 6).

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_usage_monthly(const struct agentphone_client *client,
                                                const char *query_json,
                                                char **out);

/*
 Usage per number (`GET /v1/usage/by-number`).

 # Safety
 `client` is a live handle; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_usage_by_number(const struct agentphone_client *client,
                                                  char **out);

/*
 Usage per agent (`GET /v1/usage/by-agent`). `query_json`: NULL or `{"period": "week" |
 "month" | "year", "tz": "Europe/Paris"}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` points to writable
 storage for one pointer.
 */
enum agentphone_status agentphone_usage_by_agent(const struct agentphone_client *client,
                                                 const char *query_json,
                                                 char **out);

/*
 Reads the project's webhook (`GET /v1/webhooks`). On `AGENTPHONE_OK`, `*out` is the webhook
 (`{"id", "url", "secret", "status", "contextLimit", "timeout", "createdAt"}`), or `null`
 when none is set.

 # Safety
 `client` is a live handle; `out` points to writable storage for one pointer.
 */
enum agentphone_status agentphone_webhooks_get(const struct agentphone_client *client, char **out);

/*
 Sets the project's webhook (`POST /v1/webhooks`). `request_json`: `{"url": "https://..."}`
 (required; at most 2083 characters), `contextLimit` (0 to 50), `timeout` (5 to 120 s).
 On `AGENTPHONE_OK`, `*out` is the webhook with its `secret`.

 **Each call generates a new secret** and the old one stops verifying: never sent twice
 once it may have reached the server. On `"mayHaveSucceeded": true`, read the webhook back
 with [`agentphone_webhooks_get`] for the secret in force.

 # Safety
 `client` is a live handle; `request_json` is NULL or NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_webhooks_set(const struct agentphone_client *client,
                                               const char *request_json,
                                               char **out);

/*
 Removes the project's webhook (`DELETE /v1/webhooks`). On `AGENTPHONE_OK`, `*out` is the
 server's JSON (`{}` for an empty answer).

 # Safety
 As [`agentphone_webhooks_get`].
 */
enum agentphone_status agentphone_webhooks_delete(const struct agentphone_client *client,
                                                  char **out);

/*
 Sends a synthetic `agent.message` to the project's webhook (`POST /v1/webhooks/test`;
 reaches your endpoint, never sent twice). `request_json`: NULL, or any of `from`, `to`,
 `message`, `channel`. On `AGENTPHONE_OK`, `*out` is the server's report
 (`{"success", "httpStatus", "errorMessage"}`).

 # Safety
 As [`agentphone_webhooks_set`].
 */
enum agentphone_status agentphone_webhooks_test(const struct agentphone_client *client,
                                                const char *request_json,
                                                char **out);

/*
 Reads the delivery log (`GET /v1/webhooks/deliveries`). `query_json`: NULL or an object
 with `limit` (1 to 100), `offset`, `hours`. On `AGENTPHONE_OK`, `*out` is
 `{"items": [...], "total", "offset", "limit"}`.

 # Safety
 `client` is a live handle; `query_json` is NULL or NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_webhooks_deliveries(const struct agentphone_client *client,
                                                      const char *query_json,
                                                      char **out);

/*
 Reads an agent's webhook (`GET /v1/agents/{id}/webhook`); `*out` is `null` when none is set.

 # Safety
 `client` is a live handle; `agent_id` is NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_agents_webhook_get(const struct agentphone_client *client,
                                                     const char *agent_id,
                                                     char **out);

/*
 Sets an agent's webhook (`POST /v1/agents/{id}/webhook`), which takes precedence over the
 project's for that agent's events. `request_json` as [`agentphone_webhooks_set`], and so
 is the hazard: **a new secret each time**, never sent twice.

 # Safety
 `client` is a live handle; `agent_id` is NUL-terminated; `request_json` is NULL or
 NUL-terminated; `out` as above.
 */
enum agentphone_status agentphone_agents_webhook_set(const struct agentphone_client *client,
                                                     const char *agent_id,
                                                     const char *request_json,
                                                     char **out);

/*
 Removes an agent's webhook (`DELETE /v1/agents/{id}/webhook`).

 # Safety
 As [`agentphone_agents_webhook_get`].
 */
enum agentphone_status agentphone_agents_webhook_delete(const struct agentphone_client *client,
                                                        const char *agent_id,
                                                        char **out);

/*
 Sends a test event to an agent's webhook (`POST /v1/agents/{id}/webhook/test`).

 # Safety
 As [`agentphone_agents_webhook_get`].
 */
enum agentphone_status agentphone_agents_webhook_test(const struct agentphone_client *client,
                                                      const char *agent_id,
                                                      char **out);

/*
 Verifies a received webhook request; needs no client.

 `signature_header` and `timestamp_header` are the `X-Webhook-Signature` and
 `X-Webhook-Timestamp` headers as received; `body` and `body_len` the raw body (any bytes;
 `body` may be NULL only when `body_len` is 0). `body_len` is a `uintptr_t`, which is
 `size_t` on every platform the library builds for: pass a `size_t` (e.g. `strlen(body)`). `now_unix` is the time to check against (0:
 the system clock); `tolerance_seconds` the replay window either way (0: 300; negative is
 refused).

 On `AGENTPHONE_OK`, `*out` is the event JSON: the body as received (a JSON object with a
 string `event`, else `AGENTPHONE_DECODE_ERROR`). A signature or timestamp that does not
 verify is `AGENTPHONE_SIGNATURE_INVALID`, the error JSON's `message` saying which check
 failed (never the secret or the expected signature).

 # Safety
 `secret`, `signature_header` and `timestamp_header` are NUL-terminated; `body` points to
 `body_len` readable bytes (or is NULL with `body_len` 0); `out` points to writable storage
 for one pointer.
 */
enum agentphone_status agentphone_webhook_verify(const char *secret,
                                                 const char *signature_header,
                                                 const char *timestamp_header,
                                                 const char *body,
                                                 uintptr_t body_len,
                                                 int64_t now_unix,
                                                 int64_t tolerance_seconds,
                                                 char **out);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* AGENTPHONE_H */
