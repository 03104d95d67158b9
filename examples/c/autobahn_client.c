/*
 * autobahn_client BASE_URL AGENT
 *
 * Testee for Autobahn|Testsuite's fuzzingserver: asks BASE_URL/getCaseCount
 * for the number of cases, runs BASE_URL/runCase?case=i&agent=AGENT for each
 * (echoing every message back, text as text and binary as binary, until the
 * server closes; abrupt closes are fine), then BASE_URL/updateReports.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "wsdriver.h"
#include "wsdriver_socket.h"

#define IDLE_MS 60000

typedef struct session {
    int closed;
    int echo;
    long count;
} session;

static int on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    session *s = user;
    if (!s->echo) {
        char buf[32];
        size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, data ? (const char *)data : "", n);
        buf[n] = '\0';
        s->count = strtol(buf, NULL, 10);
        return 0;
    }
    /* A refused send (closing already) is not an error here. */
    if (kind == WS_MESSAGE_BINARY)
        (void)ws_binary(drv, data, len);
    else
        (void)ws_text(drv, (const char *)data, len);
    return 0;
}

static int on_close(void *user, ws_driver *drv, uint32_t code, const char *reason, size_t len) {
    (void)drv;
    (void)code;
    (void)reason;
    (void)len;
    ((session *)user)->closed = 1;
    return 0;
}

/* Runs one connection to url until it closes. 0, or -1 if it never got going. */
static int run(const char *url, session *sess) {
    char host[256], port[16];
    ws_driver *drv = NULL;
    ws_socket *sock;
    ws_options *opts = ws_options_new();
    int fd, rc = 0;
    uint32_t r;

    /* Case 9.x sends 16 MiB messages; the default limit (64 MiB) covers
     * them, set it explicitly anyway. */
    if (opts) ws_options_set_max_length(opts, 64u * 1024u * 1024u);
    r = ws_driver_new_client(opts, url, &drv);
    ws_options_free(opts);
    if (r != WS_RESULT_OK) {
        fprintf(stderr, "ws_driver_new_client(%s): %s\n", url, ws_result_text(r));
        return -1;
    }
    /* Offer permessage-deflate with client_no_context_takeover and
     * client_max_window_bits, so the server may pick any of the parameter
     * sets the 13.x cases ask for. */
    {
        ws_deflate *deflate = ws_deflate_new();
        if (deflate) ws_deflate_set_client_no_context_takeover(deflate, 1);
        ws_add_deflate(drv, deflate);
        ws_deflate_free(deflate);
    }
    if (split_url(url, "ws", 80, host, sizeof host, port, sizeof port) != 0 ||
        (fd = tcp_connect(host, port, 10000)) < 0) {
        ws_driver_free(drv);
        return -1;
    }
    sock = ws_socket_new(drv, fd, WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    if (sock == NULL) {
        close(fd);
        ws_driver_free(drv);
        return -1;
    }
    sess->closed = 0;
    ws_on_message(drv, on_message, sess);
    ws_on_close(drv, on_close, sess);
    r = ws_start(drv);
    if (r != WS_RESULT_OK) {
        fprintf(stderr, "ws_start: %s\n", ws_result_text(r));
        rc = -1;
    } else if (pump(sock, &sess->closed, IDLE_MS) < 0) {
        rc = -1;
    } else if (!sess->closed) {
        /* EOF without a close event cannot happen (ws_transport_closed
         * emits one), but do not loop forever on a driver bug. */
        rc = -1;
    }
    /* Let the close frame reply reach the server before dropping the fd. */
    if (ws_socket_fd(sock) >= 0) (void)drain(sock, 2000);
    ws_socket_free(sock);
    return rc;
}

int main(int argc, char **argv) {
    const char *base, *agent;
    char url[1024];
    session sess;
    long i;

    if (argc != 3) {
        fprintf(stderr, "usage: autobahn_client BASE_URL AGENT\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    base = argv[1];
    agent = argv[2];
    memset(&sess, 0, sizeof sess);
    sess.count = -1;

    snprintf(url, sizeof url, "%s/getCaseCount", base);
    if (run(url, &sess) != 0 || sess.count < 0) {
        fprintf(stderr, "could not get the case count from %s\n", url);
        return 1;
    }
    fprintf(stderr, "autobahn_client: %ld cases\n", sess.count);
    sess.echo = 1;
    for (i = 1; i <= sess.count; i++) {
        snprintf(url, sizeof url, "%s/runCase?case=%ld&agent=%s", base, i, agent);
        if (run(url, &sess) != 0) fprintf(stderr, "case %ld: connection failed\n", i);
    }
    sess.echo = 0;
    snprintf(url, sizeof url, "%s/updateReports?agent=%s", base, agent);
    if (run(url, &sess) != 0) {
        fprintf(stderr, "updateReports failed\n");
        return 1;
    }
    return 0;
}
