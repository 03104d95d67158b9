/* Versions, result texts, options, and NULL arguments everywhere. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static void version_matches_header(void) {
    char want[32];
    CHECK_STR(ws_version(), "0.1.0");
    CHECK_STR(ws_version(), WS_VERSION_STRING);
    snprintf(want, sizeof want, "%d.%d.%d", (int)WS_VERSION_MAJOR, (int)WS_VERSION_MINOR,
             (int)WS_VERSION_PATCH);
    CHECK_STR(ws_version(), want);
    CHECK_INT(WS_VERSION_NUMBER,
              ((long)WS_VERSION_MAJOR << 16) | ((long)WS_VERSION_MINOR << 8) | (long)WS_VERSION_PATCH);
    CHECK_INT(WS_VERSION_NUMBER, 0x000100);
}

static void result_texts(void) {
    uint32_t codes[] = {WS_RESULT_OK, WS_RESULT_NULL_PARAMETER, WS_RESULT_PANIC,
                        WS_RESULT_INVALID_ARGUMENT, WS_RESULT_INVALID_STATE,
                        WS_RESULT_NOT_SUPPORTED, WS_RESULT_INVALID_UTF8, WS_RESULT_INVALID_URL,
                        WS_RESULT_CALLBACK_STOPPED, WS_RESULT_BUFFER_TOO_SMALL,
                        WS_RESULT_LIMIT_EXCEEDED, WS_RESULT_HANDSHAKE_FAILED, WS_RESULT_EMPTY};
    size_t i, j;
    /* The numbering is ABI: append-only. */
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) CHECK_INT(codes[i], i);
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *t = ws_result_text(codes[i]);
        CHECK(t != NULL && t[0] != '\0');
        CHECK(strcmp(t, "unknown result") != 0);
        for (j = 0; j < i; j++) CHECK(strcmp(t, ws_result_text(codes[j])) != 0);
    }
    CHECK_STR(ws_result_text(9999), "unknown result");
    CHECK_STR(ws_result_text(0xffffffffu), "unknown result");
}

static void options_builder(void) {
    ws_options *o = ws_options_new();
    ws_driver *d = NULL;
    CHECK(o != NULL);
    CHECK_RES(ws_options_set_max_length(o, 1024), WS_RESULT_OK);
    CHECK_RES(ws_options_add_protocol(o, "chat"), WS_RESULT_OK);
    CHECK_RES(ws_options_add_protocol(o, "superchat"), WS_RESULT_OK);
    CHECK_RES(ws_options_set_masking(o, -1), WS_RESULT_OK);
    CHECK_RES(ws_options_set_masking(o, 0), WS_RESULT_OK);
    CHECK_RES(ws_options_set_masking(o, 1), WS_RESULT_OK);
    CHECK_RES(ws_options_set_masking(o, 2), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_options_set_require_masking(o, -1), WS_RESULT_OK);
    CHECK_RES(ws_options_set_require_masking(o, 1), WS_RESULT_OK);
    CHECK_RES(ws_options_set_require_masking(o, -2), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_options_set_max_head_size(o, 8192), WS_RESULT_OK);
    CHECK_RES(ws_options_set_max_headers(o, 1), WS_RESULT_OK);
    CHECK_RES(ws_options_set_max_headers(o, 256), WS_RESULT_OK);
    CHECK_RES(ws_options_set_max_headers(o, 0), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_options_set_max_headers(o, 257), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_options_set_max_headers(o, 64), WS_RESULT_OK);
    CHECK_RES(ws_options_set_max_queued(o, 10), WS_RESULT_OK);
    CHECK_RES(ws_options_set_max_pending_pings(o, 10), WS_RESULT_OK);
    CHECK_RES(ws_options_set_retained_buffer(o, 4096), WS_RESULT_OK);
    CHECK_RES(ws_options_set_client_key(o, "dGhlIHNhbXBsZSBub25jZQ=="), WS_RESULT_OK);
    CHECK_RES(ws_options_add_protocol(o, "bad\r\nproto"), WS_RESULT_INVALID_ARGUMENT);
    /* Options are copied: reuse them, free them, the drivers live on. */
    CHECK_RES(ws_driver_new_server(o, &d), WS_RESULT_OK);
    ws_driver_free(d);
    d = NULL;
    CHECK_RES(ws_driver_new_client(o, "ws://example.com/", &d), WS_RESULT_OK);
    ws_options_free(o);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    ws_driver_free(d);
}

