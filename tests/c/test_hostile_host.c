/* A host that does what the header allows at the worst moment: frees the
 * driver from a callback that a later step of the same call runs, and
 * reads ws_last_error after every kind of refusal. Library-side memory
 * errors show under valgrind (scripts/test-c.sh) and under a library built
 * with -Zsanitizer=address; the checks below hold either way. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

static int send_into_frees;

static int free_on_second_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                  size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    send_into_frees++;
    ws_driver_free(drv);
    return 0;
}

static int stop_on_first_message(void *user, ws_driver *drv, uint32_t kind, const uint8_t *data,
                                 size_t len) {
    (void)user, (void)kind, (void)data, (void)len;
    ws_on_message(drv, free_on_second_message, NULL);
    return 1;
}

/* ws_send_into resumes the dispatch a callback stopped before it queues its
 * message; a callback freeing the driver there used to leave ws_send_into
 * calling ws_text on freed memory. */
static void send_into_survives_a_free_in_the_dispatch_it_resumes(void) {
    rec r;
    buf in;
    ws_driver *d;
    uint8_t out[64];
    size_t n = 99;
    memset(&r, 0, sizeof r);
    memset(&in, 0, sizeof in);
    d = open_server(&r, NULL);
    CHECK(d != NULL);
    ws_on_message(d, stop_on_first_message, NULL);
    frame(&in, 1, 1, 1, "one", 3);
    frame(&in, 1, 1, 1, "two", 3);
    CHECK_RES(ws_parse(d, in.data, in.len), WS_RESULT_CALLBACK_STOPPED);
    send_into_frees = 0;
    /* "two" is queued: the frame cannot go into out ahead of it. */
    CHECK_RES(ws_send_into(d, WS_MESSAGE_TEXT, (const uint8_t *)"x", 1, out, sizeof out, &n),
              WS_RESULT_OK);
    CHECK_INT(send_into_frees, 1);
    CHECK_INT(n, 0);
    /* d is gone. */
    rec_free(&r);
    buf_free(&in);
}

const harness_test hostile_host_tests[] = {
    {"send_into_survives_a_free_in_the_dispatch_it_resumes",
     send_into_survives_a_free_in_the_dispatch_it_resumes},
    {NULL, NULL},
};
