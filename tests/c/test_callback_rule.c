/* The one callback rule, for the callbacks that run inside the library's
 * teardown or core: extension callbacks and the extension destructor.
 * The first four tests are the reproducers of issue 12 (a double free, a
 * write after free, an endless recursion and a callback after free before
 * the fix), kept as close to their original form as the harness allows;
 * they must run clean under ASan and valgrind (scripts/test-c.sh). */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static ws_driver *drv;
static ws_extension *ext;
static int destroyed;
static ws_result seen;

static const char UPGRADE_WITH_X[] =
    "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: x\r\n\r\n";
static const uint8_t MASKED_HI[] = {0x81, 0x82, 0, 0, 0, 0, 'h', 'i'};

/* 1: was a double free (SIGSEGV). */
static void destroy_frees_driver(void *u) {
    (void)u;
    destroyed++;
    ws_driver_free(drv); /* the driver's teardown is running: a no-op */
}
static void destructor_frees_its_driver_once(void) {
    ws_extension *e;
    destroyed = 0;
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_extension_new("x-ext", 0, &e), WS_RESULT_OK);
    CHECK_RES(ws_extension_set_user(e, NULL, destroy_frees_driver), WS_RESULT_OK);
    CHECK_RES(ws_add_extension(drv, e), WS_RESULT_OK);
    ws_driver_free(drv);
    CHECK_INT(destroyed, 1);
}

/* 2: was a heap-use-after-free write in the frame encoder. */
static void destroy_sends(void *u) {
    (void)u;
    destroyed++;
    seen = ws_text(drv, "bye", 3);
}
static void destructor_sending_on_its_freed_driver_is_refused(void) {
    ws_extension *e;
    destroyed = 0;
    seen = WS_RESULT_OK;
    CHECK_RES(ws_extension_new("x", 0, &e), WS_RESULT_OK);
    CHECK_RES(ws_extension_set_user(e, NULL, destroy_sends), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_add_extension(drv, e), WS_RESULT_OK);
    ws_driver_free(drv);
    CHECK_INT(destroyed, 1);
    CHECK_RES(seen, WS_RESULT_INVALID_STATE);
}

/* 3: was an endless recursion (stack overflow). */
static void destroy_frees_itself(void *u) {
    (void)u;
    destroyed++;
    ws_extension_free(ext); /* its own teardown is running: a no-op */
    seen = ws_extension_on_offer(ext, NULL);
}
static void destructor_freeing_its_own_extension_is_a_no_op(void) {
    destroyed = 0;
    seen = WS_RESULT_OK;
    CHECK_RES(ws_extension_new("x-ext", 0, &ext), WS_RESULT_OK);
    CHECK_RES(ws_extension_set_user(ext, NULL, destroy_frees_itself), WS_RESULT_OK);
    ws_extension_free(ext);
    CHECK_INT(destroyed, 1);
    CHECK_RES(seen, WS_RESULT_INVALID_STATE);
}

/* 4: on_message ran after the driver was freed from an extension callback. */
static int messages;
static ws_result framed;
static int acc(void *u, const char *o, size_t n, ws_buffer *b) {
    (void)u; (void)o; (void)n; (void)b;
    return 0;
}
static int inc(void *u, uint32_t a, uint32_t t, const uint8_t *p, size_t n, ws_buffer *o,
               uint32_t *r) {
    (void)u; (void)a; (void)t; (void)p; (void)n; (void)o; (void)r;
    seen = ws_text(drv, "x", 1); /* the driver is inside its core: refused */
    {
        uint8_t buf[16];
        size_t len = 0;
        framed = ws_frame_message(drv, WS_MESSAGE_BINARY, (const uint8_t *)"x", 1, buf, sizeof buf, &len);
    }
    ws_driver_free(drv);         /* deferred to the end of ws_parse */
    return 0;
}
static int msg(void *u, ws_driver *d, uint32_t k, const uint8_t *p, size_t n) {
    (void)u; (void)d; (void)k; (void)p; (void)n;
    messages++;
    return 0;
}
static void no_callback_after_a_free_from_an_extension_callback(void) {
    ws_extension *e;
    messages = 0;
    seen = WS_RESULT_OK;
    CHECK_RES(ws_extension_new("x", 0, &e), WS_RESULT_OK);
    ws_extension_on_respond(e, acc);
    ws_extension_on_incoming(e, inc);
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    ws_on_message(drv, msg, NULL);
    CHECK_RES(ws_add_extension(drv, e), WS_RESULT_OK);
    CHECK_RES(ws_start(drv), WS_RESULT_OK);
    CHECK_RES(ws_parse(drv, (const uint8_t *)UPGRADE_WITH_X, strlen(UPGRADE_WITH_X)), WS_RESULT_OK);
    /* The driver is freed when this call returns; valgrind and ASan see a
     * leak if it is not, a use after free if it is freed too early. */
    CHECK_RES(ws_parse(drv, MASKED_HI, sizeof MASKED_HI), WS_RESULT_OK);
    CHECK_RES(seen, WS_RESULT_INVALID_STATE);
    CHECK_RES(framed, WS_RESULT_INVALID_STATE);
    CHECK_INT(messages, 0);
}

