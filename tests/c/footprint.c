/* Heap held by one server connection through the C API, as glibc counts it
 * (mallinfo2's uordblks: chunk sizes, malloc's own overhead included), at
 * four points: created (callbacks set), open and idle, idle after a 1 MiB
 * message, and closed. Issue 15's limits: an open idle connection holds at
 * most 1 KiB, and at most 8 KiB after a 1 MiB message; a closed one holds
 * no more than it did open and idle (the closing handshake's buffers go
 * back too, the request stays for the queries); exit status 1 when any is
 * exceeded.
 *
 * Run with the tcache off, so freed chunks are not parked per thread:
 *   GLIBC_TUNABLES=glibc.malloc.tcache_count=0 ./footprint
 * (`make -C tests/c footprint` does that.) Not meaningful under ASan,
 * which replaces malloc. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsdriver.h"

#define OPEN_LIMIT 1024
#define AFTER_LIMIT 8192
#define MESSAGE (1u << 20)

/* The request of the throughput benchmark's memory table. */
static const char REQUEST[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static size_t in_use(void) { return mallinfo2().uordblks; }

/* Writes are counted, not kept: the host's buffer is not the driver's. */
static int on_write(void *user, ws_driver *drv, const uint8_t *data, size_t len) {
    (void)drv;
    (void)data;
    *(size_t *)user += len;
    return 0;
}
static int on_connect(void *user, ws_driver *drv) {
    (void)user;
    return ws_start(drv) != WS_RESULT_OK;
}
static int on_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data, size_t len) {
    (void)drv;
    (void)kind;
    (void)data;
    *(size_t *)user += len;
    return 0;
}

/* A masked client frame (FIN, `opcode`) of `len` bytes of `fill`. */
static uint8_t *client_frame(unsigned opcode, const uint8_t *payload, size_t len, size_t *out_len) {
    static const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    uint8_t *f = malloc(len + 14), *p = f;
    size_t i;
    if (f == NULL) return NULL;
    *p++ = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        *p++ = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        *p++ = 0x80 | 126;
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
    } else {
        *p++ = 0x80 | 127;
        for (i = 0; i < 8; i++) *p++ = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    }
    memcpy(p, key, 4);
    p += 4;
    for (i = 0; i < len; i++) p[i] = payload[i] ^ key[i % 4];
    *out_len = (size_t)(p - f) + len;
    return f;
}

typedef struct figures {
    long created, open, after, closed;
} figures;

/* One connection's life; the figures are relative to before its creation.
 * The client frames are made first, so they are not counted. */
static int measure(figures *fig) {
    uint8_t *payload = calloc(MESSAGE, 1), *big, *close_frame;
    static const uint8_t close_payload[2] = {0x03, 0xe8};
    size_t big_len = 0, close_len = 0, written = 0, received = 0;
    size_t base;
    ws_driver *drv = NULL;
    int ok;
    if (payload == NULL) return 0;
    big = client_frame(0x2, payload, MESSAGE, &big_len);
    close_frame = client_frame(0x8, close_payload, 2, &close_len);
    free(payload);
    if (big == NULL || close_frame == NULL) return 0;

    base = in_use();
    ok = ws_driver_new_server(NULL, &drv) == WS_RESULT_OK;
    ok = ok && ws_on_write(drv, on_write, &written) == WS_RESULT_OK;
    ok = ok && ws_on_connect(drv, on_connect, NULL) == WS_RESULT_OK;
    ok = ok && ws_on_message(drv, on_message, &received) == WS_RESULT_OK;
    fig->created = (long)(in_use() - base);

    ok = ok && ws_parse(drv, (const uint8_t *)REQUEST, strlen(REQUEST)) == WS_RESULT_OK;
    ok = ok && ws_state(drv) == WS_STATE_OPEN;
    fig->open = (long)(in_use() - base);

    ok = ok && ws_parse(drv, big, big_len) == WS_RESULT_OK && received == MESSAGE;
    fig->after = (long)(in_use() - base);

    ok = ok && ws_close(drv, 1000, NULL, 0) == WS_RESULT_OK;
    ok = ok && ws_parse(drv, close_frame, close_len) == WS_RESULT_OK;
    ok = ok && ws_state(drv) == WS_STATE_CLOSED;
    fig->closed = (long)(in_use() - base);

    /* The queries still answer from what the connection kept. */
    ok = ok && ws_request_path(drv) && strcmp(ws_request_path(drv), "/chat") == 0;
    ok = ok && ws_header(drv, "host") && strcmp(ws_header(drv, "host"), "example.com") == 0;

    ws_driver_free(drv);
    free(big);
    free(close_frame);
    return ok;
}

int main(void) {
    figures warm, fig;
    /* The first connection pays for the library's one-time set-up. */
    if (!measure(&warm) || !measure(&fig)) {
        fprintf(stderr, "footprint: the connection did not go through\n");
        return 2;
    }
    printf("server connection through the C API, heap in use (mallinfo2, bytes):\n");
    printf("  created       %6ld\n", fig.created);
    printf("  open, idle    %6ld  (limit %d)\n", fig.open, OPEN_LIMIT);
    printf("  after 1 MiB   %6ld  (limit %d)\n", fig.after, AFTER_LIMIT);
    printf("  closed        %6ld  (limit: open, idle)\n", fig.closed);
    return fig.open <= OPEN_LIMIT && fig.after <= AFTER_LIMIT && fig.closed <= fig.open ? 0 : 1;
}
