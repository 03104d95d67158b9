/* ws_parse_in_place: a host reading into its own buffer in small pieces,
 * keeping what the driver leaves, sees what ws_parse gives (writes and
 * events, in order); a whole message arrives as a pointer into that
 * buffer; a message that does not fit is still delivered. The same for
 * ws_poll_in_place against ws_feed + ws_poll. */
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"
#include "util.h"

/* Every kind of input: short, 16-bit and 64-bit lengths, text, a ping, a
 * fragmented message, invalid UTF-8 last (error and close). */
static void traffic(buf *in) {
    static char big[70000];
    size_t i;
    for (i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
    frame(in, 1, 1, 1, "hello", 5);
    frame(in, 1, 2, 1, big, 300);
    frame(in, 1, 9, 1, "pi", 2);
    frame(in, 1, 1, 1, big, sizeof big);
    frame(in, 0, 1, 1, "fra", 3);
    frame(in, 1, 0, 1, "gment", 5);
    frame(in, 1, 1, 1, "\xe2\x82\xac", 3);
    frame(in, 1, 1, 1, "\xff", 1);
}

/* Reads `in` `chunk` bytes at a time into a buffer of `cap` bytes. */
static uint32_t host_run(ws_driver *d, const buf *in, size_t chunk, size_t cap) {
    uint8_t *b = malloc(cap);
    size_t at = 0, len = 0;
    uint32_t res = WS_RESULT_OK;
    if (b == NULL) return WS_RESULT_PANIC;
    while ((at < in->len || len > 0) && res == WS_RESULT_OK) {
        size_t n = in->len - at, used = 0;
        if (n > chunk) n = chunk;
        if (n > cap - len) n = cap - len;
        memcpy(b + len, in->data + at, n);
        at += n;
        len += n;
        /* At the end of the input nothing may be left: room 0. */
        res = ws_parse_in_place(d, b, len, at == in->len ? 0 : cap, &used);
        memmove(b, b + used, len - used);
        len -= used;
    }
    free(b);
    return res;
}

static void same_as_ws_parse_for_any_read_size(void) {
    static const size_t chunks[] = {1, 5, 100, 4096, 200000};
    rec want, got;
    ws_driver *a, *b;
    buf in;
    size_t c;
    memset(&in, 0, sizeof in);
    memset(&want, 0, sizeof want);
    traffic(&in);
    a = open_server(&want, NULL);
    CHECK(a != NULL);
    CHECK_RES(ws_parse(a, in.data, in.len), WS_RESULT_OK);
    CHECK(want.errors == 1 && want.closes == 1);
    for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        memset(&got, 0, sizeof got);
        b = open_server(&got, NULL);
        CHECK(b != NULL);
        CHECK_RES(host_run(b, &in, chunks[c], 100000), WS_RESULT_OK);
        CHECK_INT(got.log.len, want.log.len);
        CHECK(memcmp(got.log.data, want.log.data, want.log.len) == 0);
        CHECK_INT(got.out.len, want.out.len);
        CHECK(memcmp(got.out.data, want.out.data, want.out.len) == 0);
        ws_driver_free(b);
        rec_free(&got);
    }
    ws_driver_free(a);
    rec_free(&want);
    buf_free(&in);
}

static const uint8_t *seen_at;
static size_t seen_len;

static int note_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                        size_t len) {
    (void)user;
    (void)drv;
    (void)kind;
    seen_at = data;
    seen_len = len;
    return 0;
}

static void messages_point_into_the_buffer(void) {
    rec r;
    ws_driver *d;
    buf in;
    size_t used = 0;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    CHECK_RES(ws_on_message(d, note_message, NULL), WS_RESULT_OK);
    frame(&in, 1, 2, 1, "in place", 8);
    CHECK_RES(ws_parse_in_place(d, in.data, in.len, in.len, &used), WS_RESULT_OK);
    CHECK_INT(used, in.len);
    CHECK(seen_at == in.data + 6);
    CHECK_INT(seen_len, 8);
    CHECK(memcmp(in.data + 6, "in place", 8) == 0);
    CHECK_RES(ws_parse_in_place(NULL, in.data, in.len, 0, &used), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_parse_in_place(d, NULL, 1, 0, &used), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_parse_in_place(d, in.data, in.len, 0, NULL), WS_RESULT_NULL_PARAMETER);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static ws_driver *open_pull(void) {
    ws_driver *d = NULL;
    ws_action a;
    if (ws_driver_new_server(NULL, &d) != WS_RESULT_OK) return NULL;
    ws_start(d);
    ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST));
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    while (ws_poll(d, &a) == WS_RESULT_OK) {
    }
    return d;
}

/* Appends an action to a log: kind, message kind, code, length, bytes. */
static void log_action(buf *log, const ws_action *a) {
    uint32_t head[3];
    uint64_t len = a->len;
    head[0] = a->kind;
    head[1] = a->message_kind;
    head[2] = a->code;
    buf_add(log, head, sizeof head);
    buf_add(log, &len, sizeof len);
    buf_add(log, a->data, a->len);
}

static void pull_same_as_ws_poll_for_any_read_size(void) {
    static const size_t chunks[] = {1, 7, 1000, 200000};
    const size_t cap = 100000;
    ws_driver *d;
    ws_action a;
    buf in, want, got;
    size_t c;
    memset(&in, 0, sizeof in);
    memset(&want, 0, sizeof want);
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    traffic(&in);
    d = open_pull();
    CHECK(d != NULL);
    CHECK_RES(ws_feed(d, in.data, in.len), WS_RESULT_OK);
    while (ws_poll(d, &a) == WS_RESULT_OK) log_action(&want, &a);
    ws_driver_free(d);
    for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        uint8_t *b = malloc(cap);
        size_t at = 0, len = 0;
        CHECK(b != NULL);
        memset(&got, 0, sizeof got);
        d = open_pull();
        CHECK(d != NULL);
        while (at < in.len || len > 0) {
            size_t n = in.len - at, pos = 0, used;
            uint32_t r;
            if (n > chunks[c]) n = chunks[c];
            if (n > cap - len) n = cap - len;
            memcpy(b + len, in.data + at, n);
            at += n;
            len += n;
            while ((r = ws_poll_in_place(d, b + pos, len - pos, at == in.len ? 0 : cap, &a,
                                         &used)) == WS_RESULT_OK) {
                pos += used;
                log_action(&got, &a);
            }
            CHECK_RES(r, WS_RESULT_EMPTY);
            pos += used;
            memmove(b, b + pos, len - pos);
            len -= pos;
        }
        CHECK_INT(got.len, want.len);
        CHECK(memcmp(got.data, want.data, want.len) == 0);
        ws_driver_free(d);
        buf_free(&got);
        free(b);
    }
    buf_free(&want);
    buf_free(&in);
}

const harness_test in_place_tests[] = {
    {"in_place/pull_same_as_ws_poll_for_any_read_size", pull_same_as_ws_poll_for_any_read_size},
    {"in_place/same_as_ws_parse_for_any_read_size", same_as_ws_parse_for_any_read_size},
    {"in_place/messages_point_into_the_buffer", messages_point_into_the_buffer},
    TEST_LIST_END,
};
