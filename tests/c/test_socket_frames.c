/* bindings/c/wsdriver_socket with messages larger than one read: frames
 * completed in the socket's read buffer over several reads (and what a
 * callback that stops or frees does meanwhile), and ws_socket_send's direct
 * writes, over a socketpair. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"
#include "wsdriver_socket.h"

static size_t drain_peer(int fd, buf *into) {
    uint8_t tmp[65536];
    size_t total = 0;
    ssize_t n;
    while ((n = read(fd, tmp, sizeof tmp)) > 0) {
        if (into) buf_add(into, tmp, (size_t)n);
        total += (size_t)n;
    }
    return total;
}

static int make_pair(int sv[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
}

static int start_on_connect(void *user, ws_driver *drv) {
    rec_on_connect(user, drv);
    return ws_start(drv) != WS_RESULT_OK;
}

/* The socket a callback frees or sends on. */
static ws_socket *current;

static int free_socket_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                  size_t len) {
    rec_on_message(user, drv, kind, data, len);
    ws_socket_free(current);
    return 0;
}

/* A server socket on sv[0] (owning the fd and the driver), open, recorded
 * by r. */
static ws_socket *open_socket(int sv[2], rec *r) {
    ws_driver *d;
    ws_socket *s;
    if (make_pair(sv) != 0) return NULL;
    d = open_server(r, NULL);
    if (d == NULL) return NULL;
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    if (s == NULL) ws_driver_free(d);
    return s;
}

/* Text of `len` bytes with two- and three-byte characters, so pieces cut
 * characters apart. */
static void utf8_text(buf *b, size_t len) {
    static const char unit[] = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac ";
    size_t u = sizeof unit - 1;
    while (b->len + u <= len) buf_add(b, unit, u);
    while (b->len < len) buf_add(b, "x", 1);
}

/* What rec logs for one message. */
static void expect_message(buf *log, int text, const buf *payload) {
    char head[64];
    snprintf(head, sizeof head, "message %s %lu ", text ? "text" : "binary",
             (unsigned long)payload->len);
    buf_adds(log, head);
    buf_add(log, payload->data, payload->len);
    buf_adds(log, "|");
}

#define CHECK_LOG(r, want)                                                              \
    do {                                                                                \
        CHECK_INT((r).log.len, (want).len);                                             \
        CHECK((want).len == 0 || memcmp((r).log.data, (want).data, (want).len) == 0);   \
    } while (0)

/* Writes in[at..at+n) to fd (the socketpair takes it: pieces are small). */
/* Appends n bytes of a pattern that changes every byte (i * step). */
static void fill_pattern(buf *b, size_t n, unsigned step) {
    size_t i;
    for (i = 0; i < n; i++) buf_add(b, &(uint8_t){(uint8_t)(i * step)}, 1);
}

static int put(int fd, const buf *in, size_t at, size_t n) {
    return write(fd, in->data + at, n) == (ssize_t)n ? 0 : -1;
}

/* Sends in[from..to) in pieces of `piece` bytes, each read with
 * ws_socket_read before the next is sent. */
static void send_in_pieces(ws_socket *s, int fd, const buf *in, size_t from, size_t to,
                           size_t piece) {
    size_t at;
    for (at = from; at < to; at += piece) {
        size_t n = to - at < piece ? to - at : piece;
        CHECK(put(fd, in, at, n) == 0);
        CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    }
}

static void large_frame_over_several_reads_is_delivered_whole(void) {
    int sv[2];
    rec r;
    buf text, bin, in, want;
    ws_socket *s;
    size_t at, piece = 30001; /* cuts characters and the header apart */
    memset(&r, 0, sizeof r);
    memset(&text, 0, sizeof text);
    memset(&bin, 0, sizeof bin);
    memset(&in, 0, sizeof in);
    memset(&want, 0, sizeof want);
    s = open_socket(sv, &r);
    CHECK(s != NULL);
    utf8_text(&text, 200000);
    fill_pattern(&bin, 150000, 7);
    /* A text frame larger than the stack chunk, then a binary one, then a
     * small one after them; every piece is read before the next is sent. */
    frame(&in, 1, 1, 1, text.data, text.len);
    frame(&in, 1, 2, 1, bin.data, bin.len);
    frame(&in, 1, 1, 1, "after", 5);
    for (at = 0; at < in.len; at += piece) {
        size_t n = in.len - at < piece ? in.len - at : piece;
        CHECK(put(sv[1], &in, at, n) == 0);
        CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
        if (at + n < 200014) CHECK_INT(r.messages, 0); /* not whole yet */
    }
    expect_message(&want, 1, &text);
    expect_message(&want, 0, &bin);
    buf_adds(&want, "message text 5 after|");
    CHECK_INT(r.messages, 3);
    CHECK_LOG(r, want);
    /* Again in 64 KiB pieces: after a frame had to be kept, reads go
     * straight into a heap buffer of its size. */
    r.messages = 0;
    buf_clear(&r.log);
    send_in_pieces(s, sv[1], &in, 0, in.len, 65536);
    CHECK_INT(r.messages, 3);
    CHECK_LOG(r, want);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&text);
    buf_free(&bin);
    buf_free(&in);
    buf_free(&want);
}

