/* Extensions through the C API: permessage-deflate settings and a callback
 * extension (offer, activate, respond, message transforms, destructor). */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

/* Opens a client/server pair after `setup` added extensions to both. */
static int open_with(pair *p, void (*setup)(ws_driver *client, ws_driver *server)) {
    memset(p, 0, sizeof *p);
    if (ws_driver_new_client(NULL, "ws://example.com/chat", &p->client) != WS_RESULT_OK) return -1;
    if (ws_driver_new_server(NULL, &p->server) != WS_RESULT_OK) return -1;
    rec_attach(&p->c, p->client);
    rec_attach(&p->s, p->server);
    setup(p->client, p->server);
    if (ws_start(p->client) != WS_RESULT_OK) return -1;
    if (pair_pump(p) != 0) return -1;
    /* The server was not started by a connect callback: start it now. */
    if (ws_start(p->server) != WS_RESULT_OK) return -1;
    if (pair_pump(p) != 0) return -1;
    if (ws_state(p->client) != WS_STATE_OPEN || ws_state(p->server) != WS_STATE_OPEN) return -1;
    buf_clear(&p->c.log);
    buf_clear(&p->s.log);
    return 0;
}

static void add_deflate_both(ws_driver *client, ws_driver *server) {
    ws_deflate *d = ws_deflate_new();
    ws_deflate_set_level(d, 9);
    ws_add_deflate(client, d);
    ws_add_deflate(server, NULL);
    ws_deflate_free(d);
}

