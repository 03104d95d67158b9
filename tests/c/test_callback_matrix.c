/* Every kind of call from inside every callback: for each callback (write,
 * connect, open, message, ping, pong, close, error, the ping reply) and
 * each reaction below, a server and a client run a handshake and a mix of
 * frames (text, binary, ping, the pong for our ping, a fragmented message,
 * then a close or a bad frame) fed by ws_parse, or in place with and
 * without room to keep a frame. Checked every time: no call panics, a
 * freed driver runs no further callback, the ready state never goes back,
 * ws_transport_closed leaves a live driver closed, and strings queried in
 * a callback are still readable when the outer call returned (a stale one
 * shows under valgrind and the instrumented ASan build). */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "util.h"

enum { CB_WRITE, CB_CONNECT, CB_OPEN, CB_MESSAGE, CB_PING, CB_PONG, CB_CLOSE, CB_ERROR, CB_REPLY, NCB };
#define NREACT 27

static int target, react_with, fired, freed, mode, client, panics, after_free, went_back;
static uint32_t last_state;
static ws_driver *other;
static const char *kept[16];
static int nkept;
static uint8_t scratch[64];

static int any_cb(ws_driver *d, int which, const uint8_t *p, size_t l);

static int m_write(void *u, ws_driver *d, const uint8_t *p, size_t l) {
    (void)u;
    return any_cb(d, CB_WRITE, p, l);
}
static int m_connect(void *u, ws_driver *d) {
    int r;
    (void)u;
    r = any_cb(d, CB_CONNECT, NULL, 0);
    if (!freed) ws_start(d);
    return r;
}
static int m_open(void *u, ws_driver *d) {
    (void)u;
    return any_cb(d, CB_OPEN, NULL, 0);
}
static int m_message(void *u, ws_driver *d, uint32_t k, const uint8_t *p, size_t l) {
    (void)u, (void)k;
    return any_cb(d, CB_MESSAGE, p, l);
}
static int m_ping(void *u, ws_driver *d, const uint8_t *p, size_t l) {
    (void)u;
    return any_cb(d, CB_PING, p, l);
}
static int m_pong(void *u, ws_driver *d, const uint8_t *p, size_t l) {
    (void)u;
    return any_cb(d, CB_PONG, p, l);
}
static int m_close(void *u, ws_driver *d, uint32_t c, const char *p, size_t l) {
    (void)u, (void)c;
    return any_cb(d, CB_CLOSE, (const uint8_t *)p, l);
}
static int m_error(void *u, ws_driver *d, uint32_t c, const char *p, size_t l) {
    (void)u, (void)c;
    return any_cb(d, CB_ERROR, (const uint8_t *)p, l);
}
static int m_reply(void *u, ws_driver *d) {
    (void)u;
    return any_cb(d, CB_REPLY, NULL, 0);
}

static void attach(ws_driver *d) {
    ws_on_write(d, m_write, NULL);
    ws_on_connect(d, m_connect, NULL);
    ws_on_open(d, m_open, NULL);
    ws_on_message(d, m_message, NULL);
    ws_on_ping(d, m_ping, NULL);
    ws_on_pong(d, m_pong, NULL);
    ws_on_close(d, m_close, NULL);
    ws_on_error(d, m_error, NULL);
}

static void note(uint32_t r) {
    if (r == WS_RESULT_PANIC) panics++;
}

static int ignore_write(void *u, ws_driver *d, const uint8_t *p, size_t l) {
    (void)u, (void)d, (void)p, (void)l;
    return 0;
}

/* The other driver's message callback calls into the first one. */
static int other_message(void *u, ws_driver *d, uint32_t k, const uint8_t *p, size_t l) {
    (void)d, (void)k;
    if (!freed) {
        note(ws_parse((ws_driver *)u, p, l));
        note(ws_text((ws_driver *)u, "from-other", 10));
    }
    return 0;
}

