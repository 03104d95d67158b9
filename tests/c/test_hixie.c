/* hixie-76 (and -75) servers: the key challenge with a late body, text
 * framing, what hixie cannot do. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static void hixie76_late_body(void) {
    rec r;
    ws_driver *d = NULL;
    buf in;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_RES(ws_parse(d, (const uint8_t *)HIXIE76_HEAD, strlen(HIXIE76_HEAD)), WS_RESULT_OK);
    CHECK_INT(r.connects, 1);
    CHECK_INT(ws_is_websocket(d), 1);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    /* The 8-byte key has not arrived: the response head goes out (as in
     * faye), the 16-byte answer and open wait for the key. */
    CHECK_CONTAINS(r.out.data, r.out.len, "HTTP/1.1 101 WebSocket Protocol Handshake\r\n");
    CHECK(memcmp(r.out.data + r.out.len - 4, "\r\n\r\n", 4) == 0);
    CHECK_INT(r.opens, 0);
    CHECK_INT(ws_state(d), WS_STATE_CONNECTING);
    CHECK_RES(ws_parse(d, (const uint8_t *)HIXIE76_BODY, 3), WS_RESULT_OK);
    CHECK_INT(r.opens, 0);
    CHECK_RES(ws_parse(d, (const uint8_t *)HIXIE76_BODY + 3, 5), WS_RESULT_OK);
    CHECK_CONTAINS(r.out.data, r.out.len, "Sec-WebSocket-Location: ws://example.com/demo\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Sec-WebSocket-Origin: http://example.com\r\n");
    CHECK(r.out.len > 16 && memcmp(r.out.data + r.out.len - 16, "8jKS'y:G*Co,Wxa-", 16) == 0);
    CHECK_INT(r.opens, 1);
    CHECK_STR(ws_driver_version(d), "hixie-76");
    CHECK_INT(ws_state(d), WS_STATE_OPEN);
    buf_clear(&r.out);

    /* Text frames both ways. */
    buf_add(&in, "\x00hello\xff\x00w\xc3\xb6rld\xff", 15);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_STR(rec_log(&r), "connect|open|message text 5 hello|message text 6 w\xc3\xb6rld|");
    CHECK_RES(ws_text(d, "hi", 2), WS_RESULT_OK);
    CHECK_INT(r.out.len, 4);
    CHECK(memcmp(r.out.data, "\x00hi\xff", 4) == 0);
    /* No binary, ping, or pong in hixie. */
    CHECK_RES(ws_binary(d, (const uint8_t *)"b", 1), WS_RESULT_NOT_SUPPORTED);
    CHECK_RES(ws_ping(d, (const uint8_t *)"p", 1, NULL, NULL), WS_RESULT_NOT_SUPPORTED);
    CHECK_RES(ws_pong(d, (const uint8_t *)"p", 1), WS_RESULT_NOT_SUPPORTED);
    /* Closing: 0xFF 0x00 both ways; close code 0 (none). */
    buf_clear(&r.out);
    CHECK_RES(ws_close(d, 0, NULL, 0), WS_RESULT_OK);
    CHECK_INT(r.out.len, 2);
    CHECK(memcmp(r.out.data, "\xff\x00", 2) == 0);
    CHECK_RES(ws_parse(d, (const uint8_t *)"\xff\x00", 2), WS_RESULT_OK);
    CHECK_INT(r.closes, 1);
    CHECK_INT(r.close_code, 0);
    CHECK_INT(ws_state(d), WS_STATE_CLOSED);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void hixie76_body_with_head(void) {
    rec r;
    ws_driver *d = NULL;
    buf in;
    const uint8_t *body = NULL;
    size_t n = 0;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    buf_adds(&in, HIXIE76_HEAD);
    buf_adds(&in, HIXIE76_BODY);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_OK);
    CHECK_INT(r.connects, 1);
    CHECK_RES(ws_request_body(d, &body, &n), WS_RESULT_OK);
    CHECK_INT(n, 8);
    CHECK(memcmp(body, HIXIE76_BODY, 8) == 0);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK(r.out.len > 16 && memcmp(r.out.data + r.out.len - 16, "8jKS'y:G*Co,Wxa-", 16) == 0);
    CHECK_INT(r.opens, 1);
    /* hixie has no close codes: transport EOF closes with code 0. */
    CHECK_RES(ws_transport_closed(d), WS_RESULT_OK);
    CHECK_INT(r.close_code, 0);
    ws_driver_free(d);
    rec_free(&r);
    buf_free(&in);
}

static void hixie75(void) {
    rec r;
    ws_driver *d = NULL;
    const char *req = "GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
                      "Host: example.com\r\nOrigin: http://example.com\r\n\r\n";
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &d), WS_RESULT_OK);
    rec_attach(&r, d);
    CHECK_RES(ws_parse(d, (const uint8_t *)req, strlen(req)), WS_RESULT_OK);
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    CHECK_CONTAINS(r.out.data, r.out.len, "HTTP/1.1 101 Web Socket Protocol Handshake\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "WebSocket-Location: ws://example.com/demo\r\n");
    CHECK_STR(ws_driver_version(d), "hixie-75");
    CHECK_INT(r.opens, 1);
    ws_driver_free(d);
    rec_free(&r);
}

const harness_test hixie_tests[] = {
    {"hixie/hixie76_late_body", hixie76_late_body},
    {"hixie/hixie76_body_with_head", hixie76_body_with_head},
    {"hixie/hixie75", hixie75},
    TEST_LIST_END,
};
