/* HTTP CONNECT proxies: request bytes, auth, response parsing, leftovers,
 * errors, the pull-style ws_proxy_poll. */
#include <stdlib.h>

#include "harness.h"
#include "util.h"

typedef struct prec {
    buf out;
    int connects, errors;
    char error[128];
} prec;

static int p_write(void *user, ws_proxy *px, const uint8_t *data, size_t len) {
    (void)px;
    buf_add(&((prec *)user)->out, data, len);
    return 0;
}

static int p_connect(void *user, ws_proxy *px) {
    (void)px;
    ((prec *)user)->connects++;
    return 0;
}

static int p_error(void *user, ws_proxy *px, const char *msg, size_t len) {
    prec *r = user;
    (void)px;
    r->errors++;
    snprintf(r->error, sizeof r->error, "%.*s", (int)len, msg);
    return 0;
}

static void connect_with_auth(void) {
    ws_driver *d = NULL;
    ws_proxy *px = NULL;
    prec r;
    size_t used = 0;
    const char *name = NULL, *value = NULL;
    static const char resp[] = "HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nLEFTOVER";
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_client(NULL, "ws://target.example:9000/chat", &d), WS_RESULT_OK);
    CHECK_RES(ws_proxy_new(d, "http://user:pass@proxy.example:3128", &px), WS_RESULT_OK);
    CHECK_RES(ws_proxy_on_write(px, p_write, &r), WS_RESULT_OK);
    CHECK_RES(ws_proxy_on_connect(px, p_connect, &r), WS_RESULT_OK);
    CHECK_RES(ws_proxy_on_error(px, p_error, &r), WS_RESULT_OK);
    CHECK_RES(ws_proxy_set_header(px, "User-Agent", "wsdriver-test"), WS_RESULT_OK);
    CHECK_RES(ws_proxy_set_header(px, "X-Bad", "a\nb"), WS_RESULT_INVALID_ARGUMENT);
    CHECK_INT(ws_proxy_status(px), 0);
    CHECK_RES(ws_proxy_start(px), WS_RESULT_OK);
    CHECK_CONTAINS(r.out.data, r.out.len, "CONNECT target.example:9000 HTTP/1.1\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "Host: target.example:9000\r\n");
    /* base64("user:pass") */
    CHECK_CONTAINS(r.out.data, r.out.len, "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n");
    CHECK_CONTAINS(r.out.data, r.out.len, "User-Agent: wsdriver-test\r\n");
    CHECK(memcmp(r.out.data + r.out.len - 4, "\r\n\r\n", 4) == 0);
    CHECK_RES(ws_proxy_start(px), WS_RESULT_INVALID_STATE);
    /* Split response; the bytes after it are not consumed. */
    CHECK_RES(ws_proxy_parse(px, (const uint8_t *)resp, 10, &used), WS_RESULT_OK);
    CHECK_INT(used, 10);
    CHECK_INT(r.connects, 0);
    CHECK_RES(ws_proxy_parse(px, (const uint8_t *)resp + 10, sizeof resp - 1 - 10, &used),
              WS_RESULT_OK);
    CHECK_INT(used, sizeof resp - 1 - 10 - 8);
    CHECK_INT(r.connects, 1);
    CHECK_INT(r.errors, 0);
    CHECK_INT(ws_proxy_status(px), 200);
    CHECK_INT(ws_proxy_header_count(px), 1);
    CHECK_STR(ws_proxy_header(px, "via"), "test");
    CHECK(ws_proxy_header(px, "missing") == NULL);
    CHECK_RES(ws_proxy_header_at(px, 0, &name, &value), WS_RESULT_OK);
    CHECK_STR(name, "Via");
    CHECK_STR(value, "test");
    CHECK_RES(ws_proxy_header_at(px, 1, &name, &value), WS_RESULT_INVALID_ARGUMENT);
    ws_proxy_free(px);
    /* The client driver is independent of the proxy. */
    CHECK_RES(ws_start(d), WS_RESULT_OK);
    ws_driver_free(d);
    buf_free(&r.out);
}

