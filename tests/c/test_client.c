/* Client drivers: request bytes, response validation, masking. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static ws_driver *keyed_client(rec *r, const char *url) {
    ws_options *o = ws_options_new();
    ws_driver *d = NULL;
    if (o == NULL) return NULL;
    ws_options_set_client_key(o, "dGhlIHNhbXBsZSBub25jZQ==");
    ws_options_add_protocol(o, "chat");
    if (ws_driver_new_client(o, url, &d) != WS_RESULT_OK) d = NULL;
    ws_options_free(o);
    if (d) rec_attach(r, d);
    return d;
}

static const char RESPONSE[] = "HTTP/1.1 101 Switching Protocols\r\n"
                               "Upgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                               "Sec-WebSocket-Protocol: chat\r\n"
                               "X-Extra: yes\r\n"
                               "\r\n";

static void request_and_open(void) {
    rec r;
    ws_driver *d;
    const char *name = NULL, *value = NULL;
    static const uint8_t early[] = {0x81, 0x05, 'e', 'a', 'r', 'l', 'y'};
    buf in;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = keyed_client(&r, "ws://example.com:8080/socket?room=1");
    CHECK(d != NULL);
    CHECK_INT(ws_status(d), 0);
    CHECK_INT(ws_state(d), WS_STATE_CONNECTING);
    CHECK_STR(ws_driver_version(d), "hybi-13");
    CHECK_STR(ws_url(d), "ws://example.com:8080/socket?room=1");
    CHECK_RES(ws_set_header(d, "Authorization", "Bearer t"), WS_RESULT_OK);
    /* Queued before open, sent after. */
    CHECK_RES(ws_text(d, "queued", 6), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_CONTAINS(r.out.data, r.out.len, "GET /socket?room=1 HTTP/1.1\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Host: example.com:8080\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Sec-WebSocket-Version: 13\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Sec-WebSocket-Protocol: chat\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Authorization: Bearer t\r\n");
    CHECK(r.out.len > 4 && memcmp(r.out.data + r.out.len - 4, "\r\n\r\n", 4) == 0);
    CHECK_RES(ws_set_header(d, "X-Late", "1"), WS_RESULT_INVALID_STATE);
    buf_clear(&r.out);
    /* Response plus a frame in the same chunk. */
    buf_adds(&in, RESPONSE);
    buf_add(&in, early, sizeof early);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), "open|message text 5 early|");
    CHECK_INT(ws_status(d), 101);
    CHECK_STR(ws_protocol(d), "chat");
    CHECK_STR(ws_header(d, "x-extra"), "yes");
    CHECK_INT(ws_header_count(d), 5);
    CHECK_RES(ws_header_at(d, 0, &name, &value), WS_RESULT_OK);
    CHECK_STR(name, "Upgrade");
    CHECK_STR(value, "websocket");
    /* The queued text went out masked after open. */
    CHECK(r.out.len == 2 + 4 + 6);
    CHECK_INT(r.out.data[0], 0x81);
    CHECK_INT(r.out.data[1], 0x80 | 6);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void wrong_accept(void) {
    rec r;
    ws_driver *d;
    const char *resp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: wrong=\r\n\r\n";
    memset(&r, 0, sizeof r);
    d = keyed_client(&r, "ws://example.com/");
    CHECK(d != NULL);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_RES(ws_parse(d, (const uint8_t *)resp, strlen(resp)), WS_RESULT_OK);
    CHECK_INT(r.opens, 0);
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.closes, 1);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    CHECK_INT(ws_status(d), 101);
    ws_driver_free(d);
    rec_free(&r);
}

static void non_101(void) {
    rec r;
    ws_driver *d;
    const char *resp = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    memset(&r, 0, sizeof r);
    d = keyed_client(&r, "ws://example.com/");
    CHECK(d != NULL);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_RES(ws_parse(d, (const uint8_t *)resp, strlen(resp)), WS_RESULT_OK);
    CHECK_INT(r.opens, 0);
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.closes, 1);
    CHECK_INT(ws_status(d), 403);
    ws_driver_free(d);
    rec_free(&r);
}

static void close_before_open(void) {
    rec r;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    d = keyed_client(&r, "ws://example.com/");
    CHECK(d != NULL);
    CHECK_RES(ws_close(d, 1000, NULL, 0), WS_RESULT_OK);
    CHECK_INT(r.closes, 1);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    CHECK_RES(ws_start(d), WS_RESULT_INVALID_STATE);
    ws_driver_free(d);
    rec_free(&r);
}

static void queue_limit(void) {
    rec r;
    ws_driver *d = NULL;
    ws_options *o = ws_options_new();
    memset(&r, 0, sizeof r);
    CHECK(o != NULL);
    CHECK_RES(ws_options_set_max_queued(o, 2), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_client(o, "ws://example.com/", &d), WS_RESULT_OK);
    ws_options_free(o);
    CHECK_RES(ws_text(d, "a", 1), WS_RESULT_OK);
    CHECK_RES(ws_text(d, "b", 1), WS_RESULT_OK);
    CHECK_RES(ws_text(d, "c", 1), WS_RESULT_LIMIT_EXCEEDED);
    ws_driver_free(d);
    rec_free(&r);
}

const harness_test client_tests[] = {
    {"client/request_and_open", request_and_open},
    {"client/wrong_accept", wrong_accept},
    {"client/non_101", non_101},
    {"client/close_before_open", close_before_open},
    {"client/queue_limit", queue_limit},
    TEST_LIST_END,
};
