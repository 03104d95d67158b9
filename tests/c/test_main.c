/* Runs every suite (or those whose test names contain argv[1]) and prints
 * "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>

#include "harness.h"
#include "util.h"

int harness_failed;

void harness_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    harness_failed = 1;
    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int harness_contains(const uint8_t *data, size_t len, const char *needle) {
    size_t n = strlen(needle), i;
    if (n == 0) return 1;
    if (data == NULL || len < n) return 0;
    for (i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

extern const harness_test basic_tests[];
extern const harness_test server_tests[];
extern const harness_test client_tests[];
extern const harness_test pair_tests[];
extern const harness_test reentrancy_tests[];
extern const harness_test pull_tests[];
extern const harness_test proxy_tests[];
extern const harness_test hixie_tests[];
extern const harness_test socket_tests[];
extern const harness_test socket_frame_tests[];
extern const harness_test extension_tests[];
extern const harness_test batch_tests[];
extern const harness_test direct_tests[];
extern const harness_test in_place_tests[];
extern const harness_test callback_rule_tests[];
extern const harness_test length_tests[];
extern const harness_test contract_tests[];
extern const harness_test hostile_host_tests[];
extern const harness_test callback_matrix_tests[];

static const harness_test *const suites[] = {
    basic_tests, server_tests, client_tests, pair_tests, reentrancy_tests,
    pull_tests,  proxy_tests,  hixie_tests,  socket_tests, extension_tests,
    batch_tests, direct_tests, in_place_tests, callback_rule_tests, length_tests, contract_tests,
    hostile_host_tests, callback_matrix_tests, socket_frame_tests,
};

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    size_t s;
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN); /* the socket tests write to closed peers */
    for (s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        const harness_test *t;
        for (t = suites[s]; t->name != NULL; t++) {
            if (filter && strstr(t->name, filter) == NULL) continue;
            harness_failed = 0;
            t->fn();
            if (harness_failed) {
                failed++;
                printf("FAIL %s\n", t->name);
            } else {
                passed++;
                if (getenv("VERBOSE")) printf("ok   %s\n", t->name);
            }
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
