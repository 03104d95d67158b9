/* wsdriver_socket: see wsdriver_socket.h. */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "wsdriver_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WS_SOCKET_CHUNK 65536
#define WS_SOCKET_DEFAULT_HIGH_WATER (4u * 1024u * 1024u)

struct ws_socket {
    ws_driver *drv;
    int fd;
    unsigned flags;
    /* Output the kernel has not taken yet: buf[head..len). */
    uint8_t *buf;
    size_t head, len, cap;
    size_t high_water;
    int err;              /* errno that ended the transport */
    uint32_t last_result; /* last unexpected ws_parse result */
    int depth;            /* nesting of read/flush calls (callbacks run inside) */
    int free_pending;     /* ws_socket_free was called at depth > 0 */
    int write_failed;     /* a write failed: discard further output */
    int eof;              /* ws_transport_closed was called */
    int stopped;          /* a callback stopped ws_parse; resume on next read */
};

static size_t pending(const ws_socket *s) { return s->len - s->head; }

static void drop_buffer(ws_socket *s) { s->head = s->len = 0; }

/* Appends to the buffer, compacting or growing it. 0 or -1 (ENOMEM). */
static int buffer_append(ws_socket *s, const uint8_t *data, size_t len) {
    if (s->head > 0 && (s->head == s->len || s->cap - s->len < len)) {
        memmove(s->buf, s->buf + s->head, s->len - s->head);
        s->len -= s->head;
        s->head = 0;
    }
    if (s->cap - s->len < len) {
        size_t want;
        if (len > ((size_t)-1) - s->len) return -1;
        want = s->len + len;
        size_t cap = s->cap ? s->cap : 4096;
        uint8_t *nb;
        while (cap < want) {
            if (cap > ((size_t)-1) / 2) {
                cap = want;
                break;
            }
            cap *= 2;
        }
        nb = realloc(s->buf, cap);
        if (nb == NULL) return -1;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return 0;
}

/* Writes as much of data as the kernel takes. Returns bytes written, or
 * (size_t)-1 on a hard error (errno saved in s->err). */
static size_t write_some(ws_socket *s, const uint8_t *data, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(s->fd, data + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            s->err = n < 0 ? errno : EPIPE;
            return (size_t)-1;
        }
    }
    return done;
}

static void fail_write(ws_socket *s) {
    s->write_failed = 1;
    drop_buffer(s);
}

int ws_socket_write(ws_socket *s, const uint8_t *data, size_t len) {
    size_t n = 0;
    if (s == NULL || (data == NULL && len > 0)) return -1;
    /* No object is that large: refused, and the transport stays usable. */
    if (len > PTRDIFF_MAX) return -1;
    if (s->write_failed || s->fd < 0) return -1;
    if (len == 0) return 0;
    if (pending(s) == 0) {
        n = write_some(s, data, len);
        if (n == (size_t)-1) {
            fail_write(s);
            return -1;
        }
    }
    if (n < len && buffer_append(s, data + n, len - n) != 0) {
        s->err = ENOMEM;
        fail_write(s);
        return -1;
    }
    return 0;
}

static int on_write(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    (void)drv;
    /* Failures are reported by the next read/flush (ws_transport_closed runs
     * there, outside this callback); the bytes are dropped. */
    (void)ws_socket_write((ws_socket *)user, data, len);
    return 0;
}

ws_socket *ws_socket_new(ws_driver *drv, int fd, unsigned flags) {
    ws_socket *s;
    if (drv == NULL || fd < 0) return NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->drv = drv;
    s->fd = fd;
    s->flags = flags;
    s->high_water = WS_SOCKET_DEFAULT_HIGH_WATER;
    if (ws_on_write(drv, on_write, s) != WS_RESULT_OK) {
        free(s);
        return NULL;
    }
    return s;
}

static void really_free(ws_socket *s) {
    if (s->drv == NULL) {
        /* freed already (from a callback) */
    } else if (s->flags & WS_SOCKET_OWN_DRIVER) {
        ws_driver_free(s->drv);
    } else {
        (void)ws_on_write(s->drv, NULL, NULL);
    }
    if ((s->flags & WS_SOCKET_OWN_FD) && s->fd >= 0) close(s->fd);
    free(s->buf);
    free(s);
}

void ws_socket_free(ws_socket *s) {
    if (s == NULL || s->free_pending) return;
    if (s->depth > 0) {
        s->free_pending = 1;
        /* The core defers a free from inside a callback and stops
         * dispatching at once, so no more callbacks run for this driver. */
        if (s->flags & WS_SOCKET_OWN_DRIVER) {
            ws_driver_free(s->drv);
            s->drv = NULL;
        }
        return;
    }
    really_free(s);
}

