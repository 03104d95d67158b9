/* Compiled, not run, by `make -C tests/c header` (scripts/test-c.sh):
 * wsdriver.h under gcc -std=c89 -pedantic -Werror and clang -Weverything.
 * Uses every public struct so layout warnings would fire. */
#include <wsdriver.h>

int header_c89_uses(ws_driver *drv);
int header_c89_uses(ws_driver *drv) {
    ws_action a;
    ws_request r;
    a.struct_size = (uint32_t)sizeof a;
    r.struct_size = (uint32_t)sizeof r;
    r.method = "GET";
    return ws_poll(drv, &a) == WS_RESULT_OK && r.method != NULL;
}
