/* The pull API: ws_take_output without a write callback, ws_feed + ws_poll,
 * ws_ping_token, and ws_action's struct_size. */
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static void take_output(void) {
    ws_driver *d = NULL;
    uint8_t small[7], all[512];
    size_t n = 0, total = 0;
    uint32_t res;
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_take_output(d, all, sizeof all, &n), WS_RESULT_EMPTY);
    CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_RES(ws_text(d, "hi", 2), WS_RESULT_OK);
    CHECK(ws_buffered_amount(d) > 0);
    /* Small chunks: the rest stays queued. */
    while ((res = ws_take_output(d, small, sizeof small, &n)) == WS_RESULT_OK) {
        CHECK(n > 0 && n <= sizeof small);
        CHECK(total + n <= sizeof all);
        memcpy(all + total, small, n);
        total += n;
    }
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK(total > 4);
    CHECK(memcmp(all, "HTTP/1.1 101 Switching Protocols\r\n", 34) == 0);
    CHECK_CONTAINS(all, total, HYBI_ACCEPT);
    CHECK(all[total - 4] == 0x81 && all[total - 3] == 2 && all[total - 2] == 'h');
    CHECK_INT(ws_buffered_amount(d), 0);
    CHECK_RES(ws_take_output(d, all, 0, &n), WS_RESULT_EMPTY);
    CHECK_RES(ws_text(d, "x", 1), WS_RESULT_OK);
    n = 77;
    CHECK_RES(ws_take_output(d, all, 0, &n), WS_RESULT_BUFFER_TOO_SMALL);
    CHECK_INT(n, 77); /* not written on failure */
    CHECK_RES(ws_take_output(d, all, sizeof all, &n), WS_RESULT_OK);
    CHECK_INT(n, 3);
    ws_driver_free(d);
}

static ws_action next(ws_driver *d, uint32_t *res) {
    ws_action a;
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    *res = ws_poll(d, &a);
    return a;
}

