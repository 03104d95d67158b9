/* A host that does what the header allows at the worst moment: frees the
 * driver from a callback that a later step of the same call runs, and
 * reads ws_last_error after every kind of refusal. Library-side memory
 * errors show under valgrind (scripts/test-c.sh) and under a library built
 * with -Zsanitizer=address; the checks below hold either way. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"
#include "wsdriver_socket.h"

static int send_into_frees;

static int free_on_second_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                  size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    send_into_frees++;
    ws_driver_free(drv);
    return 0;
}

static int stop_on_first_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                 size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    ws_on_message(drv, free_on_second_message, NULL);
    return 1;
}

/* ws_send_into resumes the dispatch a callback stopped before it queues its
 * message; a callback freeing the driver there used to leave ws_send_into
 * calling ws_text on freed memory. */
static void send_into_survives_a_free_in_the_dispatch_it_resumes(void) {
    rec r;
    buf in;
    ws_driver *d;
    uint8_t out[64];
    size_t n = 99;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, stop_on_first_message, NULL);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_CALLBACK_STOPPED);
    send_into_frees = 0;
    /* "two" is queued: the frame cannot go into out ahead of it. */
    CHECK_RES(ws_send_into(d, WS_MESSAGE_TEXT, (const uint8_t *)"x", 1, out, sizeof out, &n),
              WS_RESULT_OK);
    CHECK_INT(send_into_frees, 1);
    CHECK_INT(n, 0);
    /* d is gone. */
    rec_free(&r);
    buf_free(&in);
}

/* Sets a known ws_last_error, makes a call that must fail, and checks that
 * the call left a message of its own (refusals of impossible lengths used
 * to leave the older call's text, naming a failure that did not happen). */
#define SENTINEL "1 is not a close code that may be sent."
#define CHECK_OWN_ERROR(d, call)                                                         \
    do {                                                                                 \
        uint32_t r_;                                                                     \
        CHECK_RES(ws_close((d), 1, NULL, 0), WS_RESULT_INVALID_ARGUMENT);                \
        CHECK_STR(ws_last_error(d), SENTINEL);                                           \
        r_ = (call);                                                                     \
        CHECK(r_ != WS_RESULT_OK && r_ != WS_RESULT_NULL_PARAMETER && r_ != WS_RESULT_EMPTY); \
        CHECK(ws_last_error(d) != NULL);                                                 \
        if (strcmp(ws_last_error(d), SENTINEL) == 0) {                                   \
            harness_fail(__FILE__, __LINE__, "%s kept the older ws_last_error", #call);  \
            return;                                                                      \
        }                                                                                \
    } while (0)

static void every_failing_call_leaves_its_own_last_error(void) {
    rec r;
    ws_driver *d;
    uint8_t bytes[16] = {0}, out[4];
    size_t n, big = (size_t)-1;
    const char *name, *value;
    ws_action a;
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    a.struct_size = sizeof a;
    CHECK_OWN_ERROR(d, ws_parse(d, bytes, big));
    CHECK_OWN_ERROR(d, ws_feed(d, bytes, big));
    CHECK_OWN_ERROR(d, ws_read(d, bytes, big, &n));
    CHECK_OWN_ERROR(d, ws_text(d, "x", big));
    CHECK_OWN_ERROR(d, ws_binary(d, bytes, big));
    CHECK_OWN_ERROR(d, ws_ping(d, bytes, big, NULL, NULL));
    CHECK_OWN_ERROR(d, ws_close(d, 1000, "r", big));
    CHECK_OWN_ERROR(d, ws_take_output(d, out, big, &n));
    CHECK_OWN_ERROR(d, ws_send_into(d, 9, bytes, 1, out, sizeof out, &n));
    CHECK_OWN_ERROR(d, ws_send_into(d, WS_MESSAGE_BINARY, bytes, big, out, sizeof out, &n));
    CHECK_OWN_ERROR(d, ws_frame_message(d, WS_MESSAGE_BINARY, bytes, 1, out, big, &n));
    CHECK_OWN_ERROR(d, ws_frame_message(d, WS_MESSAGE_BINARY, bytes, 10, out, sizeof out, &n));
    CHECK_OWN_ERROR(d, ws_header_at(d, 999, &name, &value));
    CHECK_OWN_ERROR(d, ws_extended_field_at(d, 0, &name, &value));
    CHECK_OWN_ERROR(d, ws_parse_in_place(d, bytes, big, 0, &n));
    CHECK_OWN_ERROR(d, ws_poll_in_place(d, bytes, big, 0, &a, &n));
    ws_driver_free(d);
    rec_free(&r);
}

static uint32_t after_free_result;
static const char *after_free_error;

static int free_then_send(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                          size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    ws_driver_free(drv);
    after_free_result = ws_text(drv, "x", 1);
    after_free_error = ws_last_error(drv);
    return 0;
}

/* A call on a driver freed from inside its callback (still whole until the
 * outer call returns) is refused, and says why. */
static void a_call_after_a_deferred_free_says_why(void) {
    rec r;
    buf in;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, free_then_send, NULL);
    frame(&in, 1, 1, 1, "one", 3);
    after_free_error = NULL;
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_RES(after_free_result, WS_RESULT_INVALID_STATE);
    CHECK(after_free_error != NULL);
    rec_free(&r);
    buf_free(&in);
}

