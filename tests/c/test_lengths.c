/* Lengths no object can have: every (pointer, length) argument over
 * PTRDIFF_MAX bytes, and every size above 1 MiB that cannot be allocated
 * for the copy the call makes, is WS_RESULT_INVALID_ARGUMENT; nothing is
 * read, nothing aborts (issue 12 item 3: SIZE_MAX used to crash ws_text in
 * UTF-8 checking and panic ws_binary; 2^44..2^62 aborted the process). */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

#define HUGE_COUNT 3
static const size_t huge[HUGE_COUNT] = {(size_t)-1, (size_t)1 << 44, (size_t)1 << 62};

static void every_length_argument_refuses_impossible_sizes(void) {
    static const uint8_t bytes[16] = {0};
    static const char *const names[1] = {"Host"}, *const values[1] = {"h"};
    ws_driver *drv, *rack = NULL, *client;
    ws_proxy *proxy;
    ws_extension *ext;
    size_t i, n = 0;
    uint8_t out[8];
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_client(NULL, "ws://example.com/", &client), WS_RESULT_OK);
    CHECK_RES(ws_proxy_new(client, "http://proxy:3128", &proxy), WS_RESULT_OK);
    CHECK_RES(ws_extension_new("x", 0, &ext), WS_RESULT_OK);
    for (i = 0; i < HUGE_COUNT; i++) {
        size_t len = huge[i];
        CHECK_RES(ws_parse(drv, bytes, len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_feed(drv, bytes, len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_read(drv, bytes, len, &n), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_text(drv, "x", len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_binary(drv, bytes, len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_ping(drv, bytes, len, NULL, NULL), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_ping_token(drv, bytes, len, 1), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_pong(drv, bytes, len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_close(drv, 1000, "r", len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", names, values, len, NULL, 0, NULL, &rack),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", names, values, 1, bytes, len, NULL, &rack),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_proxy_parse(proxy, bytes, len, &n), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_send_into(drv, WS_MESSAGE_BINARY, bytes, len, out, sizeof out, &n),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_frame_message(drv, WS_MESSAGE_BINARY, bytes, len, out, sizeof out, &n),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_reject(drv, 403, names, values, len, NULL, 0), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_reject(drv, 403, names, values, 1, bytes, len), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_driver_new_extended_server(NULL, names, values, len, &rack),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK(rack == NULL);
    }
    /* A capacity over PTRDIFF_MAX is refused too (2^44 is a capacity the
     * caller may have: only the length is read from there). */
    CHECK_RES(ws_take_output(drv, out, (size_t)-1, &n), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_send_into(drv, WS_MESSAGE_BINARY, bytes, 1, out, (size_t)-1, &n),
              WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_frame_message(drv, WS_MESSAGE_BINARY, bytes, 1, out, (size_t)-1, &n),
              WS_RESULT_INVALID_ARGUMENT);
    /* ws_frame_header's length is a u64: over PTRDIFF_MAX is no payload
     * (2^63 and up wrote a header with the top length bit set). */
    {
        size_t hn = 0;
        uint8_t head[WS_FRAME_HEADER_MAX];
        CHECK_RES(ws_frame_header(drv, WS_MESSAGE_BINARY, (uint64_t)PTRDIFF_MAX + 1, head, &hn),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_frame_header(drv, WS_MESSAGE_BINARY, UINT64_MAX, head, &hn),
                  WS_RESULT_INVALID_ARGUMENT);
        CHECK_INT(hn, 0);
    }
    /* The driver is untouched: it still works. */
    CHECK_INT(ws_buffered_amount(drv), 0);
    CHECK_RES(ws_text(drv, "x", 1), WS_RESULT_OK);
    ws_extension_free(ext);
    ws_proxy_free(proxy);
    ws_driver_free(client);
    ws_driver_free(drv);
}

/* ws_buffer_set is reached from an extension callback. */
static ws_result buffer_results[HUGE_COUNT];
static int offer_huge(void *user, ws_buffer *out) {
    size_t i;
    (void)user;
    for (i = 0; i < HUGE_COUNT; i++) buffer_results[i] = ws_buffer_set(out, (const uint8_t *)"", huge[i]);
    return 1;
}
static void buffer_set_refuses_impossible_sizes(void) {
    ws_driver *drv;
    ws_extension *ext;
    size_t i;
    CHECK_RES(ws_driver_new_client(NULL, "ws://example.com/", &drv), WS_RESULT_OK);
    CHECK_RES(ws_extension_new("x", 0, &ext), WS_RESULT_OK);
    ws_extension_on_offer(ext, offer_huge);
    CHECK_RES(ws_add_extension(drv, ext), WS_RESULT_OK);
    CHECK_RES(ws_start(drv), WS_RESULT_OK);
    for (i = 0; i < HUGE_COUNT; i++) CHECK_RES(buffer_results[i], WS_RESULT_INVALID_ARGUMENT);
    ws_driver_free(drv);
}

const harness_test length_tests[] = {
    {"every_length_argument_refuses_impossible_sizes", every_length_argument_refuses_impossible_sizes},
    {"buffer_set_refuses_impossible_sizes", buffer_set_refuses_impossible_sizes},
    {NULL, NULL},
};
