/* Server drivers: handshake, request queries, frames in and out, errors,
 * closing, the rack constructor. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static void handshake_and_queries(void) {
    rec r;
    ws_driver *d = NULL;
    ws_options *o = ws_options_new();
    const char *name = NULL, *value = NULL;
    const uint8_t *body = NULL;
    size_t n = 99, i, found = 0;
    memset(&r, 0, sizeof r);
    CHECK(o != NULL);
    CHECK_RES(ws_options_add_protocol(o, "superchat"), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_server(o, &d), WS_RESULT_OK);
    ws_options_free(o);
    rec_attach(&r, d);
    CHECK_INT(ws_state(d), WS_STATE_CONNECTING);
    CHECK(ws_request_method(d) == NULL);
    CHECK(ws_request_query(d) == NULL);
    CHECK_INT(ws_is_websocket(d), 0);
    /* Byte by byte: connect comes once, after the last byte of the head. */
    for (i = 0; i < strlen(HYBI_REQUEST); i++) {
        CHECK_INT(r.connects, 0);
        CHECK_RES(ws_parse(d, (const uint8_t *)HYBI_REQUEST + i, 1), WS_RESULT_OK);
    }
    CHECK_INT(r.connects, 1);
    CHECK_INT(r.out.len, 0); /* nothing written before ws_start */
    CHECK_INT(ws_is_websocket(d), 1);
    CHECK_STR(ws_request_method(d), "GET");
    CHECK_STR(ws_request_path(d), "/chat");
    CHECK_STR(ws_request_query(d), "x=1");
    CHECK_STR(ws_header(d, "host"), "server.example.com");
    CHECK_STR(ws_header(d, "SEC-WEBSOCKET-VERSION"), "13");
    CHECK(ws_header(d, "x-missing") == NULL);
    CHECK_INT(ws_header_count(d), 7);
    for (i = 0; i < ws_header_count(d); i++) {
        CHECK_RES(ws_header_at(d, i, &name, &value), WS_RESULT_OK);
        CHECK(name != NULL && value != NULL);
        if (strcmp(value, "http://example.com") == 0) found++;
    }
    CHECK_INT(found, 1);
    name = value = "unchanged";
    CHECK_RES(ws_header_at(d, 7, &name, &value), WS_RESULT_INVALID_ARGUMENT);
    CHECK_STR(name, "unchanged"); /* outputs written only on success */
    CHECK_RES(ws_request_body(d, &body, &n), WS_RESULT_OK);
    CHECK_INT(n, 0);
    CHECK_STR(ws_url(d), "ws://server.example.com/chat?x=1");

    CHECK_RES(ws_set_header(d, "X-Served-By", "wsdriver-test"), WS_RESULT_OK);
    CHECK_RES(ws_set_header(d, "X-Bad", "a\r\nb"), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_CONTAINS(r.out.data, r.out.len, "HTTP/1.1 101 Switching Protocols\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, HYBI_ACCEPT);
    CHECK_CONTAINS(r.out.data, r.out.len, "Sec-WebSocket-Protocol: superchat\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "X-Served-By: wsdriver-test\r\n");
    CHECK_STR(rec_log(&r), "connect|open|");
    CHECK_INT(ws_state(d), WS_STATE_OPEN);
    CHECK_STR(ws_driver_version(d), "hybi-13");
    CHECK_STR(ws_protocol(d), "superchat");
    CHECK_RES(ws_start(d), WS_RESULT_INVALID_STATE);
    CHECK_RES(ws_set_header(d, "X-Late", "1"), WS_RESULT_INVALID_STATE);
    CHECK_INT(ws_status(d), 0); /* client only */
    ws_driver_free(d);
    rec_free(&r);
}

/* Text, fragments with a ping in between, pong: whole and byte by byte. */
static void messages_in_split(void) {
    rec r;
    buf in;
    ws_driver *d;
    size_t i;
    const char *want = "message text 5 hello|ping 2 pi|message text 10 fragmented|pong 2 po|";
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    frame(&in, 1, 1, 1, "hello", 5);
    frame(&in, 0, 1, 1, "frag", 4);
    frame(&in, 1, 9, 1, "pi", 2);
    frame(&in, 0, 0, 1, "men", 3);
    frame(&in, 1, 0, 1, "ted", 3);
    frame(&in, 1, 10, 1, "po", 2);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), want);
    /* The auto-pong: unmasked, opcode 10, payload "pi". */
    CHECK_INT(r.out.len, 4);
    CHECK_INT(r.out.data[0], 0x8a);
    CHECK_INT(r.out.data[1], 2);
    CHECK(memcmp(r.out.data + 2, "pi", 2) == 0);
    ws_driver_free(d);

    buf_clear(&r.log);
    buf_clear(&r.out);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    for (i = 0; i < in.len; i++) CHECK_RES(ws_parse(d, in.data + i, 1), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), want);
    CHECK_INT(r.out.len, 4);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void binary_in(void) {
    rec r;
    buf in;
    ws_driver *d;
    static const uint8_t bin[] = {0, 1, 2, 0xff};
    const char *want = "message binary 4 ";
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    frame(&in, 1, 2, 1, bin, sizeof bin);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(r.messages, 1);
    CHECK_INT(r.log.len, strlen(want) + sizeof bin + 1);
    CHECK(memcmp(r.log.data, want, strlen(want)) == 0);
    CHECK(memcmp(r.log.data + strlen(want), bin, sizeof bin) == 0);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void sends_out(void) {
    rec r;
    ws_driver *d;
    static const uint8_t bin[] = {9, 8, 7};
    static const uint8_t want[] = {0x81, 2, 'h', 'i', 0x82, 3, 9, 8, 7, 0x89, 1, 'p',
                                   0x8a, 1, 'q', 0x81, 0, 0x82, 0};
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    CHECK_RES(ws_text(d, "hi", 2), WS_RESULT_OK);
    CHECK_RES(ws_binary(d, bin, sizeof bin), WS_RESULT_OK);
    CHECK_RES(ws_ping(d, (const uint8_t *)"p", 1, NULL, NULL), WS_RESULT_OK);
    CHECK_RES(ws_pong(d, (const uint8_t *)"q", 1), WS_RESULT_OK);
    CHECK_RES(ws_text(d, NULL, 0), WS_RESULT_OK);
    CHECK_RES(ws_binary(d, NULL, 0), WS_RESULT_OK);
    CHECK_INT(r.out.len, sizeof want);
    CHECK(memcmp(r.out.data, want, sizeof want) == 0);
    /* Argument checks. */
    CHECK_RES(ws_text(d, "\xc3\x28", 2), WS_RESULT_INVALID_UTF8);
    {
        uint8_t big[126];
        memset(big, 'a', sizeof big);
        CHECK_RES(ws_ping(d, big, sizeof big, NULL, NULL), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_pong(d, big, sizeof big), WS_RESULT_INVALID_ARGUMENT);
        CHECK_RES(ws_ping(d, big, 125, NULL, NULL), WS_RESULT_OK);
        CHECK_RES(ws_close(d, 1000, (const char *)big, 124), WS_RESULT_INVALID_ARGUMENT);
    }
    CHECK_RES(ws_close(d, 1000, "\xff", 1), WS_RESULT_INVALID_UTF8);
    CHECK_RES(ws_close(d, 1005, NULL, 0), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_close(d, 999, NULL, 0), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_close(d, 70000, NULL, 0), WS_RESULT_INVALID_ARGUMENT);
    CHECK_INT(ws_state(d), WS_STATE_OPEN);
    ws_driver_free(d);
    rec_free(&r);
}

static void close_from_peer(void) {
    rec r;
    buf in;
    ws_driver *d;
    static const uint8_t payload[] = {0x03, 0xe8, 'b', 'y', 'e'};
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    frame(&in, 1, 8, 1, payload, sizeof payload);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), "close 1000 bye|");
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    /* The close frame was echoed (unmasked). */
    CHECK(r.out.len >= 4);
    CHECK_INT(r.out.data[0], 0x88);
    CHECK_INT(r.out.data[2], 0x03);
    CHECK_INT(r.out.data[3], 0xe8);
    CHECK_RES(ws_text(d, "late", 4), WS_RESULT_INVALID_STATE);
    CHECK_RES(ws_close(d, 1000, NULL, 0), WS_RESULT_INVALID_STATE);
    /* Input after close is ignored; transport_closed adds no second close. */
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_RES(ws_transport_closed(d), WS_RESULT_OK);
    CHECK_INT(r.closes, 1);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void close_from_server(void) {
    rec r;
    buf in;
    ws_driver *d;
    static const uint8_t payload[] = {0x0b, 0xb8};
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    CHECK_RES(ws_close(d, 3000, "done", 4), WS_RESULT_OK);
    CHECK_INT(ws_state(d), WS_STATE_CLOSING);
    CHECK_INT(r.out.len, 8);
    CHECK_INT(r.out.data[0], 0x88);
    CHECK_INT(r.out.data[1], 6);
    CHECK(memcmp(r.out.data + 4, "done", 4) == 0);
    CHECK_INT(r.closes, 0);
    CHECK_RES(ws_text(d, "x", 1), WS_RESULT_INVALID_STATE);
    frame(&in, 1, 8, 1, payload, sizeof payload);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    CHECK_INT(r.closes, 1);
    CHECK_INT(r.close_code, 3000);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void close_code_zero_means_1000(void) {
    rec r;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    CHECK_RES(ws_close(d, 0, NULL, 3), WS_RESULT_OK); /* NULL reason: len ignored */
    CHECK_INT(r.out.len, 4);
    CHECK_INT(r.out.data[2], 0x03);
    CHECK_INT(r.out.data[3], 0xe8);
    ws_driver_free(d);
    rec_free(&r);
}

static void protocol_errors(void) {
    struct {
        const char *name;
        int mask;
        unsigned opcode;
        const char *payload;
        uint32_t code;
    } cases[] = {
        {"unmasked", 0, 1, "hi", 1003} /* faye: unacceptable */,
        {"bad utf-8", 1, 1, "\xc3\x28", 1007},
        {"reserved opcode", 1, 3, "", 1002},
        {"continuation first", 1, 0, "x", 1002},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rec r;
        buf in;
        ws_driver *d;
        memset(&r, 0, sizeof r);
        memset(&in, 0, sizeof in);
        d = open_server(&r, NULL);
        CHECK(d != NULL);
        frame(&in, 1, cases[i].opcode, cases[i].mask, cases[i].payload, strlen(cases[i].payload));
        CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
        if (r.errors != 1 || r.error_code != cases[i].code || r.closes != 1 ||
            r.close_code != cases[i].code) {
            harness_fail(__FILE__, __LINE__, "%s: log %s", cases[i].name, rec_log(&r));
            return;
        }
        CHECK_INT(ws_state(d), WS_STATE_CLOSED);
        /* close frame written before error and close were emitted */
        CHECK(r.out.len >= 4 && r.out.data[0] == 0x88);
        CHECK_INT((r.out.data[2] << 8) | r.out.data[3], cases[i].code);
        ws_driver_free(d);
        rec_free(&r);
        buf_free(&in);
    }
}

static void max_length(void) {
    rec r;
    buf in;
    ws_driver *d;
    ws_options *o = ws_options_new();
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    CHECK(o != NULL);
    CHECK_RES(ws_options_set_max_length(o, 10), WS_RESULT_OK);
    d = open_server(&r, o);
    ws_options_free(o);
    CHECK(d != NULL);
    frame(&in, 1, 1, 1, "0123456789", 10);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(r.messages, 1);
    buf_clear(&in);
    frame(&in, 1, 1, 1, "0123456789A", 11);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(r.messages, 1);
    CHECK_INT(r.error_code, 1009);
    CHECK_INT(r.close_code, 1009);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void transport_closed_1006(void) {
    rec r;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    CHECK_RES(ws_transport_closed(d), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), "close 1006 |");
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    CHECK_RES(ws_transport_closed(d), WS_RESULT_OK);
    CHECK_INT(r.closes, 1);
    ws_driver_free(d);
    rec_free(&r);
}

static void plain_http_request(void) {
    rec r;
    ws_driver *d = NULL;
    const uint8_t *body = NULL;
    size_t n = 0;
    const char *req =
        "POST /form?a=b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello";
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_RES(ws_parse(d, (const uint8_t *)req, strlen(req)), WS_RESULT_OK);
    CHECK_INT(r.connects, 1);
    CHECK_INT(ws_is_websocket(d), 0);
    CHECK_STR(ws_request_method(d), "POST");
    CHECK_STR(ws_request_path(d), "/form");
    CHECK_STR(ws_request_query(d), "a=b");
    CHECK_RES(ws_request_body(d, &body, &n), WS_RESULT_OK);
    CHECK_INT(n, 5);
    CHECK(memcmp(body, "hello", 5) == 0);
    ws_driver_free(d);
    rec_free(&r);
}

static void bad_handshake(void) {
    rec r;
    ws_driver *d = NULL;
    const char *req =
        "GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"; /* no key */
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_RES(ws_parse(d, (const uint8_t *)req, strlen(req)), WS_RESULT_OK);
    CHECK_INT(r.connects, 1);
    CHECK_RES(ws_start(d), WS_RESULT_HANDSHAKE_FAILED);
    CHECK_CONTAINS(r.out.data, r.out.len, "HTTP/1.1 400 Bad Request");
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.closes, 1);
    CHECK_INT(r.opens, 0);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    CHECK(ws_last_error(d) != NULL);
    ws_driver_free(d);
    rec_free(&r);
}