/* ws_socket_write with a length no buffer has: refused, nothing written,
 * the transport still usable (SIZE_MAX used to overflow the helper's
 * buffer arithmetic and memcpy SIZE_MAX bytes once output was buffered). */
static void socket_write_refuses_impossible_lengths(void) {
    static uint8_t junk[65536];
    int sv[2], i;
    ws_driver *d = NULL;
    ws_socket *s;
    size_t before;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(s != NULL);
    /* Nothing buffered yet. */
    CHECK_INT(ws_socket_write(s, junk, SIZE_MAX), -1);
    CHECK_INT(ws_socket_write(s, junk, (size_t)PTRDIFF_MAX + 1), -1);
    /* With output buffered (the peer reads nothing). */
    for (i = 0; i < 1000 && ws_socket_buffered(s) == 0; i++)
        CHECK_INT(ws_socket_write(s, junk, sizeof junk), 0);
    before = ws_socket_buffered(s);
    CHECK(before > 0);
    CHECK_INT(ws_socket_write(s, junk, SIZE_MAX), -1);
    CHECK_INT(ws_socket_write(s, junk, (size_t)PTRDIFF_MAX + 1), -1);
    CHECK_INT(ws_socket_buffered(s), before);
    CHECK_INT(ws_socket_write(s, junk, 10), 0);
    CHECK_INT(ws_socket_buffered(s), before + 10);
    ws_socket_free(s);
    close(sv[1]);
}

/* Framing into a buffer that holds the message itself (the payload written
 * after room for a header): refused, not a memcpy over its own source
 * that sent a corrupted payload. Adjacent buffers are fine. */
static void framing_refuses_a_buffer_that_overlaps_the_message(void) {
    rec r;
    ws_driver *d;
    uint8_t buf[64];
    size_t n = 99;
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    memcpy(buf + 1, "0123456789", 10);
    CHECK_RES(ws_frame_message(d, WS_MESSAGE_BINARY, buf + 1, 10, buf, sizeof buf, &n),
              WS_RESULT_INVALID_ARGUMENT);
    CHECK(ws_last_error(d) != NULL && strstr(ws_last_error(d), "overlaps") != NULL);
    CHECK_RES(ws_frame_message(d, WS_MESSAGE_BINARY, buf + 40, 10, buf + 30, 20, &n),
              WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_send_into(d, WS_MESSAGE_BINARY, buf + 1, 10, buf, sizeof buf, &n),
              WS_RESULT_INVALID_ARGUMENT);
    CHECK_INT(n, 0);
    CHECK_INT(r.out.len, 0); /* nothing was sent either way */
    /* Side by side: framed. */
    memcpy(buf + 52, "0123456789", 10);
    CHECK_RES(ws_frame_message(d, WS_MESSAGE_BINARY, buf + 52, 10, buf, 52, &n), WS_RESULT_OK);
    CHECK_INT(n, 12);
    CHECK_INT(buf[0], 0x82);
    CHECK(memcmp(buf + 2, "0123456789", 10) == 0);
    ws_driver_free(d);
    rec_free(&r);
}