static void deflate_settings(void) {
    ws_deflate *d = ws_deflate_new();
    CHECK(d != NULL);
    CHECK_RES(ws_deflate_set_level(d, 10), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_deflate_set_level(d, 0), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_min_size(d, 64), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_server_no_context_takeover(d, 1), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_client_no_context_takeover(d, 3), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_deflate_set_client_no_context_takeover(d, 0), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_server_max_window_bits(d, 7), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_deflate_set_server_max_window_bits(d, 9), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_client_max_window_bits(d, 16), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_deflate_set_client_max_window_bits(d, 0), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_offer_client_max_window_bits(d, 0), WS_RESULT_OK);
    CHECK_RES(ws_deflate_set_level(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_deflate_set_min_size(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_deflate_set_server_no_context_takeover(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_deflate_set_client_no_context_takeover(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_deflate_set_server_max_window_bits(NULL, 9), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_deflate_set_client_max_window_bits(NULL, 9), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_deflate_set_offer_client_max_window_bits(NULL, 1), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_add_deflate(NULL, d), WS_RESULT_NULL_PARAMETER);
    ws_deflate_free(d);
    ws_deflate_free(NULL);
}

static void deflate_pair_compresses(void) {
    pair p;
    size_t len = 100000, i, on_wire;
    char *text = malloc(len);
    CHECK(text != NULL);
    for (i = 0; i < len; i++) text[i] = "compress me "[i % 12];
    CHECK(open_with(&p, add_deflate_both) == 0);
    CHECK_RES(ws_add_deflate(p.client, NULL), WS_RESULT_INVALID_STATE);
    CHECK_RES(ws_text(p.client, text, len), WS_RESULT_OK);
    /* One compressed frame: FIN|RSV1|text, far smaller than the text. */
    CHECK(p.c.out.len > 0);
    CHECK_INT(p.c.out.data[0], 0xC1);
    on_wire = p.c.out.len;
    CHECK(on_wire < 2000);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(p.s.messages, 1);
    CHECK_INT(p.s.log.len, strlen("message text 100000 ") + len + 1);
    CHECK(memcmp(p.s.log.data + strlen("message text 100000 "), text, len) == 0);
    free(text);
    pair_free(&p);
}

/* A callback extension that upper-cases outgoing text and marks it with
 * RSV2; the receiving side lower-cases RSV2 messages back. */
static int destroyed;

static void on_destroy(void *user) {
    (void)user;
    destroyed++;
}

static int ext_offer(void *user, ws_buffer *out) {
    (void)user;
    return ws_buffer_set(out, (const uint8_t *)"case=upper", 10) == WS_RESULT_OK ? 0 : 1;
}

static int ext_activate(void *user, const char *response, size_t len) {
    (void)user;
    return len == strlen("x-case; case=upper") && memcmp(response, "x-case; case=upper", len) == 0 ? 0 : 1;
}

static int ext_respond(void *user, const char *offers, size_t len, ws_buffer *out) {
    (void)user;
    if (len != strlen("x-case; case=upper") || memcmp(offers, "x-case; case=upper", len) != 0) return 1;
    return ws_buffer_set(out, (const uint8_t *)"case=upper", 10) == WS_RESULT_OK ? 0 : 1;
}

static int convert(uint32_t rsv, const uint8_t *data, size_t len, ws_buffer *out, uint32_t *out_rsv,
                   int upper) {
    uint8_t *copy = malloc(len + 1);
    size_t i;
    if (copy == NULL) return 1;
    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        if (upper && c >= 'a' && c <= 'z') c = (uint8_t)(c - 32);
        if (!upper && c >= 'A' && c <= 'Z') c = (uint8_t)(c + 32);
        copy[i] = c;
    }
    ws_buffer_set(out, copy, len);
    free(copy);
    *out_rsv = upper ? (rsv | WS_RSV2) : (rsv & ~(uint32_t)WS_RSV2);
    return 0;
}

static int ext_outgoing(void *user, uint32_t rsv, uint32_t is_text, const uint8_t *data, size_t len,
                        ws_buffer *out, uint32_t *out_rsv) {
    (void)user;
    if (!is_text) return 0;
    if (len == 4 && memcmp(data, "fail", 4) == 0) {
        ws_buffer_set(out, (const uint8_t *)"refused", 7);
        return 1;
    }
    return convert(rsv, data, len, out, out_rsv, 1);
}

static int ext_incoming(void *user, uint32_t rsv, uint32_t is_text, const uint8_t *data, size_t len,
                        ws_buffer *out, uint32_t *out_rsv) {
    (void)user;
    (void)is_text;
    if (!(rsv & WS_RSV2)) return 0;
    return convert(rsv, data, len, out, out_rsv, 0);
}

static ws_extension *case_extension(void) {
    ws_extension *ext = NULL;
    if (ws_extension_new("x-case", WS_RSV2, &ext) != WS_RESULT_OK) return NULL;
    ws_extension_set_user(ext, NULL, on_destroy);
    ws_extension_on_offer(ext, ext_offer);
    ws_extension_on_activate(ext, ext_activate);
    ws_extension_on_respond(ext, ext_respond);
    ws_extension_on_incoming(ext, ext_incoming);
    ws_extension_on_outgoing(ext, ext_outgoing);
    return ext;
}

static void add_case_both(ws_driver *client, ws_driver *server) {
    ws_add_extension(client, case_extension());
    ws_add_extension(server, case_extension());
}

static void callback_extension_round_trip(void) {
    pair p;
    destroyed = 0;
    CHECK(open_with(&p, add_case_both) == 0);
    CHECK_STR(ws_header(p.client, "Sec-WebSocket-Extensions"), "x-case; case=upper");
    CHECK_RES(ws_text(p.client, "Hello", 5), WS_RESULT_OK);
    CHECK_INT(p.c.out.data[0], 0xA1); /* FIN|RSV2|text */
    CHECK_INT(pair_pump(&p), 0);
    CHECK_STR(rec_log(&p.s), "message text 5 hello|");
    /* An outgoing transform that fails closes the connection with 1010. */
    CHECK_RES(ws_text(p.server, "fail", 4), WS_RESULT_INVALID_STATE);
    CHECK_INT(p.s.errors, 1);
    CHECK_INT(p.s.error_code, 1010);
    CHECK_INT(pair_pump(&p), 0);
    CHECK_INT(p.c.close_code, 1010);
    CHECK_INT(destroyed, 0);
    pair_free(&p);
    CHECK_INT(destroyed, 2);
}

static void extension_arguments(void) {
    ws_extension *ext = NULL;
    ws_driver *drv = NULL;
    destroyed = 0;
    CHECK_RES(ws_extension_new(NULL, 0, &ext), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_new("x", 0, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_new("two words", 0, &ext), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_extension_new("x", 0x80, &ext), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_extension_new("x", WS_RSV1 | WS_RSV3, &ext), WS_RESULT_OK);
    CHECK_RES(ws_extension_set_user(NULL, NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_on_offer(NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_on_activate(NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_on_respond(NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_on_incoming(NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_on_outgoing(NULL, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_extension_set_user(ext, NULL, on_destroy), WS_RESULT_OK);
    CHECK_RES(ws_add_extension(NULL, ext), WS_RESULT_NULL_PARAMETER);
    /* Refused by a hixie-75 driver: the caller keeps the extension. */
    {
        const char *names[] = {"Host", "Upgrade", "Connection"};
        const char *values[] = {"example.com", "WebSocket", "Upgrade"};
        CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", names, values, 3, NULL, 0, NULL, &drv),
                  WS_RESULT_OK);
    }
    CHECK_RES(ws_add_extension(drv, ext), WS_RESULT_NOT_SUPPORTED);
    CHECK_RES(ws_add_deflate(drv, NULL), WS_RESULT_NOT_SUPPORTED);
    CHECK_RES(ws_add_extension(drv, NULL), WS_RESULT_NULL_PARAMETER);
    ws_driver_free(drv);
    CHECK_INT(destroyed, 0);
    ws_extension_free(ext);
    CHECK_INT(destroyed, 1);
    ws_extension_free(NULL);
    CHECK_RES(ws_buffer_set(NULL, NULL, 0), WS_RESULT_NULL_PARAMETER);
}

/* An extension whose transforms misbehave: the driver's promises hold
 * after extensions whatever they do. */
static int rogue_mode;

static int rogue_respond(void *user, const char *offers, size_t len, ws_buffer *out) {
    (void)user, (void)offers, (void)len, (void)out;
    return 0;
}

static int rogue_incoming(void *user, uint32_t rsv, uint32_t is_text, const uint8_t *data,
                          size_t len, ws_buffer *out, uint32_t *out_rsv) {
    static uint8_t big[2000];
    (void)user, (void)rsv, (void)is_text, (void)data, (void)len, (void)out_rsv;
    if (rogue_mode == 1) {
        memset(big, 'a', sizeof big);
        ws_buffer_set(out, big, sizeof big);
    } else if (rogue_mode == 2) {
        ws_buffer_set(out, (const uint8_t *)"\xff\xfe", 2);
    }
    return 0;
}

static int rogue_outgoing(void *user, uint32_t rsv, uint32_t is_text, const uint8_t *data,
                          size_t len, ws_buffer *out, uint32_t *out_rsv) {
    (void)user, (void)rsv, (void)is_text, (void)data, (void)len, (void)out;
    if (rogue_mode == 3) *out_rsv = WS_RSV1 | WS_RSV2 | WS_RSV3;
    return 0;
}

static ws_extension *rogue_extension(void) {
    ws_extension *ext = NULL;
    if (ws_extension_new("x-rogue", 0, &ext) != WS_RESULT_OK) return NULL;
    ws_extension_on_respond(ext, rogue_respond);
    ws_extension_on_incoming(ext, rogue_incoming);
    ws_extension_on_outgoing(ext, rogue_outgoing);
    return ext;
}

/* Sends "hello" from the client through a rogue extension on both sides
 * (the server's max_length is 1000); returns the server's log. */
static const char *rogue_exchange(pair *p, int mode) {
    ws_options *opts = ws_options_new();
    memset(p, 0, sizeof *p);
    ws_options_set_max_length(opts, 1000);
    rogue_mode = 0;
    if (ws_driver_new_client(NULL, "ws://example.com/", &p->client) != WS_RESULT_OK) return NULL;
    if (ws_driver_new_server(opts, &p->server) != WS_RESULT_OK) return NULL;
    ws_options_free(opts);
    rec_attach(&p->c, p->client);
    rec_attach(&p->s, p->server);
    ws_add_extension(p->client, rogue_extension());
    ws_add_extension(p->server, rogue_extension());
    if (ws_start(p->client) != WS_RESULT_OK || pair_pump(p) != 0) return NULL;
    if (ws_start(p->server) != WS_RESULT_OK || pair_pump(p) != 0) return NULL;
    if (ws_state(p->server) != WS_STATE_OPEN) return NULL;
    buf_clear(&p->s.log);
    rogue_mode = mode;
    if (ws_text(p->client, "hello", 5) != WS_RESULT_OK || pair_pump(p) != 0) return NULL;
    return rec_log(&p->s);
}

/* max_length holds after extensions: a transform's longer output fails
 * the connection with 1009 instead of reaching on_message. */
static void max_length_holds_after_a_callback_extension(void) {
    pair p;
    CHECK_STR(rogue_exchange(&p, 1), "error 1009|close 1009 WebSocket message length too large after extensions|");
    pair_free(&p);
}

/* A text message is UTF-8 after extensions too: 1007 otherwise. */
static void text_stays_utf8_after_a_callback_extension(void) {
    pair p;
    CHECK_STR(rogue_exchange(&p, 2), "error 1007|close 1007 Could not decode a text frame as UTF-8|");
    pair_free(&p);
}

/* An extension changes only the RSV bits it owns: setting others on an
 * outgoing message used to put them on the wire (the peer failed 1002). */
static void an_extension_sets_only_its_own_rsv_bits(void) {
    pair p;
    CHECK_STR(rogue_exchange(&p, 3), "message text 5 hello|");
    pair_free(&p);
}

const harness_test extension_tests[] = {
    {"extensions/deflate_settings", deflate_settings},
    {"extensions/deflate_pair_compresses", deflate_pair_compresses},
    {"extensions/callback_extension_round_trip", callback_extension_round_trip},
    {"extensions/arguments", extension_arguments},
    {"extensions/max_length_holds_after_a_callback_extension",
     max_length_holds_after_a_callback_extension},
    {"extensions/text_stays_utf8_after_a_callback_extension",
     text_stays_utf8_after_a_callback_extension},
    {"extensions/an_extension_sets_only_its_own_rsv_bits", an_extension_sets_only_its_own_rsv_bits},
    {NULL, NULL},
};