static void react(ws_driver *d, const uint8_t *p, size_t l, int *rc) {
    size_t c = 0, n = 0;
    ws_action a[4];
    uint8_t out[256];
    const char *name, *value;
    a[0].struct_size = sizeof a[0];
    switch (react_with) {
    case 0: break;
    case 1: ws_driver_free(d), freed = 1; break;
    case 2: ws_driver_free(d), freed = 1, *rc = 1; break;
    case 3: note(ws_parse(d, p, l)); break;
    case 4: note(ws_parse_in_place(d, (uint8_t *)(uintptr_t)p, l, l, &c)); break;
    case 5: while (ws_poll(d, a) == WS_RESULT_OK && n++ < 100) {} break;
    case 6: while (ws_poll_many(d, a, 4, &c) == WS_RESULT_OK && n++ < 100) {} break;
    case 7: note(ws_feed(d, p, l)); break;
    case 8: note(ws_read(d, p, l, &c)); break;
    case 9:
        memcpy(scratch, HYBI_REQUEST, 20);
        while (ws_poll_in_place(d, scratch, 20, 100, a, &c) == WS_RESULT_OK && n++ < 100) {}
        break;
    case 10: while (ws_take_output(d, out, sizeof out, &c) == WS_RESULT_OK && n++ < 100) {} break;
    case 11:
        note(ws_text(d, "t", 1));
        note(ws_binary(d, p, l));
        note(ws_ping(d, (const uint8_t *)"r", 1, m_reply, NULL));
        note(ws_pong(d, NULL, 0));
        note(ws_ping_token(d, (const uint8_t *)"k", 1, 7));
        break;
    case 12: note(ws_close(d, 4000, "bye", 3)); break;
    case 13: note(ws_start(d)); break;
    case 14:
        nkept = 0;
        kept[nkept++] = ws_header(d, "host");
        kept[nkept++] = ws_request_path(d);
        kept[nkept++] = ws_request_query(d);
        kept[nkept++] = ws_url(d);
        kept[nkept++] = ws_protocol(d);
        kept[nkept++] = ws_driver_version(d);
        if (ws_header_at(d, 0, &name, &value) == WS_RESULT_OK) {
            kept[nkept++] = name;
            kept[nkept++] = value;
        }
        break;
    case 15:
        ws_on_write(d, NULL, NULL), ws_on_message(d, NULL, NULL), ws_on_close(d, NULL, NULL);
        ws_on_open(d, NULL, NULL), ws_on_ping(d, NULL, NULL), ws_on_pong(d, NULL, NULL);
        ws_on_error(d, NULL, NULL), ws_on_connect(d, NULL, NULL);
        break;
    case 16: attach(d); break;
    case 17: {
        buf f;
        memset(&f, 0, sizeof f);
        if (other == NULL) {
            ws_driver_new_server(NULL, &other);
            ws_on_message(other, other_message, d);
            ws_on_write(other, ignore_write, NULL);
            ws_parse(other, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST));
            ws_start(other);
        }
        frame(&f, 1, 2, 1, "zz", 2);
        note(ws_parse(other, f.data, f.len));
        buf_free(&f);
        break;
    }
    case 18: {
        ws_driver *x = NULL;
        ws_driver_new_client(NULL, "ws://a/", &x);
        ws_start(x);
        ws_driver_free(x);
        break;
    }
    case 19: note(ws_transport_closed(d)); break;
    case 20:
        note(ws_set_header(d, "X-A", "b"));
        note(ws_reject(d, 403, NULL, NULL, 0, NULL, 0));
        note(ws_select_protocol(d, "chat"));
        note(ws_add_deflate(d, NULL));
        break;
    case 21:
        note(ws_send_into(d, WS_MESSAGE_TEXT, (const uint8_t *)"si", 2, out, sizeof out, &c));
        note(ws_frame_message(d, WS_MESSAGE_BINARY, (const uint8_t *)"fm", 2, out, sizeof out, &c));
        note(ws_frame_header(d, WS_MESSAGE_BINARY, 5, out, &c));
        break;
    case 22:
        note(ws_close(d, 1, NULL, 0));
        kept[0] = ws_last_error(d);
        nkept = 1;
        break;
    case 23: {
        ws_proxy *px = NULL;
        note(ws_proxy_new(d, "http://p:1", &px));
        ws_proxy_free(px);
        note(ws_extended_field_at(d, 0, &name, &value));
        note(ws_extended_response(d, NULL, NULL, 0));
        break;
    }
    case 24: *rc = 1; break;
    case 25: while (ws_poll_queued(d, a) == WS_RESULT_OK && n++ < 100) {} break;
    default: {
        ws_extension *e = NULL;
        ws_deflate *df = ws_deflate_new();
        note(ws_add_deflate(d, df));
        ws_deflate_free(df);
        ws_extension_new("x", 0, &e);
        if (ws_add_extension(d, e) != WS_RESULT_OK) ws_extension_free(e);
        break;
    }
    }
}

