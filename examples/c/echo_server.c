/*
 * echo_server [PORT] [--host HOST] [-v]
 *
 * An epoll WebSocket echo server on wsdriver + wsdriver_socket. WebSocket
 * upgrades are echoed (text as text, binary as binary); GET / serves a small
 * demo page; anything else gets 404. PORT 0 picks a free port; the line
 * printed on start tells which. SIGINT/SIGTERM stop it cleanly.
 *
 * Backpressure: a connection stops being read while more than 4 MiB wait to
 * be written to it (ws_socket's high-water mark), and is read again once
 * EPOLLOUT drained it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wsdriver.h"
#include "wsdriver_socket.h"

static const char PAGE[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head><meta charset=\"utf-8\"><title>wsdriver echo</title>\n"
    "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
    "#log{border:1px solid #ccc;height:20em;overflow:auto;padding:.5em;white-space:pre-wrap}</style>\n"
    "</head>\n"
    "<body>\n"
    "<h1>wsdriver echo</h1>\n"
    "<p><input id=\"msg\" value=\"Hello, wsdriver!\" size=\"40\">\n"
    "<button id=\"send\">Send</button>\n"
    "<button id=\"bin\">Send binary</button></p>\n"
    "<div id=\"log\"></div>\n"
    "<script>\n"
    "var log = document.getElementById('log');\n"
    "function say(s) { log.textContent += s + '\\n'; log.scrollTop = log.scrollHeight; }\n"
    "var ws = new WebSocket('ws://' + location.host + '/');\n"
    "ws.binaryType = 'arraybuffer';\n"
    "ws.onopen = function () { say('open'); };\n"
    "ws.onclose = function (e) { say('closed ' + e.code); };\n"
    "ws.onerror = function () { say('error'); };\n"
    "ws.onmessage = function (e) {\n"
    "  if (typeof e.data === 'string') { say('echo: ' + e.data); }\n"
    "  else { say('echo (binary): [' + Array.prototype.join.call(new Uint8Array(e.data), ', ') + ']'); }\n"
    "};\n"
    "document.getElementById('send').onclick = function () {\n"
    "  var v = document.getElementById('msg').value; ws.send(v); say('sent: ' + v);\n"
    "};\n"
    "document.getElementById('bin').onclick = function () {\n"
    "  var b = new Uint8Array([0, 1, 2, 253, 254, 255]); ws.send(b.buffer);\n"
    "  say('sent (binary): [' + Array.prototype.join.call(b, ', ') + ']');\n"
    "};\n"
    "</script>\n"
    "</body>\n"
    "</html>\n";

/* Stop reading a connection while more than this waits to be written. */
#define HIGH_WATER (4u * 1024u * 1024u)

static const char NOT_FOUND[] = "Not found\n";

typedef struct conn {
    ws_socket *sock;
    ws_driver *drv;
    int fd;
    uint32_t events; /* registered epoll mask */
    int done;        /* close event seen or HTTP answered: close once flushed */
    struct conn *prev, *next;
} conn;

static volatile sig_atomic_t stop_flag;
static int verbose;
static int epfd = -1;
static conn *conns;
static long open_conns;

static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static void http_reply(conn *c, const char *status, const char *type, const char *body,
                       size_t body_len, int head_only) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, type, body_len);
    if (n < 0 || (size_t)n >= sizeof head) return;
    if (ws_socket_write(c->sock, (const uint8_t *)head, (size_t)n) == 0 && !head_only)
        (void)ws_socket_write(c->sock, (const uint8_t *)body, body_len);
    c->done = 1;
}

static int on_connect(void *user, ws_driver *drv) {
    conn *c = user;
    const char *method = ws_request_method(drv);
    const char *path = ws_request_path(drv);
    int head = method && strcmp(method, "HEAD") == 0;
    if (ws_is_websocket(drv) == 1) {
        /* permessage-deflate with the default settings, when the client
         * offers it (hixie drivers refuse extensions; that is fine). */
        (void)ws_add_deflate(drv, NULL);
        /* A bad handshake answers 400 itself and emits error + close. */
        (void)ws_start(drv);
        return 0;
    }
    if (path && strcmp(path, "/") == 0 && method && (strcmp(method, "GET") == 0 || head))
        http_reply(c, "200 OK", "text/html; charset=utf-8", PAGE, sizeof PAGE - 1, head);
    else
        http_reply(c, "404 Not Found", "text/plain; charset=utf-8", NOT_FOUND,
                   sizeof NOT_FOUND - 1, head);
    return 0;
}

static int on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    conn *c = user;
    (void)drv;
    /* Written straight to the socket (header + the payload where it was
     * received and unmasked) when the driver has nothing queued ahead of it;
     * the text was checked as it arrived. */
    (void)ws_socket_send(c->sock, kind, data, len);
    return 0;
}

static int on_close(void *user, ws_driver *drv, uint32_t code, const char *reason, size_t len) {
    conn *c = user;
    (void)drv;
    if (verbose) fprintf(stderr, "fd %d: close %u %.*s\n", c->fd, (unsigned)code, (int)len, reason);
    c->done = 1;
    return 0;
}