static size_t heap_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

static size_t big_len;
static int big_ok;

static int check_big(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    size_t i;
    (void)user, (void)drv, (void)kind;
    big_len = len;
    big_ok = 1;
    for (i = 0; i < len; i++)
        if (data[i] != (uint8_t)i) big_ok = 0;
    return 0;
}

/* A peer that announces a large frame and sends a few bytes of it: the
 * socket helper's read buffer grows with what arrived, not with what the
 * header claims (14 bytes claiming 1 MiB used to hold 1 MiB per
 * connection), and the message still arrives whole. The heap figure is
 * glibc's (mallinfo2); under ASan or valgrind it does not move. */
static void socket_read_memory_follows_the_bytes_that_arrived(void) {
    enum { LEN = 1000000 };
    static const uint8_t key[4] = {1, 2, 3, 4};
    uint8_t *msg = malloc(14 + LEN);
    int sv[2];
    ws_driver *d;
    ws_socket *s;
    rec r;
    size_t before, i, sent;
    CHECK(msg != NULL);
    msg[0] = 0x82;
    msg[1] = 0x80 | 127;
    for (i = 0; i < 8; i++) msg[2 + i] = (uint8_t)((uint64_t)LEN >> (8 * (7 - i)));
    memcpy(msg + 10, key, 4);
    for (i = 0; i < LEN; i++) msg[14 + i] = (uint8_t)((uint8_t)i ^ key[i % 4]);
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, check_big, NULL);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(s != NULL);
    before = heap_in_use();
    CHECK_INT(write(sv[1], msg, 14 + 16), 14 + 16);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    CHECK(heap_in_use() < before + 64 * 1024);
    big_len = 0;
    for (sent = 30, i = 0; sent < 14 + LEN && i < 10000; i++) {
        ssize_t n = write(sv[1], msg + sent, 14 + LEN - sent > 50000 ? 50000 : 14 + LEN - sent);
        if (n > 0) sent += (size_t)n;
        CHECK(ws_socket_read(s) == WS_SOCKET_OK);
    }
    CHECK_INT(big_len, LEN);
    CHECK(big_ok);
    ws_socket_free(s);
    close(sv[1]);
    free(msg);
    rec_free(&r);
}

static int stops_left;

static int fail_inside(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    if (stops_left-- > 0) return 1;
    /* A failing call from inside the callback: its message is its own. */
    return ws_close(drv, 1, NULL, 0) != WS_RESULT_INVALID_ARGUMENT;
}

/* A call that runs callbacks and then fails reports its own failure in
 * ws_last_error, not one a callback's nested call left. */
static void a_failure_after_callbacks_reports_its_own_error(void) {
    buf in;
    ws_driver *d = NULL;
    uint8_t out[1];
    size_t n = 0;
    memset(&in, 0, sizeof in);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    ws_on_message(d, fail_inside, NULL); /* no write callback: output waits */
    CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    stops_left = 1;
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_CALLBACK_STOPPED);
    /* Delivers "two" (whose callback makes a failing call), then finds the
     * 101 response waiting for a buffer of 0 bytes. */
    CHECK_RES(ws_take_output(d, out, 0, &n), WS_RESULT_BUFFER_TOO_SMALL);
    CHECK(ws_last_error(d) != NULL);
    CHECK(strstr(ws_last_error(d), "close code") == NULL);
    ws_driver_free(d);
    buf_free(&in);
}