static void proxy_refuses(void) {
    ws_driver *d = NULL;
    ws_proxy *px = NULL;
    prec r;
    size_t used = 0;
    static const char resp[] = "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n";
    memset(&r, 0, sizeof r);
    CHECK_RES(ws_driver_new_client(NULL, "ws://target.example/", &d), WS_RESULT_OK);
    CHECK_RES(ws_proxy_new(d, "http://proxy.example:3128", &px), WS_RESULT_OK);
    ws_driver_free(d); /* the proxy does not borrow the driver */
    ws_proxy_on_write(px, p_write, &r);
    ws_proxy_on_connect(px, p_connect, &r);
    ws_proxy_on_error(px, p_error, &r);
    CHECK_RES(ws_proxy_start(px), WS_RESULT_OK);
    CHECK(!harness_contains(r.out.data, r.out.len, "Proxy-Authorization"));
    CHECK_RES(ws_proxy_parse(px, (const uint8_t *)resp, sizeof resp - 1, &used), WS_RESULT_OK);
    CHECK_INT(r.connects, 0);
    CHECK_INT(r.errors, 1);
    CHECK(r.error[0] != '\0');
    CHECK_INT(ws_proxy_status(px), 407);
    ws_proxy_free(px);
    buf_free(&r.out);
}

static void proxy_pull(void) {
    ws_driver *d = NULL;
    ws_proxy *px = NULL;
    ws_action a;
    size_t used = 0;
    static const char resp[] = "HTTP/1.0 200 OK\r\n\r\n";
    CHECK_RES(ws_driver_new_client(NULL, "ws://target.example/", &d), WS_RESULT_OK);
    CHECK_RES(ws_proxy_new(d, "http://proxy.example:3128", &px), WS_RESULT_OK);
    memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    CHECK_RES(ws_proxy_poll(px, &a), WS_RESULT_EMPTY);
    CHECK_RES(ws_proxy_start(px), WS_RESULT_OK);
    CHECK_RES(ws_proxy_poll(px, &a), WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_WRITE);
    CHECK(a.len > 8 && memcmp(a.data, "CONNECT ", 8) == 0);
    CHECK_RES(ws_proxy_parse(px, (const uint8_t *)resp, sizeof resp - 1, &used), WS_RESULT_OK);
    CHECK_INT(used, sizeof resp - 1);
    CHECK_RES(ws_proxy_poll(px, &a), WS_RESULT_OK);
    CHECK_INT(a.kind, WS_ACTION_CONNECT);
    CHECK_RES(ws_proxy_poll(px, &a), WS_RESULT_EMPTY);
    ws_proxy_free(px);
    ws_driver_free(d);
}

static void proxy_errors(void) {
    ws_driver *d = NULL, *srv = NULL;
    ws_proxy *px = NULL;
    size_t used;
    ws_action a;
    const char *name, *value;
    CHECK_RES(ws_driver_new_client(NULL, "ws://target.example/", &d), WS_RESULT_OK);
    CHECK_RES(ws_proxy_new(d, "ftp://nope", &px), WS_RESULT_INVALID_URL);
    CHECK(px == NULL);
    CHECK(ws_last_error(d) != NULL);
    CHECK_RES(ws_proxy_new(d, NULL, &px), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_new(d, "http://p:1", NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_driver_new_server(NULL, &srv), WS_RESULT_OK);
    CHECK(ws_proxy_new(srv, "http://p:1", &px) != WS_RESULT_OK); /* clients only */
    CHECK(px == NULL);
    ws_driver_free(srv);
    /* NULL proxy everywhere. */
    CHECK_RES(ws_proxy_set_header(NULL, "a", "b"), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_on_write(NULL, p_write, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_on_connect(NULL, p_connect, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_on_error(NULL, p_error, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_start(NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_parse(NULL, (const uint8_t *)"x", 1, &used), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_poll(NULL, &a), WS_RESULT_NULL_PARAMETER);
    CHECK_INT(ws_proxy_status(NULL), 0);
    CHECK_INT(ws_proxy_header_count(NULL), 0);
    CHECK(ws_proxy_header(NULL, "a") == NULL);
    CHECK_RES(ws_proxy_header_at(NULL, 0, &name, &value), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_new(d, "http://p:1", &px), WS_RESULT_OK);
    CHECK_RES(ws_proxy_parse(px, NULL, 1, &used), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_parse(px, (const uint8_t *)"x", 1, NULL), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_set_header(px, NULL, "b"), WS_RESULT_NULL_PARAMETER);
    CHECK_RES(ws_proxy_poll(px, NULL), WS_RESULT_NULL_PARAMETER);
    ws_proxy_free(px);
    ws_driver_free(d);
}

const harness_test proxy_tests[] = {
    {"proxy/connect_with_auth", connect_with_auth},
    {"proxy/proxy_refuses", proxy_refuses},
    {"proxy/proxy_pull", proxy_pull},
    {"proxy/proxy_errors", proxy_errors},
    TEST_LIST_END,
};
