/* Callbacks that call back into the driver: sends, close, ping, parse,
 * re-registration, free; and callback stop + resume. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static int echo_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                        size_t len) {
    rec_on_message(user, drv, kind, data, len);
    if (kind == WS_MESSAGE_TEXT) return ws_text(drv, (const char *)data, len) != WS_RESULT_OK;
    return ws_binary(drv, data, len) != WS_RESULT_OK;
}

static void echo_from_on_message(void) {
    rec r;
    buf in;
    ws_driver *d;
    static const uint8_t want[] = {0x81, 3, 'o', 'n', 'e', 0x82, 3, 't', 'w', 'o',
                                   0x81, 5, 't', 'h', 'r', 'e', 'e'};
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, echo_message, &r);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 2, 1, "two", 3);
    frame(&in, 1, 1, 1, "three", 5);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(r.messages, 3);
    CHECK_INT(r.out.len, sizeof want);
    CHECK(memcmp(r.out.data, want, sizeof want) == 0);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static int close_on_open(void *user, ws_driver *drv) {
    rec_on_open(user, drv);
    return ws_close(drv, 1001, "going", 5) != WS_RESULT_OK;
}

static void close_from_on_open(void) {
    rec r;
    ws_driver *d = NULL;
    size_t head;
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    ws_on_open(d, close_on_open, &r);
    CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_INT(r.opens, 1);
    CHECK_INT(ws_state(d), WS_STATE_CLOSING);
    /* 101 response first, then the close frame. */
    CHECK(r.out.len > 9);
    CHECK(memcmp(r.out.data, "HTTP/1.1 101", 12) == 0);
    head = r.out.len - 9;
    CHECK(memcmp(r.out.data + head - 4, "\r\n\r\n", 4) == 0);
    CHECK_INT(r.out.data[head], 0x88);
    CHECK_INT(r.out.data[head + 1], 7);
    CHECK_INT((r.out.data[head + 2] << 8) | r.out.data[head + 3], 1001);
    ws_driver_free(d);
    rec_free(&r);
}

static int pings_left;

static int ping_on_pong(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    rec_on_pong(user, drv, data, len);
    if (pings_left-- > 0) return ws_ping(drv, (const uint8_t *)"again", 5, NULL, NULL) != WS_RESULT_OK;
    return 0;
}

static void ping_from_on_pong(void) {
    pair p;
    CHECK(pair_open(&p) == 0);
    pings_left = 4;
    ws_on_pong(p.client, ping_on_pong, &p.c);
    CHECK_RES(ws_ping(p.client, (const uint8_t *)"first", 5, NULL, NULL), WS_RESULT_OK);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(p.c.pongs, 5);
    CHECK_INT(p.s.pings, 5);
    CHECK_STR(rec_log(&p.c), "pong 5 first|pong 5 again|pong 5 again|pong 5 again|pong 5 again|");
    pair_free(&p);
}

/* ---- free inside callbacks ---- */

static int frees;

static int free_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                           size_t len) {
    rec_on_message(user, drv, kind, data, len);
    frees++;
    ws_driver_free(drv);
    return 0;
}

static void free_inside_on_message(void) {
    rec r;
    buf in;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, free_on_message, &r);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    frees = 0;
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    /* Freed: no further dispatch, and d must not be used again. */
    CHECK_INT(frees, 1);
    CHECK_INT(r.messages, 1);
    rec_free(&r);
    buf_free(&in);
}

static int free_on_write(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    rec_on_write(user, drv, data, len);
    frees++;
    ws_driver_free(drv);
    return 0;
}

static void free_inside_on_write(void) {
    rec r;
    ws_driver *d = NULL;
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    ws_on_write(d, free_on_write, &r);
    CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    frees = 0;
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_INT(frees, 1);
    CHECK_INT(r.opens, 0); /* open comes after the write: never delivered */
    rec_free(&r);
}

static int free_on_close(void *user, ws_driver *drv, uint32_t code, const char *reason, size_t len) {
    rec_on_close(user, drv, code, reason, len);
    frees++;
    ws_driver_free(drv);
    return 0;
}

static void free_inside_on_close(void) {
    rec r;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_close(d, free_on_close, &r);
    frees = 0;
    CHECK_RES(ws_transport_closed(d), WS_RESULT_OK);
    CHECK_INT(frees, 1);
    CHECK_INT(r.closes, 1);
    rec_free(&r);
}

static int free_on_pong_reply(void *user, ws_driver *drv) {
    (void)user;
    frees++;
    ws_driver_free(drv);
    return 0;
}