/* The pull host's echo: every message of a batch sent back with
 * ws_binary, in order, before the next batch. The batch's pointers stay
 * valid through those commands (checked again after all of them; a stale
 * pointer shows under valgrind and the instrumented ASan build). */
static void a_batch_stays_valid_while_its_messages_are_echoed(void) {
    static uint8_t payload[5][3000];
    static const size_t sizes[5] = {3, 3000, 10, 2500, 1};
    buf in, out;
    ws_driver *d = NULL;
    ws_action a[8];
    size_t count = 0, i, k, at;
    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    a[0].struct_size = sizeof a[0];
    CHECK_RES(ws_feed(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    while (ws_poll(d, a) == WS_RESULT_OK)
        if (a[0].kind == WS_ACTION_CONNECT) CHECK_RES(ws_start(d), WS_RESULT_OK);
    for (i = 0; i < 5; i++) {
        memset(payload[i], (int)('a' + i), sizeof payload[i]);
        frame(&in, 1, 2, 1, payload[i], sizes[i]);
    }
    CHECK_RES(ws_feed(d, in.data, in.len), WS_RESULT_OK);
    CHECK_RES(ws_poll_many(d, a, 8, &count), WS_RESULT_OK);
    CHECK_INT(count, 5);
    for (i = 0; i < count; i++) {
        CHECK_INT(a[i].kind, WS_ACTION_MESSAGE);
        CHECK_RES(ws_binary(d, a[i].data, a[i].len), WS_RESULT_OK);
    }
    for (i = 0; i < count; i++) {
        CHECK_INT(a[i].len, sizes[i]);
        CHECK(memcmp(a[i].data, payload[i], sizes[i]) == 0);
    }
    /* The echoes, in order. */
    for (k = 0; k < 100 && ws_poll(d, a) == WS_RESULT_OK; k++)
        if (a[0].kind == WS_ACTION_WRITE) buf_add(&out, a[0].data, a[0].len);
    for (i = 0, at = 0; i < 5; i++) {
        size_t head = sizes[i] < 126 ? 2 : 4;
        CHECK(at + head + sizes[i] <= out.len);
        CHECK_INT(out.data[at], 0x82);
        CHECK(memcmp(out.data + at + head, payload[i], sizes[i]) == 0);
        at += head + sizes[i];
    }
    CHECK_INT(at, out.len);
    ws_driver_free(d);
    buf_free(&in);
    buf_free(&out);
}

static int depth_now, depth_max, refeeds;
static buf refeed_frame;

static int refeed_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                          size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    if (++depth_now > depth_max) depth_max = depth_now;
    /* Every message feeds the next one (and parses nothing in here). */
    if (refeeds++ < 10000) ws_parse(drv, refeed_frame.data, refeed_frame.len);
    depth_now--;
    return 0;
}

/* A host whose every message feeds another (a peer and a reentrant host
 * together): 10,000 messages run one after the other at callback depth 1,
 * not nested, so no stack grows with them. */
static void input_fed_from_callbacks_never_nests_them(void) {
    rec r;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&refeed_frame, 0, sizeof refeed_frame);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    frame(&refeed_frame, 1, 1, 1, "again", 5);
    ws_on_message(d, refeed_message, NULL);
    depth_now = depth_max = refeeds = 0;
    CHECK_RES(ws_parse(d, refeed_frame.data, refeed_frame.len), WS_RESULT_OK);
    CHECK_INT(refeeds, 10001);
    CHECK_INT(depth_max, 1);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&refeed_frame);
}

/* An array with a count of 0 is not looked at, whatever its pointer: a
 * misaligned one used to abort the process in debug builds (a Rust
 * precondition check on the slice made from it). */