static int on_error(void *user, ws_driver *drv, uint32_t code, const char *msg, size_t len) {
    conn *c = user;
    (void)drv;
    if (verbose) fprintf(stderr, "fd %d: error %u: %.*s\n", c->fd, (unsigned)code, (int)len, msg);
    return 0;
}

static void destroy(conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    ws_socket_free(c->sock); /* owns the fd and the driver */
    if (c->prev) c->prev->next = c->next;
    else conns = c->next;
    if (c->next) c->next->prev = c->prev;
    free(c);
    open_conns--;
}

/* After I/O on c: tear it down, or re-arm epoll for what it waits for. */
static void update(conn *c, ws_socket_status st) {
    size_t buffered;
    uint32_t want;
    struct epoll_event ev;
    if (st == WS_SOCKET_EOF || st == WS_SOCKET_ERROR) {
        destroy(c);
        return;
    }
    buffered = ws_socket_buffered(c->sock);
    if (c->done && buffered == 0) {
        destroy(c);
        return;
    }
    want = 0;
    /* Keep reading unless finished or paused by backpressure (level
     * triggered: data left in the kernel wakes us again once re-armed). */
    if (!c->done && buffered <= HIGH_WATER) want |= EPOLLIN;
    if (buffered > 0) want |= EPOLLOUT;
    if (want != c->events) {
        memset(&ev, 0, sizeof ev);
        ev.events = want;
        ev.data.ptr = c;
        if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
            destroy(c);
            return;
        }
        c->events = want;
    }
}

static void accept_all(int lfd) {
    for (;;) {
        struct epoll_event ev;
        ws_driver *drv = NULL;
        conn *c;
        int one = 1;
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) perror("accept4");
            return;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = calloc(1, sizeof *c);
        if (c == NULL || ws_driver_new_server(NULL, &drv) != WS_RESULT_OK) {
            free(c);
            close(fd);
            continue;
        }
        c->sock = ws_socket_new(drv, fd, WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER);
        if (c->sock == NULL) {
            ws_driver_free(drv);
            close(fd);
            free(c);
            continue;
        }
        ws_socket_set_high_water(c->sock, HIGH_WATER);
        c->drv = drv;
        c->fd = fd;
        ws_on_connect(drv, on_connect, c);
        ws_on_message(drv, on_message, c);
        ws_on_close(drv, on_close, c);
        ws_on_error(drv, on_error, c);
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            ws_socket_free(c->sock);
            free(c);
            continue;
        }
        c->events = EPOLLIN;
        c->next = conns;
        if (conns) conns->prev = c;
        conns = c;
        open_conns++;
    }
}

static int listen_on(const char *host, const char *port, char *shown, size_t shown_cap) {
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "echo_server: %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        char h[NI_MAXHOST], p[NI_MAXSERV];
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0 ||
            getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
            getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                        NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
            close(fd);
            fd = -1;
            continue;
        }
        snprintf(shown, shown_cap, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
        break;
    }
    if (fd < 0) fprintf(stderr, "echo_server: cannot listen on %s:%s: %s\n", host, port, strerror(errno));
    freeaddrinfo(res);
    return fd;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *port = "8080";
    char shown[128];
    struct sigaction sa;
    struct epoll_event ev, events[256];
    int lfd, i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) host = argv[++i];
        else if (strcmp(argv[i], "-v") == 0) verbose = 1;
        else if (argv[i][0] != '-' && strspn(argv[i], "0123456789") == strlen(argv[i])) port = argv[i];
        else {
            fprintf(stderr, "usage: echo_server [PORT] [--host HOST] [-v]\n");
            return 2;
        }
    }

    signal(SIGPIPE, SIG_IGN);
    {
        /* One descriptor per connection: take as many as the hard limit allows. */
        struct rlimit nofile;
        if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
            nofile.rlim_cur = nofile.rlim_max;
            (void)setrlimit(RLIMIT_NOFILE, &nofile);
        }
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: epoll_wait returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    lfd = listen_on(host, port, shown, sizeof shown);
    if (lfd < 0) return 1;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("epoll_create1");
        return 1;
    }
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* NULL marks the listener */
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);

    printf("wsdriver echo server on http://%s/\n", shown);
    fflush(stdout);

    while (!stop_flag) {
        int n = epoll_wait(epfd, events, (int)(sizeof events / sizeof events[0]), -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            break;
        }
        for (i = 0; i < n; i++) {
            conn *c = events[i].data.ptr;
            uint32_t e = events[i].events;
            ws_socket_status st = WS_SOCKET_OK;
            if (c == NULL) {
                accept_all(lfd);
                continue;
            }
            if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) st = ws_socket_flush(c->sock);
            if (st != WS_SOCKET_EOF && !c->done && (e & (EPOLLIN | EPOLLERR | EPOLLHUP)))
                st = ws_socket_read(c->sock);
            update(c, st);
        }
    }

    while (conns) destroy(conns);
    close(epfd);
    close(lfd);
    if (verbose) fprintf(stderr, "echo_server: stopped\n");
    return 0;
}