static void header_cut_by_a_read_is_completed_in_the_buffer(void) {
    int sv[2];
    rec r;
    buf bin, in, want, a;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&bin, 0, sizeof bin);
    memset(&in, 0, sizeof in);
    memset(&want, 0, sizeof want);
    memset(&a, 0, sizeof a);
    s = open_socket(sv, &r);
    CHECK(s != NULL);
    fill_pattern(&bin, 70000, 5);
    buf_adds(&a, "a");
    frame(&in, 1, 1, 1, "a", 1);
    frame(&in, 1, 2, 1, bin.data, bin.len);
    /* The first read ends 3 bytes into the 14-byte header. */
    CHECK(put(sv[1], &in, 0, 7 + 3) == 0);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    CHECK_INT(r.messages, 1);
    send_in_pieces(s, sv[1], &in, 10, in.len, 5000);
    expect_message(&want, 1, &a);
    expect_message(&want, 0, &bin);
    CHECK_INT(r.messages, 2);
    CHECK_LOG(r, want);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&bin);
    buf_free(&in);
    buf_free(&want);
    buf_free(&a);
}

static size_t heap_in_use(void) {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* After a large message the next read goes into a buffer of its size; when
 * that read brings only a header announcing another large frame, the
 * buffer shrinks to what arrived (a stalled peer holds little), and the
 * frame still arrives whole. The heap figure is glibc's (mallinfo2); under
 * ASan or valgrind it does not move. */
static void stalled_header_after_a_large_message_holds_little(void) {
    int sv[2];
    rec r;
    buf big, in, want;
    ws_socket *s;
    size_t before;
    memset(&r, 0, sizeof r);
    memset(&big, 0, sizeof big);
    memset(&in, 0, sizeof in);
    memset(&want, 0, sizeof want);
    s = open_socket(sv, &r);
    CHECK(s != NULL);
    fill_pattern(&big, 1000000, 3);
    frame(&in, 1, 2, 1, big.data, big.len);
    frame(&in, 1, 2, 1, big.data, big.len);
    send_in_pieces(s, sv[1], &in, 0, 1000014, 50000);
    CHECK_INT(r.messages, 1);
    before = heap_in_use();
    CHECK(put(sv[1], &in, 1000014, 14 + 16) == 0);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    CHECK(heap_in_use() < before + 64 * 1024);
    send_in_pieces(s, sv[1], &in, 1000014 + 30, in.len, 50000);
    expect_message(&want, 0, &big);
    expect_message(&want, 0, &big);
    CHECK_INT(r.messages, 2);
    CHECK_LOG(r, want);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&big);
    buf_free(&in);
    buf_free(&want);
}

static void invalid_text_in_a_kept_frame_fails_before_it_is_whole(void) {
    int sv[2];
    rec r;
    buf text, in;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&text, 0, sizeof text);
    memset(&in, 0, sizeof in);
    s = open_socket(sv, &r);
    CHECK(s != NULL);
    utf8_text(&text, 100000);
    text.data[1000] = 0xFF;
    frame(&in, 1, 1, 1, text.data, text.len);
    CHECK(put(sv[1], &in, 0, 5000) == 0);
    ws_socket_read(s); /* the status depends on how the driver reports it */
    CHECK_INT(r.messages, 0);
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.error_code, 1007);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&text);
    buf_free(&in);
}

static void stop_while_a_frame_is_kept_resumes_in_order(void) {
    int sv[2];
    rec r;
    buf bin, in, want, a;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&bin, 0, sizeof bin);
    memset(&in, 0, sizeof in);
    memset(&want, 0, sizeof want);
    memset(&a, 0, sizeof a);
    s = open_socket(sv, &r);
    CHECK(s != NULL);
    fill_pattern(&bin, 100000, 13);
    buf_adds(&a, "a");
    /* Kept first (a frame not whole), then the stop comes with the rest. */
    frame(&in, 1, 2, 1, bin.data, bin.len);
    frame(&in, 1, 1, 1, "a", 1);
    frame(&in, 1, 2, 1, bin.data, bin.len);
    CHECK(put(sv[1], &in, 0, 40000) == 0);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    CHECK(put(sv[1], &in, 40000, 100000) == 0); /* ends inside the third */
    r.stop_on_message = 1;
    CHECK_INT(ws_socket_read(s), WS_SOCKET_STOPPED);
    CHECK_INT(r.messages, 1);
    r.stop_on_message = 1;
    CHECK_INT(ws_socket_read(s), WS_SOCKET_STOPPED); /* "a", from the driver */
    CHECK_INT(r.messages, 2);
    CHECK(put(sv[1], &in, 140000, in.len - 140000) == 0);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    CHECK_INT(r.messages, 3);
    expect_message(&want, 0, &bin);
    expect_message(&want, 1, &a);
    expect_message(&want, 0, &bin);
    CHECK_LOG(r, want);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&bin);
    buf_free(&in);
    buf_free(&want);
    buf_free(&a);
}

