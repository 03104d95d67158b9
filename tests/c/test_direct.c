/* ws_frame_message / ws_frame_header: framing into the host's buffer, the
 * same bytes ws_binary hands to on_write. */
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static ws_driver *open_direct_server(void) {
    ws_driver *d = NULL;
    uint8_t out[1024];
    size_t n;
    if (ws_driver_new_server(NULL, &d) != WS_RESULT_OK) return NULL;
    ws_start(d);
    ws_parse(d, (const uint8_t *)HYBI_REQUEST, strlen(HYBI_REQUEST));
    while (ws_take_output(d, out, sizeof out, &n) == WS_RESULT_OK) {
    }
    return d;
}

static void frame_into_own_buffer(void) {
    ws_driver *a = open_direct_server(), *b = open_direct_server();
    uint8_t want[512], buf[512], header[WS_FRAME_HEADER_MAX];
    uint8_t data[300];
    size_t wn = 0, n = 0, hn = 0;
    CHECK(a != NULL && b != NULL);
    memset(data, 'z', sizeof data);
    CHECK_RES(ws_text(a, (const char *)data, sizeof data), WS_RESULT_OK);
    CHECK_RES(ws_take_output(a, want, sizeof want, &wn), WS_RESULT_OK);
    CHECK_RES(ws_frame_message(b, WS_MESSAGE_TEXT, data, sizeof data, buf, 8, &n),
              WS_RESULT_BUFFER_TOO_SMALL);
    CHECK_INT(n, wn);
    CHECK_RES(ws_frame_message(b, WS_MESSAGE_TEXT, data, sizeof data, buf, sizeof buf, &n),
              WS_RESULT_OK);
    CHECK_INT(n, wn);
    CHECK(memcmp(buf, want, n) == 0);
    /* writev-style: the header, then the payload from the host's memory. */
    CHECK_RES(ws_frame_header(b, WS_MESSAGE_TEXT, sizeof data, header, &hn), WS_RESULT_OK);
    CHECK_INT(hn + sizeof data, wn);
    CHECK(memcmp(header, want, hn) == 0);
    ws_driver_free(a);
    ws_driver_free(b);
}

const harness_test direct_tests[] = {
    {"direct/frame_into_own_buffer", frame_into_own_buffer},
    TEST_LIST_END,
};
