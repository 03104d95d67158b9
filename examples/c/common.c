#define _POSIX_C_SOURCE 200809L

#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int split_url(const char *url, const char *scheme, int default_port, char *host,
              size_t host_cap, char *port, size_t port_cap) {
    size_t sl = strlen(scheme);
    const char *p, *end, *at, *colon, *hend;
    size_t hl;
    if (strncmp(url, scheme, sl) != 0 || strncmp(url + sl, "://", 3) != 0) {
        fprintf(stderr, "unsupported URL (want %s://host[:port]/...): %s\n", scheme, url);
        return -1;
    }
    p = url + sl + 3;
    end = p + strcspn(p, "/?#");
    /* userinfo */
    at = memchr(p, '@', (size_t)(end - p));
    while (at != NULL) {
        p = at + 1;
        at = memchr(p, '@', (size_t)(end - p));
    }
    if (*p == '[') {
        hend = memchr(p, ']', (size_t)(end - p));
        if (hend == NULL) goto bad;
        hl = (size_t)(hend - p - 1);
        if (hl + 1 > host_cap) goto bad;
        memcpy(host, p + 1, hl);
        colon = hend + 1 < end && hend[1] == ':' ? hend + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        hl = (size_t)((colon ? colon : end) - p);
        if (hl + 1 > host_cap) goto bad;
        memcpy(host, p, hl);
    }
    host[hl] = '\0';
    if (hl == 0) goto bad;
    if (colon != NULL) {
        size_t pl = (size_t)(end - colon - 1);
        if (pl == 0 || pl + 1 > port_cap) goto bad;
        memcpy(port, colon + 1, pl);
        port[pl] = '\0';
    } else {
        snprintf(port, port_cap, "%d", default_port);
    }
    return 0;
bad:
    fprintf(stderr, "bad URL: %s\n", url);
    return -1;
}

int tcp_connect(const char *host, const char *port, int timeout_ms) {
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc, err = 0;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "cannot resolve %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        struct pollfd pfd;
        socklen_t len = sizeof err;
        int one = 1;
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        if (errno != EINPROGRESS) {
            err = errno;
            close(fd);
            fd = -1;
            continue;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        do {
            rc = poll(&pfd, 1, timeout_ms);
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            err = ETIMEDOUT;
        } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
            err = errno;
        }
        if (rc > 0 && err == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) fprintf(stderr, "cannot connect to %s:%s: %s\n", host, port, strerror(err));
    return fd;
}

static int wait_fd(ws_socket *s, int idle_ms, short *revents) {
    struct pollfd pfd;
    int rc;
    pfd.fd = ws_socket_fd(s);
    pfd.events = POLLIN;
    if (ws_socket_buffered(s) > 0) pfd.events |= POLLOUT;
    pfd.revents = 0;
    do {
        rc = poll(&pfd, 1, idle_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        perror("poll");
        return -1;
    }
    if (rc == 0) {
        fprintf(stderr, "timed out after %d ms without I/O\n", idle_ms);
        return -1;
    }
    *revents = pfd.revents;
    return 0;
}

int pump_once(ws_socket *s, int idle_ms) {
    short rev = 0;
    ws_socket_status st;
    if (wait_fd(s, idle_ms, &rev) != 0) return -1;
    if (rev & (POLLOUT | POLLERR | POLLHUP)) {
        if (ws_socket_flush(s) == WS_SOCKET_EOF) return 1;
    }
    if (rev & (POLLIN | POLLERR | POLLHUP)) {
        st = ws_socket_read(s);
        if (st == WS_SOCKET_EOF) return 1;
        if (st == WS_SOCKET_ERROR) {
            uint32_t r = ws_socket_last_result(s);
            const char *msg = ws_last_error(ws_socket_driver(s));
            fprintf(stderr, "ws_parse: %s (%s)\n", ws_result_text(r), msg ? msg : "-");
            return -1;
        }
    }
    return 0;
}

int pump(ws_socket *s, const int *done, int idle_ms) {
    while (!*done) {
        int rc = pump_once(s, idle_ms);
        if (rc > 0) return *done ? 0 : 1;
        if (rc < 0) return -1;
    }
    return 0;
}

int drain(ws_socket *s, int idle_ms) {
    while (ws_socket_buffered(s) > 0) {
        struct pollfd pfd;
        int rc;
        pfd.fd = ws_socket_fd(s);
        pfd.events = POLLOUT;
        pfd.revents = 0;
        do {
            rc = poll(&pfd, 1, idle_ms);
        } while (rc < 0 && errno == EINTR);
        if (rc <= 0) {
            fprintf(stderr, "timed out writing\n");
            return -1;
        }
        if (ws_socket_flush(s) == WS_SOCKET_EOF) return -1;
    }
    return 0;
}
