/* A tiny test harness: CHECK* macros end the current test on failure; the
 * runner (test_main.c) prints "N passed, N failed" and exits non-zero on
 * any failure. */
#ifndef WSDRIVER_TEST_HARNESS_H
#define WSDRIVER_TEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct harness_test {
    const char *name;
    void (*fn)(void);
} harness_test;

/* Set by the CHECK macros; read by the runner after each test. */
extern int harness_failed;

void harness_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);        \
            return;                                                      \
        }                                                                \
    } while (0)

#define CHECK_INT(actual, expected)                                                         \
    do {                                                                                    \
        long long a_ = (long long)(actual), e_ = (long long)(expected);                     \
        if (a_ != e_) {                                                                     \
            harness_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #actual, a_, \
                         #expected, e_);                                                    \
            return;                                                                         \
        }                                                                                   \
    } while (0)

/* A ws_result check that names both codes. */
#define CHECK_RES(actual, expected)                                                            \
    do {                                                                                       \
        uint32_t a_ = (uint32_t)(actual), e_ = (uint32_t)(expected);                           \
        if (a_ != e_) {                                                                        \
            harness_fail(__FILE__, __LINE__, "%s returned %u (%s), expected %u (%s)", #actual, \
                         (unsigned)a_, ws_result_text(a_), (unsigned)e_, ws_result_text(e_));  \
            return;                                                                            \
        }                                                                                      \
    } while (0)

#define CHECK_STR(actual, expected)                                                          \
    do {                                                                                     \
        const char *a_ = (actual), *e_ = (expected);                                         \
        if (a_ == NULL || e_ == NULL ? a_ != e_ : strcmp(a_, e_) != 0) {                     \
            harness_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #actual,       \
                         a_ ? a_ : "(null)", e_ ? e_ : "(null)");                            \
            return;                                                                          \
        }                                                                                    \
    } while (0)

/* haystack (len bytes) contains the NUL-terminated needle. */
#define CHECK_CONTAINS(data, len, needle)                                                   \
    do {                                                                                    \
        if (!harness_contains((const uint8_t *)(data), (len), (needle))) {                  \
            harness_fail(__FILE__, __LINE__, "%s does not contain \"%s\"", #data, (needle)); \
            return;                                                                         \
        }                                                                                   \
    } while (0)

int harness_contains(const uint8_t *data, size_t len, const char *needle);

#define TEST_LIST_END {NULL, NULL}

#endif