static void a_zero_count_ignores_its_pointer(void) {
    const char *const *odd = (const char *const *)(uintptr_t)3;
    ws_driver *d = NULL, *other = NULL;
    CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", odd, odd, 0, NULL, 0, NULL, &other),
              WS_RESULT_OK);
    ws_driver_free(other);
    other = NULL;
    CHECK_RES(ws_driver_new_extended_server(NULL, odd, odd, 0, &other), WS_RESULT_OK);
    ws_driver_free(other);
    other = NULL;
    CHECK_RES(ws_driver_new_extended_client(NULL, "wss://example.com/", &other), WS_RESULT_OK);
    CHECK_RES(ws_start(other), WS_RESULT_OK);
    CHECK_RES(ws_extended_response(other, odd, odd, 0), WS_RESULT_HANDSHAKE_FAILED);
    ws_driver_free(other);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK_RES(ws_reject(d, 403, odd, odd, 0, (const uint8_t *)(uintptr_t)1, 0), WS_RESULT_OK);
    {
        /* No element to read the stride from: refused before reading it. */
        size_t count = 99;
        CHECK_RES(ws_poll_many(d, (ws_action *)(uintptr_t)8, 0, &count), WS_RESULT_INVALID_ARGUMENT);
    }
    ws_driver_free(d);
}

static ws_options *shared_opts;
static ws_deflate *shared_deflate;

static void *make_drivers(void *arg) {
    int i, *failures = arg;
    for (i = 0; i < 2000; i++) {
        ws_driver *d = NULL;
        if (ws_driver_new_server(shared_opts, &d) != WS_RESULT_OK ||
            ws_add_deflate(d, shared_deflate) != WS_RESULT_OK)
            (*failures)++;
        ws_driver_free(d);
    }
    return NULL;
}

/* One options object and one deflate object, read (as const) by four
 * threads creating drivers at once: every creation works (reading them
 * used to bump a non-atomic borrow count, a data race). */
static void options_read_by_many_threads_at_once(void) {
    pthread_t t[4];
    int failures[4] = {0, 0, 0, 0}, i;
    shared_opts = ws_options_new();
    shared_deflate = ws_deflate_new();
    CHECK(shared_opts != NULL && shared_deflate != NULL);
    CHECK_RES(ws_options_set_max_length(shared_opts, 1000), WS_RESULT_OK);
    for (i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, make_drivers, &failures[i]) == 0);
    for (i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (i = 0; i < 4; i++) CHECK_INT(failures[i], 0);
    ws_deflate_free(shared_deflate);
    ws_options_free(shared_opts);
}

const harness_test hostile_host_tests[] = {
    {"options_read_by_many_threads_at_once", options_read_by_many_threads_at_once},
    {"a_zero_count_ignores_its_pointer", a_zero_count_ignores_its_pointer},
    {"input_fed_from_callbacks_never_nests_them", input_fed_from_callbacks_never_nests_them},
    {"a_batch_stays_valid_while_its_messages_are_echoed",
     a_batch_stays_valid_while_its_messages_are_echoed},
    {"a_failure_after_callbacks_reports_its_own_error",
     a_failure_after_callbacks_reports_its_own_error},
    {"socket_read_memory_follows_the_bytes_that_arrived",
     socket_read_memory_follows_the_bytes_that_arrived},
    {"framing_refuses_a_buffer_that_overlaps_the_message",
     framing_refuses_a_buffer_that_overlaps_the_message},
    {"socket_write_refuses_impossible_lengths", socket_write_refuses_impossible_lengths},
    {"every_failing_call_leaves_its_own_last_error", every_failing_call_leaves_its_own_last_error},
    {"a_call_after_a_deferred_free_says_why", a_call_after_a_deferred_free_says_why},
    {"send_into_survives_a_free_in_the_dispatch_it_resumes",
     send_into_survives_a_free_in_the_dispatch_it_resumes},
    {NULL, NULL},
};
