/*
 * client [--proxy http://user:pass@host:port] ws://host:port/path [messages...]
 *
 * Connects (through an HTTP CONNECT proxy when given), sends each message
 * (or each line of stdin when there are none) as text, prints every reply
 * on stdout, then closes with 1000 and exits 0 once the closing handshake
 * is done. Errors go to stderr with a non-zero exit. Every wait is bounded
 * (10 s without I/O).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "wsdriver.h"
#include "wsdriver_socket.h"

#define IDLE_MS 10000

typedef struct client {
    ws_socket *sock;
    int open, closed, failed;
    unsigned long replies;
    uint32_t close_code;
    /* proxy phase */
    int fd;
    int proxy_done, proxy_failed;
} client;

static int on_open(void *user, ws_driver *drv) {
    (void)drv;
    ((client *)user)->open = 1;
    return 0;
}

static int on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    client *c = user;
    (void)drv;
    (void)kind;
    if (len > 0 && fwrite(data, 1, len, stdout) != len) return 1;
    putchar('\n');
    fflush(stdout);
    c->replies++;
    return 0;
}

static int on_close(void *user, ws_driver *drv, uint32_t code, const char *reason, size_t len) {
    client *c = user;
    (void)drv;
    c->closed = 1;
    c->close_code = code;
    if (code != 1000 && code != 0)
        fprintf(stderr, "closed: %u %.*s\n", (unsigned)code, (int)len, reason ? reason : "");
    return 0;
}

static int on_error(void *user, ws_driver *drv, uint32_t code, const char *msg, size_t len) {
    (void)drv;
    ((client *)user)->failed = 1;
    fprintf(stderr, "error (%u): %.*s\n", (unsigned)code, (int)len, msg ? msg : "");
    return 0;
}

/* ---- proxy phase: plain blocking-ish I/O, before the driver's socket ---- */

static int write_all(int fd, const uint8_t *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p;
            p.fd = fd;
            p.events = POLLOUT;
            p.revents = 0;
            if (poll(&p, 1, IDLE_MS) <= 0) return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

static int proxy_write(void *user, ws_proxy *px, const uint8_t *data, size_t len) {
    client *c = user;
    (void)px;
    if (write_all(c->fd, data, len) != 0) {
        c->proxy_failed = 1;
        return 1;
    }
    return 0;
}

static int proxy_connect(void *user, ws_proxy *px) {
    (void)px;
    ((client *)user)->proxy_done = 1;
    return 0;
}

static int proxy_error(void *user, ws_proxy *px, const char *msg, size_t len) {
    client *c = user;
    fprintf(stderr, "proxy error (status %u): %.*s\n", (unsigned)ws_proxy_status(px), (int)len,
            msg ? msg : "");
    c->proxy_failed = 1;
    return 0;
}

/* Runs CONNECT through the proxy. Bytes that arrived after the proxy's
 * response are copied to *rest (malloc'd). 0 or -1. */
static int via_proxy(client *c, ws_driver *drv, const char *proxy_url, uint8_t **rest,
                     size_t *rest_len) {
    ws_proxy *px = NULL;
    uint8_t buf[16384];
    uint32_t r = ws_proxy_new(drv, proxy_url, &px);
    if (r != WS_RESULT_OK) {
        const char *m = ws_last_error(drv);
        fprintf(stderr, "ws_proxy_new: %s (%s)\n", ws_result_text(r), m ? m : "-");
        return -1;
    }
    ws_proxy_on_write(px, proxy_write, c);
    ws_proxy_on_connect(px, proxy_connect, c);
    ws_proxy_on_error(px, proxy_error, c);
    r = ws_proxy_start(px);
    while (r == WS_RESULT_OK && !c->proxy_done && !c->proxy_failed) {
        struct pollfd p;
        ssize_t n;
        size_t used = 0;
        p.fd = c->fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, IDLE_MS) <= 0) {
            fprintf(stderr, "proxy: timed out\n");
            c->proxy_failed = 1;
            break;
        }
        n = read(c->fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) {
            fprintf(stderr, "proxy closed the connection\n");
            c->proxy_failed = 1;
            break;
        }
        r = ws_proxy_parse(px, buf, (size_t)n, &used);
        if (r == WS_RESULT_OK && c->proxy_done && used < (size_t)n) {
            *rest_len = (size_t)n - used;
            *rest = malloc(*rest_len);
            if (*rest == NULL) r = WS_RESULT_LIMIT_EXCEEDED;
            else memcpy(*rest, buf + used, *rest_len);
        }
    }
    if (r != WS_RESULT_OK && !c->proxy_failed) {
        fprintf(stderr, "proxy: %s\n", ws_result_text(r));
        c->proxy_failed = 1;
    }
    ws_proxy_free(px);
    return c->proxy_failed ? -1 : 0;
}

