/* bindings/c/wsdriver_socket over a socketpair: read loop, direct and
 * buffered writes, flush, EOF, free from a callback. Large frames and
 * ws_socket_send: test_socket_frames.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"
#include "wsdriver_socket.h"

static int make_pair(int sv[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    return 0;
}

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

static int start_on_connect(void *user, ws_driver *drv) {
    rec_on_connect(user, drv);
    return ws_start(drv) != WS_RESULT_OK;
}

static int echo_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                        size_t len) {
    (void)user;
    if (kind == WS_MESSAGE_TEXT) return ws_text(drv, (const char *)data, len) != WS_RESULT_OK;
    return ws_binary(drv, data, len) != WS_RESULT_OK;
}

static void read_write_eof(void) {
    int sv[2];
    rec r;
    buf in, got;
    ws_driver *d = NULL;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    memset(&got, 0, sizeof got);
    CHECK(make_pair(sv) == 0);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    CHECK(ws_socket_new(NULL, sv[0], 0) == NULL);
    CHECK(ws_socket_new(d, -1, 0) == NULL);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(s != NULL);
    CHECK(ws_socket_driver(s) == d);
    CHECK_INT(ws_socket_fd(s), sv[0]);
    ws_on_connect(d, start_on_connect, &r);
    ws_on_message(d, echo_message, &r);
    ws_on_close(d, rec_on_close, &r);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK); /* nothing there yet */
    buf_adds(&in, HYBI_REQUEST);
    frame(&in, 1, 1, 1, "echo me", 7);
    CHECK(write(sv[1], in.data, in.len) == (ssize_t)in.len);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK);
    CHECK_INT(r.connects, 1);
    CHECK_INT(ws_socket_buffered(s), 0);
    drain_peer(sv[1], &got);
    CHECK_CONTAINS(got.data, got.len, "HTTP/1.1 101 Switching Protocols\r\n");
    CHECK(got.len > 9 && memcmp(got.data + got.len - 9, "\x81\x07" "echo me", 9) == 0);
    /* EOF from the peer: ws_transport_closed, close 1006. */
    close(sv[1]);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_EOF);
    CHECK_INT(r.closes, 1);
    CHECK_INT(r.close_code, 1006);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_EOF);
    ws_socket_free(s); /* closes sv[0], frees d */
    rec_free(&r);
    buf_free(&in);
    buf_free(&got);
}

static void backpressure_and_flush(void) {
    int sv[2], small = 4096;
    rec r;
    ws_driver *d;
    ws_socket *s;
    uint8_t *big;
    size_t big_len = 1u << 20, received = 0;
    int rounds = 0;
    memset(&r, 0, sizeof r);
    CHECK(make_pair(sv) == 0);
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(s != NULL);
    big = calloc(1, big_len);
    CHECK(big != NULL);
    CHECK_RES(ws_binary(d, big, big_len), WS_RESULT_OK);
    free(big);
    CHECK(ws_socket_buffered(s) > 0); /* the kernel did not take it all */
    CHECK_INT(ws_socket_flush(s), WS_SOCKET_AGAIN);
    /* Also a read stops early while above the high-water mark. */
    ws_socket_set_high_water(s, 1);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_AGAIN);
    ws_socket_set_high_water(s, 0);
    while (rounds++ < 100000) {
        ws_socket_status st;
        received += drain_peer(sv[1], NULL);
        st = ws_socket_flush(s);
        if (st == WS_SOCKET_OK) break;
        CHECK_INT(st, WS_SOCKET_AGAIN);
    }
    received += drain_peer(sv[1], NULL);
    CHECK_INT(ws_socket_buffered(s), 0);
    CHECK_INT(received, big_len + 10); /* 2 + 8 byte header */
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
}

static void write_error_is_eof(void) {
    int sv[2];
    rec r;
    ws_driver *d;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    CHECK(make_pair(sv) == 0);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD);
    CHECK(s != NULL);
    close(sv[1]);
    /* MSG_NOSIGNAL is not used by write(): SIGPIPE must be ignored by the
     * application, as the tests do in main. */
    CHECK_RES(ws_text(d, "lost", 4), WS_RESULT_OK);
    CHECK_INT(ws_socket_flush(s), WS_SOCKET_EOF);
    CHECK(ws_socket_errno(s) == EPIPE || ws_socket_errno(s) == ECONNRESET);
    CHECK_INT(r.close_code, 1006);
    CHECK_INT(ws_socket_write(s, (const uint8_t *)"x", 1), -1);
    ws_socket_free(s); /* does not free d: not owned */
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    ws_driver_free(d);
    rec_free(&r);
}

static ws_socket *to_free;

static int free_socket_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                  size_t len) {
    rec_on_message(user, drv, kind, data, len);
    ws_socket_free(to_free);
    return 0;
}

static void free_from_callback(void) {
    int sv[2];
    rec r;
    buf in;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    CHECK(make_pair(sv) == 0);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    to_free = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(to_free != NULL);
    ws_on_message(d, free_socket_on_message, &r);
    frame(&in, 1, 1, 1, "a", 1);
    frame(&in, 1, 1, 1, "b", 1);
    CHECK(write(sv[1], in.data, in.len) == (ssize_t)in.len);
    CHECK_INT(ws_socket_read(to_free), WS_SOCKET_FREED);
    CHECK_INT(r.messages, 1);
    /* sv[0] was closed by the deferred free: the peer sees EOF. */
    CHECK_INT(read(sv[1], in.data, 1), 0);
    close(sv[1]);
    rec_free(&r);
    buf_free(&in);
}

static void stop_and_resume(void) {
    int sv[2];
    rec r;
    buf in;
    ws_driver *d;
    ws_socket *s;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    CHECK(make_pair(sv) == 0);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    s = ws_socket_new(d, sv[0], WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    CHECK(s != NULL);
    frame(&in, 1, 1, 1, "a", 1);
    frame(&in, 1, 1, 1, "b", 1);
    CHECK(write(sv[1], in.data, in.len) == (ssize_t)in.len);
    r.stop_on_message = 1;
    CHECK_INT(ws_socket_read(s), WS_SOCKET_STOPPED);
    CHECK_INT(r.messages, 1);
    CHECK_INT(ws_socket_read(s), WS_SOCKET_OK); /* resumes without new input */
    CHECK_INT(r.messages, 2);
    ws_socket_close(s);
    CHECK_INT(ws_socket_fd(s), -1);
    ws_socket_free(s);
    close(sv[1]);
    rec_free(&r);
    buf_free(&in);
}

const harness_test socket_tests[] = {
    {"socket/read_write_eof", read_write_eof},
    {"socket/backpressure_and_flush", backpressure_and_flush},
    {"socket/write_error_is_eof", write_error_is_eof},
    {"socket/free_from_callback", free_from_callback},
    {"socket/stop_and_resume", stop_and_resume},
    TEST_LIST_END,
};