static void free_from_callback_while_a_frame_is_kept(void) {
    int sv[2];
    ssize_t n;
    rec r;
    buf in, big;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    memset(&big, 0, sizeof big);
    current = open_socket(sv, &r);
    CHECK(current != NULL);
    d = ws_socket_driver(current);
    ws_on_message(d, free_socket_on_message, &r);
    while (big.len < 90000) buf_adds(&big, "0123456789");
    /* The first message completes a kept frame; the read buffer also holds
     * the start of the next one when the callback frees the socket. */
    frame(&in, 1, 2, 1, big.data, big.len);
    frame(&in, 1, 2, 1, big.data, big.len);
    CHECK(put(sv[1], &in, 0, 50000) == 0);
    CHECK_INT(ws_socket_read(current), WS_SOCKET_OK);
    CHECK(put(sv[1], &in, 50000, 60000) == 0);
    CHECK_INT(ws_socket_read(current), WS_SOCKET_FREED);
    CHECK_INT(r.messages, 1);
    /* The fd was closed (with input unread: a reset). */
    n = read(sv[1], in.data, 1);
    CHECK(n == 0 || (n < 0 && errno == ECONNRESET));
    close(sv[1]);
    rec_free(&r);
    buf_free(&in);
    buf_free(&big);
}

static void eof_with_a_kept_frame_closes_1006(void) {
    int sv[2];
    rec r;
    buf in, big;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    memset(&big, 0, sizeof big);
    s = open_socket(sv, &r);
    CHECK(s != NULL);
    while (big.len < 80000) buf_adds(&big, "abcdefgh");
    frame(&in, 1, 1, 1, big.data, big.len);
    CHECK(put(sv[1], &in, 0, 70000) == 0);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    close(sv[1]);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_EOF);
    CHECK_INT(r.messages, 0);
    CHECK_INT(r.closes, 1);
    CHECK_INT(r.close_code, 1006);
    ws_socket_free(s);
    rec_free(&r);
    buf_free(&in);
    buf_free(&big);
}

static int nested_status;

static int read_again_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                 size_t len) {
    rec_on_message(user, drv, kind, data, len);
    nested_status = (int)ws_socket_read(current);
    return 0;
}

static void read_from_its_own_callback_is_refused(void) {
    int sv[2];
    rec r;
    buf in;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    current = open_socket(sv, &r);
    CHECK(current != NULL);
    ws_on_message(ws_socket_driver(current), read_again_on_message, &r);
    frame(&in, 1, 1, 1, "a", 1);
    frame(&in, 1, 1, 1, "b", 1);
    CHECK(put(sv[1], &in, 0, in.len) == 0);
    CHECK_INT(ws_socket_read(current), WS_SOCKET_OK);
    CHECK_INT(nested_status, WS_SOCKET_ERROR);
    CHECK_INT(ws_socket_last_result(current), WS_RESULT_INVALID_STATE);
    CHECK_STR(rec_log(&r), "message text 1 a|message text 1 b|");
    ws_socket_free(current);
    close(sv[1]);
    rec_free(&r);
    buf_free(&in);
}

/* ---- ws_socket_send ---- */

static int send_back(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    rec_on_message(user, drv, kind, data, len);
    return ws_socket_send(current, kind, data, len) != WS_RESULT_OK;
}

/* Reads from fd until `want` bytes arrived, flushing s in between. */
static void collect(int fd, ws_socket *s, buf *got, size_t want) {
    int rounds = 0;
    while (got->len < want && rounds++ < 100000) {
        drain_peer(fd, got);
        (void)ws_socket_flush(s);
    }
}