static void usage(void) {
    fprintf(stderr, "usage: client [--proxy http://user:pass@host:port] ws://host:port/path [messages...]\n");
    exit(2);
}

static int send_and_wait(client *c, ws_driver *drv, const char *msg, size_t len) {
    unsigned long want = c->replies + 1;
    int rc;
    uint32_t r = ws_text(drv, msg, len);
    if (r != WS_RESULT_OK) {
        const char *m = ws_last_error(drv);
        fprintf(stderr, "ws_text: %s (%s)\n", ws_result_text(r), m ? m : "-");
        return -1;
    }
    while (c->replies < want && !c->closed) {
        rc = pump_once(c->sock, IDLE_MS);
        if (rc != 0) break;
    }
    if (c->replies < want) {
        fprintf(stderr, "no reply (connection %s)\n", c->closed ? "closed" : "failed");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *proxy = NULL, *url;
    char host[256], port[16];
    ws_driver *drv = NULL;
    client c;
    uint8_t *rest = NULL;
    size_t rest_len = 0;
    int i = 1, rc = 1;
    uint32_t r;

    signal(SIGPIPE, SIG_IGN);
    memset(&c, 0, sizeof c);
    c.fd = -1;
    if (i < argc && strcmp(argv[i], "--proxy") == 0) {
        if (i + 1 >= argc) usage();
        proxy = argv[i + 1];
        i += 2;
    }
    if (i >= argc) usage();
    url = argv[i++];

    r = ws_driver_new_client(NULL, url, &drv);
    if (r != WS_RESULT_OK) {
        fprintf(stderr, "ws_driver_new_client(%s): %s\n", url, ws_result_text(r));
        return 1;
    }
    if (proxy ? split_url(proxy, "http", 80, host, sizeof host, port, sizeof port)
              : split_url(url, "ws", 80, host, sizeof host, port, sizeof port)) {
        ws_driver_free(drv);
        return 1;
    }
    c.fd = tcp_connect(host, port, IDLE_MS);
    if (c.fd < 0) {
        ws_driver_free(drv);
        return 1;
    }
    if (proxy && via_proxy(&c, drv, proxy, &rest, &rest_len) != 0) {
        close(c.fd);
        ws_driver_free(drv);
        return 1;
    }
    c.sock = ws_socket_new(drv, c.fd, WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
    if (c.sock == NULL) {
        fprintf(stderr, "out of memory\n");
        close(c.fd);
        ws_driver_free(drv);
        free(rest);
        return 1;
    }
    ws_on_open(drv, on_open, &c);
    ws_on_message(drv, on_message, &c);
    ws_on_close(drv, on_close, &c);
    ws_on_error(drv, on_error, &c);

    r = ws_start(drv);
    if (r == WS_RESULT_OK && rest_len > 0) r = ws_parse(drv, rest, rest_len);
    free(rest);
    if (r != WS_RESULT_OK) {
        fprintf(stderr, "ws_start: %s\n", ws_result_text(r));
        goto out;
    }
    while (!c.open && !c.closed) {
        if (pump_once(c.sock, IDLE_MS) != 0) break;
    }
    if (!c.open) {
        if (!c.failed) fprintf(stderr, "handshake failed (status %u)\n", (unsigned)ws_status(drv));
        goto out;
    }

    if (i < argc) {
        for (; i < argc; i++)
            if (send_and_wait(&c, drv, argv[i], strlen(argv[i])) != 0) goto out;
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, stdin)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
            if (send_and_wait(&c, drv, line, (size_t)n) != 0) {
                free(line);
                goto out;
            }
        }
        free(line);
    }

    r = ws_close(drv, 1000, NULL, 0);
    if (r != WS_RESULT_OK) {
        fprintf(stderr, "ws_close: %s\n", ws_result_text(r));
        goto out;
    }
    if (pump(c.sock, &c.closed, IDLE_MS) < 0) goto out;
    if (!c.closed || c.close_code != 1000) {
        fprintf(stderr, "closing handshake did not complete (code %u)\n", (unsigned)c.close_code);
        goto out;
    }
    rc = 0;
out:
    ws_socket_free(c.sock);
    return rc;
}
