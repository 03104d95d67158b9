/* ws_poll_many: several actions per call, in ws_poll's order, and batches
 * that stop before a close so a host's replies to earlier messages go out
 * first. */
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"
#include "util.h"

#define CAP 64

static size_t take(ws_driver *d, ws_action *out, uint32_t *res) {
    size_t n = 12345;
    memset(out, 0, sizeof(ws_action) * CAP);
    out[0].struct_size = sizeof(ws_action);
    *res = ws_poll_many(d, out, CAP, &n);
    return n;
}

static void many_messages_per_call(void) {
    ws_driver *d = NULL;
    ws_action out[CAP];
    uint32_t res;
    size_t n, i, total = 0, calls = 0;
    buf in;
    memset(&in, 0, sizeof in);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_RES(ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    n = take(d, out, &res);
    CHECK_RES(res, WS_RESULT_OK);
    CHECK_INT(n, 3);
    CHECK_INT(out[0].kind, WS_ACTION_CONNECT);
    CHECK_INT(out[1].kind, WS_ACTION_WRITE);
    CHECK(memcmp(out[1].data, "HTTP/1.1 101", 12) == 0);
    CHECK_INT(out[2].kind, WS_ACTION_OPEN);
    n = take(d, out, &res);
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK_INT(n, 0);
    for (i = 0; i < 100; i++) {
        char msg[16];
        memset(msg, (int)i, sizeof msg);
        frame(&in, 1, 2, 1, msg, sizeof msg);
    }
    CHECK_RES(ws_feed(d, in.data, in.len), WS_RESULT_OK);
    while ((n = take(d, out, &res)) > 0) {
        CHECK_RES(res, WS_RESULT_OK);
        calls++;
        for (i = 0; i < n; i++) {
            CHECK_INT(out[i].kind, WS_ACTION_MESSAGE);
            CHECK_INT(out[i].message_kind, WS_MESSAGE_BINARY);
            CHECK_INT(out[i].len, 16);
            CHECK_INT(out[i].data[0], total + i);
            CHECK_INT(out[i].data[15], total + i);
        }
        total += n;
    }
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK_INT(total, 100);
    CHECK(calls <= 3);
    ws_driver_free(d);
    buf_free(&in);
}

static void replies_go_before_the_close(void) {
    ws_driver *d = NULL;
    ws_action out[CAP];
    uint32_t res;
    size_t n, i;
    buf in;
    static const uint8_t close_payload[] = {0x03, 0xe8};
    memset(&in, 0, sizeof in);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_RES(ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    while (take(d, out, &res) > 0) {
    }
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    frame(&in, 1, 8, 1, close_payload, sizeof close_payload);
    CHECK_RES(ws_feed(d, in.data, in.len), WS_RESULT_OK);
    n = take(d, out, &res);
    CHECK_INT(n, 2); /* the close waits */
    for (i = 0; i < n; i++) {
        CHECK_INT(out[i].kind, WS_ACTION_MESSAGE);
        /* Echo each message, as a server would. */
        CHECK_RES(ws_text(d, (const char *)out[i].data, out[i].len), WS_RESULT_OK);
    }
    /* The echoes, then (next call) the close answer and the close event. */
    n = take(d, out, &res);
    CHECK_INT(n, 2);
    CHECK_INT(out[0].kind, WS_ACTION_WRITE);
    CHECK(out[0].len == 5 && memcmp(out[0].data, "\x81\x03one", 5) == 0);
    CHECK_INT(out[1].kind, WS_ACTION_WRITE);
    CHECK(out[1].len == 5 && memcmp(out[1].data, "\x81\x03two", 5) == 0);
    n = take(d, out, &res);
    CHECK_INT(n, 2);
    CHECK_INT(out[0].kind, WS_ACTION_WRITE);
    CHECK_INT(out[0].data[0], 0x88);
    CHECK_INT(out[1].kind, WS_ACTION_CLOSE);
    CHECK_INT(out[1].code, 1000);
    CHECK_INT(take(d, out, &res), 0);
    CHECK_RES(res, WS_RESULT_EMPTY);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    ws_driver_free(d);
    buf_free(&in);
}

static void bad_arguments(void) {
    ws_driver *d = NULL;
    ws_action out[2];
    size_t n = 0;
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    memset(out, 0, sizeof out);
    out[0].struct_size = sizeof(ws_action);
    CHECK_RES(ws_poll_many(NULL, out, 2, &n), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_poll_many(d, NULL, 2, &n), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_poll_many(d, out, 2, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_poll_many(d, out, 0, &n), WS_RESULT_INVALID_ARGUMENT);
    out[0].struct_size = 8;
    CHECK_RES(ws_poll_many(d, out, 2, &n), WS_RESULT_INVALID_ARGUMENT);
    ws_driver_free(d);
}

const harness_test batch_tests[] = {
    {"batch/many_messages_per_call", many_messages_per_call},
    {"batch/replies_go_before_the_close", replies_go_before_the_close},
    {"batch/bad_arguments", bad_arguments},
    TEST_LIST_END,
};