static int any_cb(ws_driver *d, int which, const uint8_t *p, size_t l) {
    int rc = 0;
    uint32_t s;
    if (freed) {
        after_free++;
        return 0;
    }
    s = ws_state(d);
    if (s < last_state) went_back++;
    last_state = s;
    if (which != target || fired >= 3) return 0;
    fired++;
    react(d, p, l, &rc);
    return rc;
}

/* ws_parse or in place (mode 1: no room, everything consumed; mode 2:
 * room, a frame may stay: the host passes the rest to ws_parse). */
static void feed(ws_driver *d, uint8_t *in, size_t n) {
    size_t used = 0;
    uint32_t r;
    int k;
    if (mode == 0) {
        r = ws_parse(d, in, n);
    } else {
        r = ws_parse_in_place(d, in, n, mode == 1 ? 0 : 4096, &used);
        if (!freed && used < n) note(ws_parse(d, in + used, n - used));
    }
    note(r);
    for (k = 0; k < 50 && !freed && r == WS_RESULT_CALLBACK_STOPPED; k++) {
        r = ws_parse(d, NULL, 0);
        note(r);
    }
}

static int run(int bad) {
    static const char *const response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    ws_driver *d = NULL;
    buf in;
    int i;
    memset(&in, 0, sizeof in);
    fired = freed = nkept = 0;
    last_state = WS_STATE_CONNECTING;
    if (client) {
        ws_options *o = ws_options_new();
        ws_options_set_client_key(o, "dGhlIHNhbXBsZSBub25jZQ==");
        ws_options_set_require_masking(o, 0);
        ws_driver_new_client(o, "ws://example.com/chat", &d);
        ws_options_free(o);
        attach(d);
        note(ws_start(d));
        buf_adds(&in, response);
    } else {
        ws_driver_new_server(NULL, &d);
        attach(d);
        buf_adds(&in, HYBI_REQUEST);
    }
    if (!freed) feed(d, in.data, in.len);
    if (!freed) note(ws_ping(d, (const uint8_t *)"pp", 2, m_reply, NULL));
    buf_clear(&in);
    frame(&in, 1, 1, 1, "hello", 5);
    frame(&in, 1, 2, 1, "bin", 3);
    frame(&in, 1, 9, 1, "pi", 2);
    frame(&in, 1, 10, 1, "pp", 2);
    frame(&in, 0, 1, 1, "fr", 2);
    frame(&in, 1, 0, 1, "ag", 2);
    if (bad)
        frame(&in, 1, 3, 1, "x", 1);
    else
        frame(&in, 1, 8, 1, "\x03\xe8ok", 4);
    frame(&in, 1, 1, 1, "after", 5);
    if (!freed) feed(d, in.data, in.len);
    for (i = 0; i < nkept; i++)
        if (kept[i]) (void)strlen(kept[i]);
    if (!freed) note(ws_text(d, "late", 4));
    if (!freed) note(ws_transport_closed(d));
    if (!freed && ws_state(d) != WS_STATE_CLOSED) went_back += 1000;
    if (!freed) ws_driver_free(d);
    if (other) ws_driver_free(other), other = NULL;
    buf_free(&in);
    return 0;
}

static void every_call_from_inside_every_callback(void) {
    int bad, runs = 0, fired_total = 0;
    panics = after_free = went_back = 0;
    for (client = 0; client < 2; client++)
        for (mode = 0; mode < 3; mode++)
            for (target = 0; target < NCB; target++)
                for (react_with = 0; react_with < NREACT; react_with++)
                    for (bad = 0; bad < 2; bad++) {
                        run(bad);
                        runs++;
                        fired_total += fired > 0;
                        if (panics || after_free || went_back) {
                            harness_fail(__FILE__, __LINE__,
                                         "client %d mode %d callback %d reaction %d bad %d: "
                                         "%d panics, %d callbacks after a free, state %d",
                                         client, mode, target, react_with, bad, panics,
                                         after_free, went_back);
                            return;
                        }
                    }
    CHECK_INT(runs, 2 * 3 * NCB * NREACT * 2);
    /* Every callback kind fired in most runs (the error callback only with
     * the bad frame, the reply only when the pong came). */
    CHECK(fired_total > runs / 2);
}

const harness_test callback_matrix_tests[] = {
    {"every_call_from_inside_every_callback", every_call_from_inside_every_callback},
    {NULL, NULL},
};
