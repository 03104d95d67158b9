/* Test helpers: an event recorder that logs every callback, frame builders
 * and canned handshakes. */
#ifndef WSDRIVER_TEST_UTIL_H
#define WSDRIVER_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wsdriver.h"

typedef struct buf {
    uint8_t *data;
    size_t len, cap;
} buf;

void buf_add(buf *b, const void *data, size_t len);
void buf_adds(buf *b, const char *s);
void buf_clear(buf *b);
void buf_free(buf *b);
/* Removes the first n bytes. */
void buf_consume(buf *b, size_t n);

/* Records callbacks: writes go to `out`, events to `log` as text such as
 * "connect|open|message text 5 hello|close 1000 bye|". */
typedef struct rec {
    buf out;
    buf log;
    int connects, opens, messages, pings, pongs, closes, errors;
    uint32_t close_code, error_code;
    int stop_on_message; /* return non-zero from on_message this many times */
} rec;

/* Sets every callback of drv to the recorder's. */
void rec_attach(rec *r, ws_driver *drv);
void rec_free(rec *r);
/* log as a NUL-terminated string (valid until the next callback). */
const char *rec_log(rec *r);

int rec_on_write(void *user, ws_driver *drv, const uint8_t *data, size_t len);
int rec_on_connect(void *user, ws_driver *drv);
int rec_on_open(void *user, ws_driver *drv);
int rec_on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len);
int rec_on_ping(void *user, ws_driver *drv, const uint8_t *data, size_t len);
int rec_on_pong(void *user, ws_driver *drv, const uint8_t *data, size_t len);
int rec_on_close(void *user, ws_driver *drv, uint32_t code, const char *reason, size_t len);
int rec_on_error(void *user, ws_driver *drv, uint32_t code, const char *msg, size_t len);

/* A frame as a client sends it (masked with a fixed key when mask != 0). */
void frame(buf *b, int fin, unsigned opcode, int mask, const void *payload, size_t len);

/* A hybi-13 upgrade request for /chat?x=1 with the RFC 6455 sample key. */
extern const char *const HYBI_REQUEST;
/* The accept value for that key. */
extern const char *const HYBI_ACCEPT;
/* The draft-76 sample request (head only) and its 8-byte body. */
extern const char *const HIXIE76_HEAD;
extern const char *const HIXIE76_BODY;

/* A server driver that received HYBI_REQUEST and was started, recorded by r
 * (r->out holds the 101 response, cleared). NULL on failure. */
ws_driver *open_server(rec *r, const ws_options *opts);

/* In-memory client/server pair: both recorded; pair_pump moves bytes until
 * neither side has any to send. */
typedef struct pair {
    ws_driver *client, *server;
    rec c, s;
} pair;
int pair_open(pair *p);        /* 0 when both sides are open */
int pair_pump(pair *p);        /* 0, or the first non-OK ws_parse result */
void pair_free(pair *p);

#endif