/* The same free from an extension callback in pull mode: ws_poll hands out
 * nothing after it. */
static void no_action_after_a_free_from_an_extension_callback_in_pull_mode(void) {
    ws_extension *e;
    ws_action a;
    ws_result r;
    int polls = 0;
    CHECK_RES(ws_extension_new("x", 0, &e), WS_RESULT_OK);
    ws_extension_on_respond(e, acc);
    ws_extension_on_incoming(e, inc);
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_add_extension(drv, e), WS_RESULT_OK);
    CHECK_RES(ws_start(drv), WS_RESULT_OK);
    CHECK_RES(ws_feed(drv, (const uint8_t *)UPGRADE_WITH_X, strlen(UPGRADE_WITH_X)), WS_RESULT_OK);
    CHECK_RES(ws_feed(drv, MASKED_HI, sizeof MASKED_HI), WS_RESULT_OK);
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    /* connect, the 101, open: then the message's extension callback frees
     * the driver inside this ws_poll, which returns INVALID_STATE. */
    while ((r = ws_poll(drv, &a)) == WS_RESULT_OK) {
        CHECK(a.kind != WS_ACTION_MESSAGE);
        CHECK(++polls < 10);
    }
    CHECK_RES(r, WS_RESULT_INVALID_STATE);
}

/* Extension callbacks may call ws_extension_* on their own extension, and
 * a free of an extension a driver owns does nothing. */
static int offer_rewires(void *u, ws_buffer *out) {
    (void)u;
    seen = ws_extension_on_offer(ext, NULL);
    ws_extension_free(ext); /* owned by the driver: a no-op */
    return ws_buffer_set(out, (const uint8_t *)"a=1", 3) != WS_RESULT_OK;
}
static void destroy_counts(void *u) {
    (void)u;
    destroyed++;
}
static void extension_callbacks_may_use_their_extension(void) {
    ws_driver *other;
    destroyed = 0;
    seen = WS_RESULT_INVALID_STATE;
    CHECK_RES(ws_extension_new("x", 0, &ext), WS_RESULT_OK);
    ws_extension_set_user(ext, NULL, destroy_counts);
    ws_extension_on_offer(ext, offer_rewires);
    CHECK_RES(ws_driver_new_client(NULL, "ws://example.com/", &drv), WS_RESULT_OK);
    CHECK_RES(ws_driver_new_client(NULL, "ws://example.com/", &other), WS_RESULT_OK);
    CHECK_RES(ws_add_extension(drv, ext), WS_RESULT_OK);
    /* Owned by drv: neither a second driver nor a free may take it. */
    CHECK_RES(ws_add_extension(other, ext), WS_RESULT_INVALID_STATE);
    ws_extension_free(ext);
    CHECK_RES(ws_start(drv), WS_RESULT_OK);
    CHECK_RES(seen, WS_RESULT_OK);
    CHECK_INT(destroyed, 0);
    ws_driver_free(other);
    ws_driver_free(drv);
    CHECK_INT(destroyed, 1);
}

/* A destructor may free another driver, and a standalone extension's
 * destructor may call into a live driver. */
static void destroy_uses_live_driver(void *u) {
    (void)u;
    destroyed++;
    seen = ws_text(drv, "queued", 6);
    ws_driver_free(drv);
}
static void standalone_destructor_may_use_and_free_a_live_driver(void) {
    ws_extension *e;
    destroyed = 0;
    seen = WS_RESULT_INVALID_STATE;
    CHECK_RES(ws_driver_new_server(NULL, &drv), WS_RESULT_OK);
    CHECK_RES(ws_extension_new("x", 0, &e), WS_RESULT_OK);
    ws_extension_set_user(e, NULL, destroy_uses_live_driver);
    ws_extension_free(e);
    CHECK_INT(destroyed, 1);
    CHECK_RES(seen, WS_RESULT_OK);
}

const harness_test callback_rule_tests[] = {
    {"destructor_frees_its_driver_once", destructor_frees_its_driver_once},
    {"destructor_sending_on_its_freed_driver_is_refused",
     destructor_sending_on_its_freed_driver_is_refused},
    {"destructor_freeing_its_own_extension_is_a_no_op",
     destructor_freeing_its_own_extension_is_a_no_op},
    {"no_callback_after_a_free_from_an_extension_callback",
     no_callback_after_a_free_from_an_extension_callback},
    {"no_action_after_a_free_from_an_extension_callback_in_pull_mode",
     no_action_after_a_free_from_an_extension_callback_in_pull_mode},
    {"extension_callbacks_may_use_their_extension", extension_callbacks_may_use_their_extension},
    {"standalone_destructor_may_use_and_free_a_live_driver",
     standalone_destructor_may_use_and_free_a_live_driver},
    {NULL, NULL},
};
