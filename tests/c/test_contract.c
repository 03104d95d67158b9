/* Issue 12 items 5-7 through the C API: bad first bytes fail at once, the
 * error and close events agree on the code, custom headers cannot break
 * the handshake, a held request head counts as buffered. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static void tls_client_hello_fails_at_the_first_bytes(void) {
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00};
    ws_driver *drv;
    rec r;
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    rec_attach(&r, drv);
    CHECK_RES(ws_parse(drv, hello, sizeof hello), WS_RESULT_OK);
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.error_code, 1002);
    CHECK_INT(r.close_code, 1002);
    CHECK_INT(r.out.len, 0);
    CHECK_INT(ws_buffered_amount(drv), 0);
    ws_driver_free(drv);
    rec_free(&r);
}

static void plain_get_error_and_close_report_the_same_code(void) {
    static const char req[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
    ws_driver *drv;
    rec r;
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    rec_attach(&r, drv);
    CHECK_RES(ws_parse(drv, (const uint8_t *)req, strlen(req)), WS_RESULT_OK);
    CHECK_INT(ws_is_websocket(drv), 0);
    CHECK_RES(ws_start(drv), WS_RESULT_HANDSHAKE_FAILED);
    CHECK_INT(r.errors, 1);
    CHECK_INT(r.closes, 1);
    CHECK_INT(r.error_code, r.close_code);
    CHECK_INT(r.close_code, 1002);
    ws_driver_free(drv);
    rec_free(&r);
}

static void custom_headers_cannot_break_the_handshake(void) {
    ws_driver *drv;
    rec r;
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_set_header(drv, "X Space", "1"), WS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(ws_last_error(drv), "X Space") != NULL);
    CHECK_RES(ws_set_header(drv, "X-Ctl", "a\x01" "b"), WS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(ws_last_error(drv), "X-Ctl") != NULL);
    CHECK_RES(ws_set_header(drv, "upgrade", "nope"), WS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(ws_last_error(drv), "Upgrade") != NULL);
    CHECK_RES(ws_set_header(drv, "Sec-WebSocket-Protocol", "p"), WS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(ws_last_error(drv), "Sec-WebSocket-Protocol") != NULL);
    CHECK_RES(ws_set_header(drv, "X-Ok", "tab\tok"), WS_RESULT_OK);
    CHECK_RES(ws_set_header(drv, "x-ok", "again"), WS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(ws_last_error(drv), "already set") != NULL);
    rec_attach(&r, drv);
    CHECK_RES(ws_start(drv), WS_RESULT_OK);
    CHECK_RES(ws_parse(drv, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST)), WS_RESULT_OK);
    CHECK(harness_contains(r.out.data, r.out.len, "\r\nX-Ok: tab\tok\r\n"));
    CHECK(harness_contains(r.out.data, r.out.len, "\r\nUpgrade: websocket\r\n"));
    CHECK(!harness_contains(r.out.data, r.out.len, "nope"));
    ws_driver_free(drv);
    rec_free(&r);
}

static void a_held_request_head_counts_as_buffered(void) {
    ws_driver *drv;
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_parse(drv, (const uint8_t *)HYBI_REQUEST, 20), WS_RESULT_OK);
    CHECK_INT(ws_buffered_amount(drv), 20);
    ws_driver_free(drv);
}

/* Item 9: the one constructor, by role; the three conveniences are it. */
static void driver_new_takes_the_role(void) {
    static const char *const names[] = {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
                                        "Sec-WebSocket-Version"};
    static const char *const values[] = {"example.com", "websocket", "Upgrade",
                                         "dGhlIHNhbXBsZSBub25jZQ==", "13"};
    ws_request req;
    ws_driver *drv = NULL;
    rec r;
    memset(&r, 0, sizeof r);
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.method = "GET";
    req.target = "/chat";
    req.header_names = names;
    req.header_values = values;
    req.header_count = 5;

    CHECK_RES(ws_driver_new(WS_ROLE_SERVER, NULL, NULL, NULL, &drv), WS_RESULT_OK);
    CHECK_STR(ws_driver_version(drv), NULL);
    ws_driver_free(drv);
    CHECK_RES(ws_driver_new(WS_ROLE_CLIENT, NULL, "ws://example.com/", NULL, &drv), WS_RESULT_OK);
    CHECK_STR(ws_url(drv), "ws://example.com/");
    ws_driver_free(drv);
    CHECK_RES(ws_driver_new(WS_ROLE_RACK, NULL, NULL, &req, &drv), WS_RESULT_OK);
    rec_attach(&r, drv);
    CHECK_RES(ws_start(drv), WS_RESULT_OK);
    CHECK(harness_contains(r.out.data, r.out.len, "HTTP/1.1 101 "));
    CHECK_INT(r.opens, 1);
    ws_driver_free(drv);
    rec_free(&r);

    drv = NULL;
    CHECK_RES(ws_driver_new(0, NULL, NULL, NULL, &drv), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_driver_new(WS_ROLE_SERVER, NULL, "ws://x/", NULL, &drv), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_driver_new(WS_ROLE_CLIENT, NULL, NULL, NULL, &drv), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_driver_new(WS_ROLE_CLIENT, NULL, "http://x/", NULL, &drv), WS_RESULT_INVALID_URL);
    CHECK_RES(ws_driver_new(WS_ROLE_CLIENT, NULL, "ws://x/", &req, &drv), WS_RESULT_INVALID_ARGUMENT);
    CHECK_RES(ws_driver_new(WS_ROLE_RACK, NULL, NULL, NULL, &drv), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_driver_new(WS_ROLE_SERVER, NULL, NULL, NULL, NULL), WS_RESULT_NULL_PARAMETER);
    req.struct_size = 8;
    CHECK_RES(ws_driver_new(WS_ROLE_RACK, NULL, NULL, &req, &drv), WS_RESULT_INVALID_ARGUMENT);
    CHECK(drv == NULL);
}

const harness_test contract_tests[] = {
    {"driver_new_takes_the_role", driver_new_takes_the_role},
    {"tls_client_hello_fails_at_the_first_bytes", tls_client_hello_fails_at_the_first_bytes},
    {"plain_get_error_and_close_report_the_same_code",
     plain_get_error_and_close_report_the_same_code},
    {"custom_headers_cannot_break_the_handshake", custom_headers_cannot_break_the_handshake},
    {"a_held_request_head_counts_as_buffered", a_held_request_head_counts_as_buffered},
    {NULL, NULL},
};
