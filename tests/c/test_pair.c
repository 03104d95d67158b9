/* A client and a server driver talking to each other in memory. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static int pong_replies;
static void *pong_user;

static int on_pong_reply(void *user, ws_driver *drv) {
    (void)drv;
    pong_replies++;
    pong_user = user;
    return 0;
}

static void full_exchange(void) {
    pair p;
    static const uint8_t bin[] = {0, 0x80, 0xff, 0x7f};
    uint8_t *big;
    size_t big_len = 200000, i;
    int marker = 0;
    CHECK(pair_open(&p) == 0);
    CHECK_STR(ws_driver_version(p.server), "hybi-13");
    CHECK_INT(ws_status(p.client), 101);

    CHECK_RES(ws_text(p.client, "hello server", 12), WS_RESULT_OK);
    CHECK_RES(ws_binary(p.server, bin, sizeof bin), WS_RESULT_OK);
    CHECK_RES(ws_text(p.server, "h\xc3\xa9llo client", 13), WS_RESULT_OK);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_STR(rec_log(&p.s), "message text 12 hello server|");
    CHECK_INT(p.c.messages, 2);
    CHECK_CONTAINS(p.c.log.data, p.c.log.len, "message text 13 h\xc3\xa9llo client|");

    /* A big message crosses in one parse and in small chunks. */
    big = malloc(big_len);
    CHECK(big != NULL);
    for (i = 0; i < big_len; i++) big[i] = (uint8_t)(i * 31);
    buf_clear(&p.s.log);
    CHECK_RES(ws_binary(p.client, big, big_len), WS_RESULT_OK);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(p.s.messages, 2);
    CHECK_INT(p.s.log.len, strlen("message binary 200000 ") + big_len + 1);
    CHECK(memcmp(p.s.log.data + strlen("message binary 200000 "), big, big_len) == 0);
    free(big);

    /* Ping with a reply callback, pong event on the pinger, ping event on
     * the other side. */
    pong_replies = 0;
    CHECK_RES(ws_ping(p.client, (const uint8_t *)"tok", 3, on_pong_reply, &marker), WS_RESULT_OK);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(pong_replies, 1);
    CHECK(pong_user == &marker);
    CHECK_INT(p.s.pings, 1);
    CHECK_INT(p.c.pongs, 1);
    /* A second identical pong does not call the callback again. */
    CHECK_RES(ws_pong(p.server, (const uint8_t *)"tok", 3), WS_RESULT_OK);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(pong_replies, 1);
    CHECK_INT(p.c.pongs, 2);

    /* Closing handshake started by the client. */
    CHECK_RES(ws_close(p.client, 1000, "bye", 3), WS_RESULT_OK);
    CHECK_INT(ws_state(p.client), WS_STATE_CLOSING);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(ws_state(p.client), WS_STATE_CLOSED);
    CHECK_INT(ws_state(p.server), WS_STATE_CLOSED);
    CHECK_INT(p.c.closes, 1);
    CHECK_INT(p.s.closes, 1);
    CHECK_INT(p.c.close_code, 1000);
    CHECK_INT(p.s.close_code, 1000);
    CHECK_CONTAINS(p.s.log.data, p.s.log.len, "close 1000 bye|");
    pair_free(&p);
}

static void server_masking_options(void) {
    /* A server that masks and a client that requires masking still talk. */
    pair p;
    ws_options *so = ws_options_new(), *co = ws_options_new();
    memset(&p, 0, sizeof p);
    CHECK(so && co);
    CHECK_RES(ws_options_set_masking(so, 1), WS_RESULT_OK);
    CHECK_RES(ws_options_set_require_masking(co, 1), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_client(co, "ws://example.com/", &p.client), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_server(so, &p.server), WS_RESULT_OK);
    ws_options_free(so);
    ws_options_free(co);
    rec_attach(&p.c, p.client);
    rec_attach(&p.s, p.server);
    CHECK_RES(ws_start(p.client), WS_RESULT_OK);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(p.s.connects, 1);
    CHECK_RES(ws_start(p.server), WS_RESULT_OK);
    CHECK_RES(ws_text(p.server, "masked", 6), WS_RESULT_OK);
    CHECK(p.s.out.len > 0);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_STR(rec_log(&p.c), "open|message text 6 masked|");
    pair_free(&p);
}

const harness_test pair_tests[] = {
    {"pair/full_exchange", full_exchange},
    {"pair/server_masking_options", server_masking_options},
    TEST_LIST_END,
};
