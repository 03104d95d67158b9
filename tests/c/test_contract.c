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

const harness_test contract_tests[] = {
    {"tls_client_hello_fails_at_the_first_bytes", tls_client_hello_fails_at_the_first_bytes},
    {"plain_get_error_and_close_report_the_same_code",
     plain_get_error_and_close_report_the_same_code},
    {"custom_headers_cannot_break_the_handshake", custom_headers_cannot_break_the_handshake},
    {"a_held_request_head_counts_as_buffered", a_held_request_head_counts_as_buffered},
    {NULL, NULL},
};