static void null_arguments(void) {
    ws_options *o = ws_options_new();
    ws_driver *d = NULL;
    ws_proxy *px = NULL;
    const char *name = NULL, *value = NULL;
    const uint8_t *body = NULL;
    size_t n = 0;
    ws_action act;
    uint8_t b[16];

    CHECK(o != NULL);
    /* *_free(NULL) are no-ops. */
    ws_options_free(NULL);
    ws_driver_free(NULL);
    ws_proxy_free(NULL);

    CHECK_RES(ws_options_set_max_length(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_add_protocol(NULL, "x"), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_add_protocol(o, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_masking(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_require_masking(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_max_head_size(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_max_headers(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_max_queued(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_max_pending_pings(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_retained_buffer(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_options_set_client_key(NULL, "x"), WS_RESULT_NULL_PARAMETER);
    /* NULL key: back to random keys (documented in the header). */
    CHECK_RES(ws_options_set_client_key(o, NULL), WS_RESULT_OK);
    CHECK_RES(ws_options_set_client_key(o, "too short"), WS_RESULT_INVALID_ARGUMENT);
    ws_options_free(o);

    CHECK_RES(ws_driver_new_server(NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_driver_new_client(NULL, NULL, &d), WS_RESULT_NULL_PARAMETER);
    CHECK(d == NULL);
    CHECK_RES(ws_driver_new_client(NULL, "ws://x/", NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_driver_new_rack(NULL, NULL, "/", NULL, NULL, 0, NULL, 0, NULL, &d),
              WS_RESULT_NULL_PARAMETER);
    CHECK(d == NULL);

    /* Every driver function with a NULL driver. */
    CHECK_RES(ws_on_write(NULL, rec_on_write, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_connect(NULL, rec_on_connect, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_open(NULL, rec_on_open, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_message(NULL, rec_on_message, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_ping(NULL, rec_on_ping, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_pong(NULL, rec_on_pong, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_close(NULL, rec_on_close, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_on_error(NULL, rec_on_error, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_start(NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_parse(NULL, b, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_text(NULL, "x", 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_binary(NULL, b, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_ping(NULL, b, 1, NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_pong(NULL, b, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_close(NULL, 1000, NULL, 0), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_transport_closed(NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_set_header(NULL, "a", "b"), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_take_output(NULL, b, sizeof b, &n), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_feed(NULL, b, 1), WS_RESULT_NULL_PARAMETER);
    memset(&act, 0, sizeof act);
    act.struct_size = sizeof act;
    CHECK_RES(ws_poll(NULL, &act), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_ping_token(NULL, b, 1, 7), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_header_at(NULL, 0, &name, &value), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_request_body(NULL, &body, &n), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_new(NULL, "http://p:1", &px), WS_RESULT_NULL_PARAMETER);
    CHECK(px == NULL);
    /* Queries return their neutral value. */
    CHECK(ws_last_error(NULL) == NULL);
    CHECK_INT(ws_buffered_amount(NULL), 0);
    (void)ws_state(NULL);
    CHECK(ws_driver_version(NULL) == NULL);
    CHECK(ws_protocol(NULL) == NULL);
    CHECK_INT(ws_status(NULL), 0);
    CHECK(ws_url(NULL) == NULL);
    CHECK_INT(ws_header_count(NULL), 0);
    CHECK(ws_header(NULL, "host") == NULL);
    CHECK(ws_request_method(NULL) == NULL);
    CHECK(ws_request_path(NULL) == NULL);
    CHECK(ws_request_query(NULL) == NULL);
    CHECK_INT(ws_is_websocket(NULL), 0);

    /* NULL data / outputs with a real driver. */
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_parse(d, NULL, 5), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_parse(d, NULL, 0), WS_RESULT_OK); /* (NULL, 0) is an empty payload */
    CHECK_RES(ws_feed(d, NULL, 3), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_text(d, NULL, 3), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_binary(d, NULL, 3), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_ping(d, NULL, 3, NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_pong(d, NULL, 3), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_ping_token(d, NULL, 3, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_set_header(d, NULL, "v"), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_set_header(d, "n", NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_take_output(d, NULL, 4, &n), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_take_output(d, b, sizeof b, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_poll(d, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_header_at(d, 0, NULL, &value), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_header_at(d, 0, &name, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_request_body(d, NULL, &n), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_request_body(d, &body, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK(ws_header(d, NULL) == NULL);
    /* NULL_PARAMETER failures do not set ws_last_error (the FFI layer only
     * records messages for failures past the argument checks; reported). */
    /* Unregistering callbacks with NULL is fine. */
    CHECK_RES(ws_on_write(d, NULL, NULL), WS_RESULT_OK);
    CHECK_RES(ws_on_message(d, NULL, NULL), WS_RESULT_OK);
    ws_driver_free(d);
}

static void last_error_lifecycle(void) {
    ws_driver *d = NULL;
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK(ws_last_error(d) == NULL);
    CHECK_RES(ws_text(d, "\xff", 1), WS_RESULT_INVALID_UTF8);
    CHECK(ws_last_error(d) != NULL);
    CHECK(strlen(ws_last_error(d)) > 0);
    ws_driver_free(d);
}

static void invalid_urls(void) {
    ws_driver *d = NULL;
    CHECK_RES(ws_driver_new_client(NULL, "http://example.com/", &d), WS_RESULT_INVALID_URL);
    CHECK(d == NULL);
    CHECK_RES(ws_driver_new_client(NULL, "not a url", &d), WS_RESULT_INVALID_URL);
    CHECK(d == NULL);
    CHECK_RES(ws_driver_new_client(NULL, "", &d), WS_RESULT_INVALID_URL);
    CHECK(d == NULL);
    CHECK_RES(ws_driver_new_client(NULL, "wss://example.com:8443/a?b=c", &d), WS_RESULT_OK);
    CHECK_STR(ws_url(d), "wss://example.com:8443/a?b=c");
    ws_driver_free(d);
}

const harness_test basic_tests[] = {
    {"basic/version_matches_header", version_matches_header},
    {"basic/result_texts", result_texts},
    {"basic/options_builder", options_builder},
    {"basic/null_arguments", null_arguments},
    {"basic/last_error_lifecycle", last_error_lifecycle},
    {"basic/invalid_urls", invalid_urls},
    TEST_LIST_END,
};