static void garbage_request(void) {
    rec r;
    ws_driver *d = NULL;
    const char *req = "\x01\x02 nonsense\r\n\r\n";
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_RES(ws_parse(d, (const uint8_t *)req, strlen(req)), WS_RESULT_OK);
    CHECK_INT(r.connects, 0);
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.closes, 1);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    ws_driver_free(d);
    rec_free(&r);
}

static void rack_server(void) {
    rec r;
    ws_driver *d = NULL;
    const char *names[] = {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
                           "Sec-WebSocket-Version"};
    const char *values[] = {"example.com", "websocket", "Upgrade", "dGhlIHNhbXBsZSBub25jZQ==",
                            "13"};
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_rack(NULL, "GET", "/rack?q=1", names, values, 5, NULL, 0, NULL, &d),
              WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_INT(ws_is_websocket(d), 1);
    CHECK_STR(ws_request_path(d), "/rack");
    CHECK_STR(ws_request_query(d), "q=1");
    CHECK_STR(ws_header(d, "upgrade"), "websocket");
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_CONTAINS(r.out.data, r.out.len, "HTTP/1.1 101 Switching Protocols\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, HYBI_ACCEPT);
    CHECK_INT(ws_state(d), WS_STATE_OPEN);
    ws_driver_free(d);
    d = NULL;
    /* Explicit URL, and argument checks. */
    CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", names, values, 5, NULL, 0,
                                 "ws://override.example/x", &d),
              WS_RESULT_OK);
    ws_driver_free(d);
    d = NULL;
    CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", NULL, values, 5, NULL, 0, NULL, &d),
              WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_driver_new_rack(NULL, "GET", "/", NULL, NULL, 0, NULL, 0, NULL, &d),
              WS_RESULT_OK);
    CHECK_INT(ws_is_websocket(d), 0);
    ws_driver_free(d);
    rec_free(&r);
}

static void buffered_amount(void) {
    rec r;
    buf in;
    ws_driver *d;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    CHECK_INT(ws_buffered_amount(d), 0);
    frame(&in, 0, 1, 1, "partial", 7);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK(ws_buffered_amount(d) >= 7); /* a partial message */
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

const harness_test server_tests[] = {
    {"server/handshake_and_queries", handshake_and_queries},
    {"server/messages_in_split", messages_in_split},
    {"server/binary_in", binary_in},
    {"server/sends_out", sends_out},
    {"server/close_from_peer", close_from_peer},
    {"server/close_from_server", close_from_server},
    {"server/close_code_zero_means_1000", close_code_zero_means_1000},
    {"server/protocol_errors", protocol_errors},
    {"server/max_length", max_length},
    {"server/transport_closed_1006", transport_closed_1006},
    {"server/plain_http_request", plain_http_request},
    {"server/bad_handshake", bad_handshake},
    {"server/garbage_request", garbage_request},
    {"server/rack_server", rack_server},
    {"server/buffered_amount", buffered_amount},
    TEST_LIST_END,
};