static void send_echoes_small_and_large_messages_in_order(void) {
    int sv[2];
    rec r;
    buf in, big, got, want;
    size_t k;
    uint8_t head[10] = {0x82, 127, 0, 0, 0, 0, 0, 0, 0, 0};
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    memset(&big, 0, sizeof big);
    memset(&got, 0, sizeof got);
    memset(&want, 0, sizeof want);
    current = open_socket(sv, &r);
    CHECK(current != NULL);
    ws_on_message(ws_socket_driver(current), send_back, &r);
    fill_pattern(&big, 300000, 31);
    frame(&in, 1, 1, 1, "hi", 2);
    frame(&in, 1, 2, 1, big.data, big.len);
    frame(&in, 1, 1, 1, "bye", 3);
    buf_add(&want, "\x81\x02" "hi", 4);
    for (k = 0; k < 8; k++) head[2 + k] = (uint8_t)((uint64_t)big.len >> (56 - 8 * k));
    buf_add(&want, head, sizeof head);
    buf_add(&want, big.data, big.len);
    buf_add(&want, "\x81\x03" "bye", 5);
    for (k = 0; k < in.len; k += 50000) {
        size_t n = in.len - k < 50000 ? in.len - k : 50000;
        CHECK(put(sv[1], &in, k, n) == 0);
        CHECK_INT(ws_socket_read(current), WS_SOCKET_OK);
        drain_peer(sv[1], &got);
    }
    collect(sv[1], current, &got, want.len);
    CHECK_INT(r.messages, 3);
    CHECK_RES(ws_socket_send(current, WS_MESSAGE_TEXT, big.data, SIZE_MAX),
              WS_RESULT_INVALID_ARGUMENT);
    CHECK_INT(got.len, want.len);
    CHECK(memcmp(got.data, want.data, want.len) == 0);
    CHECK_INT(ws_socket_buffered(current), 0);
    ws_socket_free(current);
    close(sv[1]);
    rec_free(&r);
    buf_free(&in);
    buf_free(&big);
    buf_free(&got);
    buf_free(&want);
}

static void send_before_open_goes_through_the_driver(void) {
    int sv[2];
    rec r;
    buf in, big, got;
    ws_driver *d = NULL;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    memset(&big, 0, sizeof big);
    memset(&got, 0, sizeof got);
    CHECK(make_pair(sv) == 0);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(s != NULL);
    ws_on_connect(d, start_on_connect, &r);
    while (big.len < 10000) buf_adds(&big, "0123456789");
    /* Not open: queued by the driver, written after the 101. */
    CHECK_RES(ws_socket_send(s, WS_MESSAGE_TEXT, big.data, big.len), WS_RESULT_OK);
    CHECK_RES(ws_socket_send(s, WS_MESSAGE_BINARY, (const uint8_t *)"x", 1), WS_RESULT_OK);
    CHECK_RES(ws_socket_send(s, 7, (const uint8_t *)"x", 1), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_socket_send(s, WS_MESSAGE_BINARY, big.data, SIZE_MAX), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_socket_send(NULL, WS_MESSAGE_TEXT, NULL, 0), WS_RESULT_NULL_PARAMETER);
    CHECK_INT(ws_socket_buffered(s), 0);
    CHECK_INT(drain_peer(sv[1], NULL), 0);
    buf_adds(&in, HYBI_REQUEST);
    CHECK(put(sv[1], &in, 0, in.len) == 0);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    collect(sv[1], s, &got, 1);
    CHECK_CONTAINS(got.data, got.len, "HTTP/1.1 101 Switching Protocols\r\n");
    collect(sv[1], s, &got, got.len + 1); /* in case the frames came later */
    CHECK(got.len > 10000 + 4 + 3);
    CHECK(memcmp(got.data + got.len - 3 - 10004, "\x81\x7e\x27\x10", 4) == 0);
    CHECK(memcmp(got.data + got.len - 3, "\x82\x01x", 3) == 0);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&in);
    buf_free(&big);
    buf_free(&got);
}

const harness_test socket_frame_tests[] = {
    {"socket/large_frame_over_several_reads_is_delivered_whole",
     large_frame_over_several_reads_is_delivered_whole},
    {"socket/header_cut_by_a_read_is_completed_in_the_buffer",
     header_cut_by_a_read_is_completed_in_the_buffer},
    {"socket/stalled_header_after_a_large_message_holds_little",
     stalled_header_after_a_large_message_holds_little},
    {"socket/invalid_text_in_a_kept_frame_fails_before_it_is_whole",
     invalid_text_in_a_kept_frame_fails_before_it_is_whole},
    {"socket/stop_while_a_frame_is_kept_resumes_in_order",
     stop_while_a_frame_is_kept_resumes_in_order},
    {"socket/free_from_callback_while_a_frame_is_kept", free_from_callback_while_a_frame_is_kept},
    {"socket/eof_with_a_kept_frame_closes_1006", eof_with_a_kept_frame_closes_1006},
    {"socket/read_from_its_own_callback_is_refused", read_from_its_own_callback_is_refused},
    {"socket/send_echoes_small_and_large_messages_in_order",
     send_echoes_small_and_large_messages_in_order},
    {"socket/send_before_open_goes_through_the_driver", send_before_open_goes_through_the_driver},
    TEST_LIST_END,
};
