#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_add(buf *b, const void *data, size_t len) {
    if (len == 0) return;
    if (b->cap - b->len < len + 1) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < len + 1) cap *= 2;
        b->data = realloc(b->data, cap);
        if (b->data == NULL) abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

void buf_adds(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_clear(buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

void buf_free(buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_consume(buf *b, size_t n) {
    if (n > b->len) n = b->len;
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    if (b->data) b->data[b->len] = 0;
}

static void logf_(rec *r, const char *fmt, const char *a, size_t alen, unsigned long n) {
    char head[64];
    snprintf(head, sizeof head, fmt, n);
    buf_adds(&r->log, head);
    if (a != NULL) buf_add(&r->log, a, alen);
    buf_adds(&r->log, "|");
}

int rec_on_write(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    rec *r = user;
    (void)drv;
    buf_add(&r->out, data, len);
    return 0;
}

int rec_on_connect(void *user, ws_driver *drv) {
    rec *r = user;
    (void)drv;
    r->connects++;
    buf_adds(&r->log, "connect|");
    return 0;
}

int rec_on_open(void *user, ws_driver *drv) {
    rec *r = user;
    (void)drv;
    r->opens++;
    buf_adds(&r->log, "open|");
    return 0;
}

int rec_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    rec *r = user;
    (void)drv;
    r->messages++;
    logf_(r, kind == WS_MESSAGE_TEXT ? "message text %lu " : "message binary %lu ",
          (const char *)data, len, (unsigned long)len);
    if (r->stop_on_message > 0) {
        r->stop_on_message--;
        return 1;
    }
    return 0;
}

int rec_on_ping(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    rec *r = user;
    (void)drv;
    r->pings++;
    logf_(r, "ping %lu ", (const char *)data, len, (unsigned long)len);
    return 0;
}

int rec_on_pong(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    rec *r = user;
    (void)drv;
    r->pongs++;
    logf_(r, "pong %lu ", (const char *)data, len, (unsigned long)len);
    return 0;
}

int rec_on_close(void *user, ws_driver *drv, uint32_t code, const char *reason, size_t len) {
    rec *r = user;
    (void)drv;
    r->closes++;
    r->close_code = code;
    logf_(r, "close %lu ", reason, len, (unsigned long)code);
    return 0;
}

int rec_on_error(void *user, ws_driver *drv, uint32_t code, const char *msg, size_t len) {
    rec *r = user;
    (void)drv;
    (void)msg;
    (void)len;
    r->errors++;
    r->error_code = code;
    logf_(r, "error %lu", NULL, 0, (unsigned long)code);
    return 0;
}

void rec_attach(rec *r, ws_driver *drv) {
    ws_on_write(drv, rec_on_write, r);
    ws_on_connect(drv, rec_on_connect, r);
    ws_on_open(drv, rec_on_open, r);
    ws_on_message(drv, rec_on_message, r);
    ws_on_ping(drv, rec_on_ping, r);
    ws_on_pong(drv, rec_on_pong, r);
    ws_on_close(drv, rec_on_close, r);
    ws_on_error(drv, rec_on_error, r);
}

void rec_free(rec *r) {
    buf_free(&r->out);
    buf_free(&r->log);
}

const char *rec_log(rec *r) { return r->log.data ? (const char *)r->log.data : ""; }

void frame(buf *b, int fin, unsigned opcode, int mask, const void *payload, size_t len) {
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t h[14];
    size_t n = 0, i;
    const uint8_t *p = payload;
    h[n++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    if (len < 126) {
        h[n++] = (uint8_t)((mask ? 0x80 : 0) | len);
    } else if (len < 65536) {
        h[n++] = (uint8_t)((mask ? 0x80 : 0) | 126);
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        int k;
        h[n++] = (uint8_t)((mask ? 0x80 : 0) | 127);
        for (k = 7; k >= 0; k--) h[n++] = (uint8_t)((uint64_t)len >> (8 * k));
    }
    if (mask) {
        memcpy(h + n, key, 4);
        n += 4;
    }
    buf_add(b, h, n);
    for (i = 0; i < len; i++) {
        uint8_t c = (uint8_t)(p[i] ^ (mask ? key[i % 4] : 0));
        buf_add(b, &c, 1);
    }
}

const char *const HYBI_REQUEST =
    "GET /chat?x=1 HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";
const char *const HYBI_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const char *const HIXIE76_HEAD =
    "GET /demo HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n"
    "Sec-WebSocket-Protocol: sample\r\n"
    "Upgrade: WebSocket\r\n"
    "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"
    "Origin: http://example.com\r\n"
    "\r\n";
const char *const HIXIE76_BODY = "^n:ds[4U";

ws_driver *open_server(rec *r, const ws_options *opts) {
    ws_driver *drv = NULL;
    if (ws_driver_new_server(opts, &drv) != WS_RESULT_OK) return NULL;
    rec_attach(r, drv);
    if (ws_parse(drv, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)) != WS_RESULT_OK ||
        ws_start(drv) != WS_RESULT_OK || ws_state(drv) != WS_STATE_OPEN) {
        ws_driver_free(drv);
        return NULL;
    }
    buf_clear(&r->out);
    buf_clear(&r->log);
    return drv;
}

int pair_pump(pair *p) {
    int rounds;
    for (rounds = 0; rounds < 1000 && (p->c.out.len || p->s.out.len); rounds++) {
        uint32_t res;
        if (p->c.out.len) {
            buf tmp = p->c.out;
            memset(&p->c.out, 0, sizeof p->c.out);
            res = ws_parse(p->server, tmp.data, tmp.len);
            buf_free(&tmp);
            if (res != WS_RESULT_OK) return (int)res;
        }
        if (p->s.out.len) {
            buf tmp = p->s.out;
            memset(&p->s.out, 0, sizeof p->s.out);
            res = ws_parse(p->client, tmp.data, tmp.len);
            buf_free(&tmp);
            if (res != WS_RESULT_OK) return (int)res;
        }
    }
    return 0;
}

static int start_on_connect(void *user, ws_driver *drv) {
    rec_on_connect(user, drv);
    return ws_start(drv) == WS_RESULT_OK ? 0 : 1;
}

int pair_open(pair *p) {
    memset(p, 0, sizeof *p);
    if (ws_driver_new_client(NULL, "ws://example.com/chat", &p->client) != WS_RESULT_OK) return -1;
    if (ws_driver_new_server(NULL, &p->server) != WS_RESULT_OK) return -1;
    rec_attach(&p->c, p->client);
    rec_attach(&p->s, p->server);
    ws_on_connect(p->server, start_on_connect, &p->s);
    if (ws_start(p->client) != WS_RESULT_OK) return -1;
    if (pair_pump(p) != 0) return -1;
    if (ws_state(p->client) != WS_STATE_OPEN || ws_state(p->server) != WS_STATE_OPEN) return -1;
    buf_clear(&p->c.log);
    buf_clear(&p->s.log);
    return 0;
}

void pair_free(pair *p) {
    ws_driver_free(p->client);
    ws_driver_free(p->server);
    rec_free(&p->c);
    rec_free(&p->s);
    p->client = p->server = NULL;
}