/* Leaves a read/flush; frees the socket if that was asked for inside. */
static ws_socket_status leave(ws_socket *s, ws_socket_status st) {
    s->depth--;
    if (s->free_pending) {
        if (s->depth == 0) really_free(s);
        return WS_SOCKET_FREED;
    }
    return st;
}

/* The transport is gone: tell the driver once. */
static ws_socket_status transport_gone(ws_socket *s) {
    if (!s->eof) {
        s->eof = 1;
        (void)ws_transport_closed(s->drv);
    }
    return WS_SOCKET_EOF;
}

/* Feeds one chunk (or resumes with an empty one) and classifies the result.
 * Whole messages are decoded in place in the chunk (on_message points into
 * it); what a stopping callback leaves is stored in the driver, as
 * ws_parse would. */
static int parse(ws_socket *s, uint8_t *data, size_t len, ws_socket_status *st) {
    size_t used = 0;
    uint32_t r = ws_parse_in_place(s->drv, data, len, 0, &used);
    if (s->free_pending) {
        *st = WS_SOCKET_FREED;
        return 1;
    }
    if (r == WS_RESULT_CALLBACK_STOPPED && used < len) {
        uint32_t f = ws_feed(s->drv, data + used, len - used);
        if (f != WS_RESULT_OK) r = f;
    }
    if (r == WS_RESULT_CALLBACK_STOPPED) {
        s->stopped = 1;
        *st = WS_SOCKET_STOPPED;
        return 1;
    }
    s->stopped = 0;
    if (r != WS_RESULT_OK) {
        s->last_result = r;
        *st = WS_SOCKET_ERROR;
        return 1;
    }
    if (s->write_failed) {
        *st = transport_gone(s);
        return 1;
    }
    return 0;
}

ws_socket_status ws_socket_read(ws_socket *s) {
    uint8_t chunk[WS_SOCKET_CHUNK];
    ws_socket_status st = WS_SOCKET_OK;
    if (s == NULL) return WS_SOCKET_ERROR;
    if (s->eof || s->fd < 0) return WS_SOCKET_EOF;
    s->depth++;
    if (s->write_failed) return leave(s, transport_gone(s));
    if (s->stopped && parse(s, NULL, 0, &st)) return leave(s, st);
    for (;;) {
        ssize_t n;
        if (s->high_water && pending(s) > s->high_water) {
            st = WS_SOCKET_AGAIN;
            break;
        }
        n = read(s->fd, chunk, sizeof chunk);
        if (n > 0) {
            if (parse(s, chunk, (size_t)n, &st)) break;
            /* A short read emptied the kernel's buffer: the next bytes wake
             * the poller again (level or edge), so skip the read that would
             * only say EAGAIN: one syscall less per message. */
            if ((size_t)n < sizeof chunk) break;
        } else if (n == 0) {
            st = transport_gone(s);
            break;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            st = WS_SOCKET_OK;
            break;
        } else {
            s->err = errno;
            st = transport_gone(s);
            break;
        }
    }
    return leave(s, st);
}

ws_socket_status ws_socket_flush(ws_socket *s) {
    size_t n;
    if (s == NULL) return WS_SOCKET_ERROR;
    s->depth++;
    if (s->write_failed || s->fd < 0) return leave(s, transport_gone(s));
    if (pending(s) == 0) return leave(s, WS_SOCKET_OK);
    n = write_some(s, s->buf + s->head, pending(s));
    if (n == (size_t)-1) {
        fail_write(s);
        return leave(s, transport_gone(s));
    }
    s->head += n;
    if (s->head == s->len) {
        drop_buffer(s);
        /* Give a large burst's memory back once it is written. */
        if (s->cap > 1024u * 1024u) {
            free(s->buf);
            s->buf = NULL;
            s->cap = 0;
        }
        return leave(s, WS_SOCKET_OK);
    }
    return leave(s, WS_SOCKET_AGAIN);
}

size_t ws_socket_buffered(const ws_socket *s) { return s ? pending(s) : 0; }

void ws_socket_set_high_water(ws_socket *s, size_t bytes) {
    if (s) s->high_water = bytes;
}

int ws_socket_fd(const ws_socket *s) { return s ? s->fd : -1; }

ws_driver *ws_socket_driver(const ws_socket *s) { return s ? s->drv : NULL; }

int ws_socket_errno(const ws_socket *s) { return s ? s->err : 0; }

uint32_t ws_socket_last_result(const ws_socket *s) { return s ? s->last_result : 0; }

void ws_socket_close(ws_socket *s) {
    if (s == NULL || s->fd < 0) return;
    if (!s->write_failed && pending(s) > 0) {
        size_t n = write_some(s, s->buf + s->head, pending(s));
        (void)n;
    }
    drop_buffer(s);
    close(s->fd);
    s->fd = -1;
    s->write_failed = 1;
}