static void feed_and_poll(void) {
    ws_driver *d = NULL;
    ws_action a;
    uint32_t res;
    buf in;
    static const uint8_t close_payload[] = {0x03, 0xe9};
    memset(&in, 0, sizeof in);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    a = next(d, &res);
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK_RES(ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    a = next(d, &res);
    CHECK_RES(res, WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_CONNECT);
    a = next(d, &res);
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    a = next(d, &res);
    CHECK_RES(res, WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_WRITE);
    CHECK(a.len > 12 && memcmp(a.data, "HTTP/1.1 101", 12) == 0);
    a = next(d, &res);
    CHECK_INT(a.kind, WS_ACTION_OPEN);

    frame(&in, 1, 1, 1, "text", 4);
    frame(&in, 1, 9, 1, "pp", 2);
    frame(&in, 1, 10, 1, "qq", 2);
    frame(&in, 1, 8, 1, close_payload, sizeof close_payload);
    CHECK_RES(ws_feed(d, in.data, in.len), WS_RESULT_OK);
    CHECK(ws_buffered_amount(d) > 0); /* unparsed input waits for ws_poll */
    a = next(d, &res);
    CHECK_RES(res, WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_MESSAGE);
    CHECK_INT(a.message_kind, WS_MESSAGE_TEXT);
    CHECK_INT(a.len, 4);
    CHECK(memcmp(a.data, "text", 4) == 0);
    a = next(d, &res); /* auto-pong write, then the ping event */
    CHECK_INT(a.kind, WS_ACTION_WRITE);
    CHECK_INT(a.len, 4);
    CHECK_INT(a.data[0], 0x8a);
    a = next(d, &res);
    CHECK_INT(a.kind, WS_ACTION_PING);
    CHECK(a.len == 2 && memcmp(a.data, "pp", 2) == 0);
    a = next(d, &res);
    CHECK_INT(a.kind, WS_ACTION_PONG);
    CHECK(a.len == 2 && memcmp(a.data, "qq", 2) == 0);
    a = next(d, &res); /* close reply, then the close event */
    CHECK_INT(a.kind, WS_ACTION_WRITE);
    CHECK_INT(a.data[0], 0x88);
    a = next(d, &res);
    CHECK_INT(a.kind, WS_ACTION_CLOSE);
    CHECK_INT(a.code, 1001);
    CHECK_INT(a.len, 0);
    a = next(d, &res);
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    ws_driver_free(d);
    buf_free(&in);
}

static void error_action(void) {
    ws_driver *d = NULL;
    ws_action a;
    uint32_t res;
    buf in;
    memset(&in, 0, sizeof in);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    frame(&in, 1, 1, 1, "\xc3\x28", 2); /* invalid UTF-8 */
    CHECK_RES(ws_feed(d, in.data, in.len), WS_RESULT_OK);
    do {
        a = next(d, &res);
    } while (res == WS_RESULT_OK && a.kind != WS_ACTION_ERROR);
    CHECK_RES(res, WS_RESULT_OK);
    CHECK_INT(a.code, 1007);
    CHECK(a.len > 0 && a.data != NULL);
    a = next(d, &res);
    CHECK_INT(a.kind, WS_ACTION_CLOSE);
    CHECK_INT(a.code, 1007);
    ws_driver_free(d);
    buf_free(&in);
}

static void ping_token(void) {
    pair p;
    ws_action a;
    uint32_t res;
    uint8_t out[256];
    size_t n = 0;
    CHECK(pair_open(&p) == 0);
    /* Pull-style on the client from here on. */
    ws_on_write(p.client, NULL, NULL);
    ws_on_pong(p.client, NULL, NULL);
    CHECK_RES(ws_ping_token(p.client, (const uint8_t *)"abc", 3, 0x1122334455667788ull), WS_RESULT_OK);
    CHECK_RES(ws_take_output(p.client, out, sizeof out, &n), WS_RESULT_OK);
    CHECK_RES(ws_parse(p.server, out, n), WS_RESULT_OK);
    /* The server's auto-pong, fed with ws_feed to the client. */
    CHECK_RES(ws_feed(p.client, p.s.out.data, p.s.out.len), WS_RESULT_OK);
    buf_clear(&p.s.out);
    a = next(p.client, &res);
    CHECK_RES(res, WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_PING_ANSWERED);
    CHECK(a.token == 0x1122334455667788ull);
    a = next(p.client, &res);
    CHECK_INT(a.kind, WS_ACTION_PONG);
    CHECK(a.len == 3 && memcmp(a.data, "abc", 3) == 0);
    CHECK_RES(ws_ping_token(p.client, (const uint8_t *)"abc", 200, 1), WS_RESULT_INVALID_ARGUMENT);
    pair_free(&p);
}

/* Only struct_size bytes of ws_action are written (a caller built against a
 * header whose ws_action ends before `token`), and a struct_size too small
 * for the fields every version has is refused without losing the action. */
static void struct_size_respected(void) {
    ws_driver *d = NULL;
    union {
        ws_action full;
        unsigned char raw[sizeof(ws_action) + 16];
    } u;
    size_t i, cut = offsetof(ws_action, token);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    memset(&u, 0, sizeof u);
    u.full.struct_size = 8;
    CHECK_RES(ws_poll(d, &u.full), WS_RESULT_INVALID_ARGUMENT);
    memset(&u, 0xAB, sizeof u);
    u.full.struct_size = (uint32_t)cut;
    CHECK_RES(ws_poll(d, &u.full), WS_RESULT_OK);
    CHECK_INT(u.full.kind, WS_ACTION_CONNECT);
    for (i = cut; i < sizeof u.raw; i++) CHECK_INT(u.raw[i], 0xAB);
    /* A caller with a bigger (newer) struct: the library writes its own size. */
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    memset(&u, 0xAB, sizeof u);
    u.full.struct_size = (uint32_t)sizeof u.raw;
    CHECK_RES(ws_poll(d, &u.full), WS_RESULT_OK);
    CHECK_INT(u.full.kind, WS_ACTION_WRITE);
    CHECK_INT(u.full.token, 0);
    for (i = sizeof(ws_action); i < sizeof u.raw; i++) CHECK_INT(u.raw[i], 0xAB);
    ws_driver_free(d);
}

const harness_test pull_tests[] = {
    {"pull/take_output", take_output},
    {"pull/feed_and_poll", feed_and_poll},
    {"pull/error_action", error_action},
    {"pull/ping_token", ping_token},
    {"pull/struct_size_respected", struct_size_respected},
    TEST_LIST_END,
};
