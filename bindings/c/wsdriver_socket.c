/* wsdriver_socket: see wsdriver_socket.h. */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "wsdriver_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Bytes read at once into the stack (no heap per idle connection). */
#define WS_SOCKET_CHUNK 65536
/* The largest frame completed in the socket's own read buffer (a 1 MiB
 * message and its header); a larger one is copied into the driver while it
 * arrives, as ws_parse does. */
#define WS_SOCKET_KEEP_MAX (1024u * 1024u + WS_FRAME_HEADER_MAX)
/* Room past a kept frame's end in the read buffer. */
#define WS_SOCKET_SLACK 4096u
/* ws_socket_send copies messages up to this size after their header on the
 * stack and writes one contiguous frame; larger ones go out with writev. */
#define WS_SOCKET_SEND_COPY 4096
#define WS_SOCKET_DEFAULT_HIGH_WATER (4u * 1024u * 1024u)

struct ws_socket {
    ws_driver *drv;
    int fd;
    unsigned flags;
    /* Output the kernel has not taken yet: buf[head..len). */
    uint8_t *buf;
    size_t head, len, cap;
    /* Input: a message frame not whole yet, in[0..in_len), completed here
     * by the next reads and unmasked in place (NULL while there is none). */
    uint8_t *in;
    size_t in_len, in_cap;
    /* Size of the last frame that had to be kept (0 after small input):
     * the next read goes straight into a heap buffer that large, so the
     * next such message is read whole, without the move from the stack
     * (one malloc per large message; none held between messages). */
    size_t in_hint;
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

/* Queues a then b as ws_socket_write would, with one writev while nothing
 * is buffered. Failures are reported by the next read/flush. */
static void write_two(ws_socket *s, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    if (s->write_failed || s->fd < 0) return;
    while (pending(s) == 0 && alen + blen > 0) {
        struct iovec iov[2];
        ssize_t n;
        size_t done;
        iov[0].iov_base = (void *)a;
        iov[0].iov_len = alen;
        iov[1].iov_base = (void *)b;
        iov[1].iov_len = blen;
        n = writev(s->fd, alen ? iov : iov + 1, alen ? 2 : 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) {
            s->err = n < 0 ? errno : EPIPE;
            fail_write(s);
            return;
        }
        done = (size_t)n;
        if (done >= alen) {
            b += done - alen;
            blen -= done - alen;
            alen = 0;
        } else {
            a += done;
            alen -= done;
        }
    }
    if ((alen && buffer_append(s, a, alen) != 0) || (blen && buffer_append(s, b, blen) != 0)) {
        s->err = ENOMEM;
        fail_write(s);
    }
}

uint32_t ws_socket_send(ws_socket *s, uint32_t kind, const uint8_t *data, size_t len) {
    uint8_t frame[WS_FRAME_HEADER_MAX + WS_SOCKET_SEND_COPY];
    size_t head_len = 0;
    uint32_t r;
    if (s == NULL || s->drv == NULL || (data == NULL && len > 0)) return WS_RESULT_NULL_PARAMETER;
    r = ws_frame_header(s->drv, kind, (uint64_t)len, frame, &head_len);
    if (r == WS_RESULT_OK && len <= WS_SOCKET_SEND_COPY) {
        /* Small: one contiguous frame, one write. */
        if (len > 0) memcpy(frame + head_len, data, len);
        (void)ws_socket_write(s, frame, head_len + len);
        return WS_RESULT_OK;
    }
    if (r == WS_RESULT_OK) {
        write_two(s, frame, head_len, data, len);
        return WS_RESULT_OK;
    }
    /* Not framed here (not open, writes waiting, an extension, hixie, a
     * client): the driver sends it its own way and says why it cannot. */
    if (kind == WS_MESSAGE_TEXT) return ws_text(s->drv, (const char *)data, len);
    if (kind == WS_MESSAGE_BINARY) return ws_binary(s->drv, data, len);
    return r;
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
    free(s->in);
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

static void drop_input(ws_socket *s) {
    free(s->in);
    s->in = NULL;
    s->in_len = s->in_cap = 0;
}

/* The length of the hybi frame at the start of p (header + payload), or 0
 * while its header is cut short. Only sizes the read buffer: what is kept
 * is the driver's decision (ws_parse_in_place left this frame, so it is a
 * plain message frame of at most WS_SOCKET_KEEP_MAX bytes). */
static size_t frame_len(const uint8_t *p, size_t len) {
    size_t head, n, i;
    if (len < 2) return 0;
    head = 2 + ((p[1] & 0x80) ? 4 : 0);
    n = p[1] & 0x7F;
    if (n == 126 || n == 127) {
        size_t bytes = n == 126 ? 2 : 8;
        uint64_t v = 0;
        if (len < 2 + bytes) return 0;
        for (i = 0; i < bytes; i++) v = v << 8 | p[2 + i];
        if (v > WS_SOCKET_KEEP_MAX) return 0;
        n = (size_t)v;
        head += bytes;
    }
    return head + n;
}

/* Room in the read buffer for the `len` kept bytes at `frame` and what
 * completes their frame, plus some slack: a read that completes it is
 * short then, so the loop knows the kernel's buffer is empty. Grows with
 * the bytes that arrived (at most 8 times them), never to the length the
 * peer announces: a 14-byte header claiming 1 MiB held 1 MiB per
 * connection. Doubles while the header is cut short. 0, or -1 when out of
 * memory. */
static int reserve_input(ws_socket *s, const uint8_t *frame, size_t len) {
    size_t want = frame_len(frame, len);
    size_t earned = len < WS_SOCKET_SLACK / 8 ? WS_SOCKET_SLACK : 8 * len;
    uint8_t *nb;
    if (want > len) {
        if (want > earned) want = earned;
        want += WS_SOCKET_SLACK;
    } else
        want = s->in_cap > len ? 2 * s->in_cap : 2 * len + WS_SOCKET_SLACK;
    if (want > WS_SOCKET_KEEP_MAX + WS_SOCKET_SLACK) want = WS_SOCKET_KEEP_MAX + WS_SOCKET_SLACK;
    if (want <= len) return -1;
    if (want <= s->in_cap) return 0;
    nb = realloc(s->in, want);
    if (nb == NULL) return -1;
    s->in = nb;
    s->in_cap = want;
    return 0;
}

/* A buffer larger than its kept bytes have earned (reserve_input's bound)
 * shrinks: a read into the buffer sized for the last large message that
 * brought only the start of the next frame does not hold that size while
 * the peer takes its time. */
static void fit_input(ws_socket *s) {
    size_t len = s->in_len;
    size_t earned = (len < WS_SOCKET_SLACK / 8 ? WS_SOCKET_SLACK : 8 * len) + WS_SOCKET_SLACK;
    uint8_t *nb;
    if (s->in_cap <= earned) return;
    nb = realloc(s->in, earned);
    if (nb == NULL) return; /* keeping the larger buffer is fine */
    s->in = nb;
    s->in_cap = earned;
}

/* Parses data[0..len) in place (callbacks run from here): whole messages
 * are unmasked where they lie and on_message points there. A message frame
 * the data ends inside is kept in s->in to be completed by the next reads
 * (data may be s->in itself); if that cannot be, the driver takes it (and
 * copies it) as ws_parse would. What a stopping callback leaves is handed
 * to the driver in order (ws_feed). Returns 1 with *st set when reading
 * must stop. */
static int parse(ws_socket *s, uint8_t *data, size_t len, size_t cap, ws_socket_status *st) {
    size_t used = 0;
    uint32_t r = ws_parse_in_place(s->drv, data, len, cap, &used);
    if (s->free_pending) {
        *st = WS_SOCKET_FREED;
        return 1;
    }
    if (r == WS_RESULT_CALLBACK_STOPPED && used < len) {
        uint32_t f = ws_feed(s->drv, data + used, len - used);
        if (f != WS_RESULT_OK) r = f;
        used = len;
    }
    if (r == WS_RESULT_OK && used < len) {
        size_t rest = len - used;
        if (data == s->in) {
            if (used > 0) memmove(s->in, s->in + used, rest);
            s->in_len = rest;
            fit_input(s);
            /* Room for the whole frame now (if that fails, the read loop
             * hands it to the driver once the buffer is full). */
            (void)reserve_input(s, s->in, rest);
        } else if (reserve_input(s, data + used, rest) == 0) {
            memcpy(s->in, data + used, rest);
            s->in_len = rest;
            s->in_hint = s->in_cap;
        } else {
            /* No memory for it: the driver stores the frame instead. */
            return parse(s, data + used, rest, 0, st);
        }
    } else {
        /* Small input read into the heap buffer: back to the stack. */
        if (data == s->in && data != NULL && len < WS_SOCKET_CHUNK) s->in_hint = 0;
        s->in_len = 0;
    }
    /* Nothing kept: give the buffer back (no heap held between messages). */
    if (s->in_len == 0 && s->in != NULL) drop_input(s);
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
    if (s->depth > 0) {
        /* From a callback of this socket: its read buffer is in use. */
        s->last_result = WS_RESULT_INVALID_STATE;
        return WS_SOCKET_ERROR;
    }
    if (s->eof || s->fd < 0) {
        drop_input(s);
        return WS_SOCKET_EOF;
    }
    s->depth++;
    if (s->write_failed) return leave(s, transport_gone(s));
    if (s->stopped && parse(s, NULL, 0, 0, &st)) return leave(s, st);
    for (;;) {
        uint8_t *into = chunk;
        size_t have = 0, room = sizeof chunk;
        ssize_t n;
        if (s->high_water && pending(s) > s->high_water) {
            st = WS_SOCKET_AGAIN;
            break;
        }
        if (s->in == NULL && s->in_hint > 0) {
            /* The last large frame came over several reads: read this
             * input straight into a buffer of its size. */
            s->in_cap = s->in_hint + WS_SOCKET_CHUNK;
            s->in = malloc(s->in_cap);
            if (s->in == NULL) s->in_cap = s->in_hint = 0;
        }
        if (s->in != NULL) {
            /* A frame is partly here (or expected): read right after it. */
            if (s->in_len == s->in_cap && reserve_input(s, s->in, s->in_len) != 0) {
                /* Cannot grow: the driver takes what is kept (cap 0). */
                if (parse(s, s->in, s->in_len, 0, &st)) break;
                continue;
            }
            into = s->in;
            have = s->in_len;
            room = s->in_cap - s->in_len;
        }
        n = read(s->fd, into + have, room);
        if (n > 0) {
            if (parse(s, into, have + (size_t)n, WS_SOCKET_KEEP_MAX, &st)) break;
            /* A short read emptied the kernel's buffer: the next bytes (or
             * an EOF that came with these, level-triggered) wake the poller
             * again, so skip the read that would only say EAGAIN: one
             * syscall less per message. */
            if ((size_t)n < room) break;
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
    /* A frame not whole yet stays for the next read; an empty buffer (an
     * EAGAIN) or the input of a dead connection goes. */
    if (s->in_len == 0 || st == WS_SOCKET_EOF || st == WS_SOCKET_ERROR) drop_input(s);
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