static void free_inside_pong_reply(void) {
    pair p;
    ws_driver *client;
    CHECK(pair_open(&p) == 0);
    CHECK_RES(ws_ping(p.client, (const uint8_t *)"x", 1, free_on_pong_reply, NULL), WS_RESULT_OK);
    frees = 0;
    client = p.client;
    p.client = NULL; /* freed by the callback */
    {
        buf tmp = p.c.out;
        memset(&p.c.out, 0, sizeof p.c.out);
        CHECK_RES(ws_parse(p.server, tmp.data, tmp.len), WS_RESULT_OK);
        buf_free(&tmp);
        tmp = p.s.out;
        memset(&p.s.out, 0, sizeof p.s.out);
        CHECK_RES(ws_parse(client, tmp.data, tmp.len), WS_RESULT_OK);
        buf_free(&tmp);
    }
    CHECK_INT(frees, 1);
    CHECK_INT(p.c.pongs, 0); /* the pong event follows the reply callback */
    pair_free(&p);
}

/* ---- stop + resume ---- */

static void stop_and_resume(void) {
    rec r;
    buf in;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    frame(&in, 1, 1, 1, "three", 5);
    r.stop_on_message = 2;
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_CALLBACK_STOPPED);
    CHECK_STR(rec_log(&r), "message text 3 one|");
    CHECK(ws_buffered_amount(d) > 0); /* the rest is kept */
    CHECK_RES(ws_parse(d, NULL, 0), WS_RESULT_CALLBACK_STOPPED);
    CHECK_STR(rec_log(&r), "message text 3 one|message text 3 two|");
    /* New input is appended after the kept input. */
    buf_clear(&in);
    frame(&in, 1, 1, 1, "four", 4);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), "message text 3 one|message text 3 two|message text 5 three|"
                           "message text 4 four|");
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void stop_then_poll(void) {
    rec r;
    buf in;
    ws_driver *d;
    ws_action a;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 2, 1, "two", 3);
    r.stop_on_message = 1;
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_CALLBACK_STOPPED);
    CHECK_INT(r.messages, 1);
    /* The next action is available to the pull API, without callbacks. */
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    CHECK_RES(ws_poll(d, &a), WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_MESSAGE);
    CHECK_INT(a.message_kind, WS_MESSAGE_BINARY);
    CHECK_INT(a.len, 3);
    CHECK(memcmp(a.data, "two", 3) == 0);
    CHECK_RES(ws_poll(d, &a), WS_RESULT_EMPTY);
    CHECK_INT(r.messages, 1);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

/* ---- parse and re-registration from callbacks ---- */

static buf nested_input;

static int parse_on_open(void *user, ws_driver *drv) {
    rec_on_open(user, drv);
    return ws_parse(drv, nested_input.data, nested_input.len) != WS_RESULT_OK;
}

static void parse_from_callback(void) {
    rec r;
    ws_driver *d = NULL;
    memset(&r, 0, sizeof r);
    memset(&nested_input, 0, sizeof nested_input);
    frame(&nested_input, 1, 1, 1, "nested", 6);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    ws_on_open(d, parse_on_open, &r);
    CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), "connect|open|message text 6 nested|");
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&nested_input);
}

static int unregister_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                 size_t len) {
    rec_on_message(user, drv, kind, data, len);
    return ws_on_message(drv, NULL, NULL) != WS_RESULT_OK;
}

static void unregister_from_callback(void) {
    rec r;
    buf in;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, unregister_on_message, &r);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(r.messages, 1);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void queries_from_callback_ok(void) {
    /* Covered implicitly by the examples (on_connect reads the request);
     * here: the request path is visible inside on_connect. */
    pair p;
    CHECK(pair_open(&p) == 0);
    CHECK_STR(ws_request_path(p.server), "/chat");
    pair_free(&p);
}

const harness_test reentrancy_tests[] = {
    {"reentrancy/echo_from_on_message", echo_from_on_message},
    {"reentrancy/close_from_on_open", close_from_on_open},
    {"reentrancy/ping_from_on_pong", ping_from_on_pong},
    {"reentrancy/free_inside_on_message", free_inside_on_message},
    {"reentrancy/free_inside_on_write", free_inside_on_write},
    {"reentrancy/free_inside_on_close", free_inside_on_close},
    {"reentrancy/free_inside_pong_reply", free_inside_pong_reply},
    {"reentrancy/stop_and_resume", stop_and_resume},
    {"reentrancy/stop_then_poll", stop_then_poll},
    {"reentrancy/parse_from_callback", parse_from_callback},
    {"reentrancy/unregister_from_callback", unregister_from_callback},
    {"reentrancy/queries_from_callback_ok", queries_from_callback_ok},
    TEST_LIST_END,
};
