// wsdriver.h from C++11 (g++ -std=c++11 -Wall -Wextra -pedantic -Werror):
// a client and a server exchange a message in memory through a few calls,
// with C++ lambdas (no captures) as callbacks. Run by `make -C tests/c header`.
#include <wsdriver.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Sink {
    std::string bytes;
};

int pump(ws_driver *from, Sink &out, ws_driver *to) {
    (void)from;
    std::string chunk;
    chunk.swap(out.bytes);
    return chunk.empty() ? 0 : static_cast<int>(ws_parse(to, reinterpret_cast<const uint8_t *>(chunk.data()), chunk.size()));
}

}  // namespace

int main() {
    ws_driver *client = nullptr, *server = nullptr;
    Sink cs, ss;
    std::string got;
    if (ws_driver_new(WS_ROLE_CLIENT, nullptr, "ws://example.com/", nullptr, &client) != WS_RESULT_OK) return 1;
    if (ws_driver_new(WS_ROLE_SERVER, nullptr, nullptr, nullptr, &server) != WS_RESULT_OK) return 1;
    ws_write_cb to_sink = [](void *user, ws_driver *, const uint8_t *data, size_t len) -> int {
        static_cast<Sink *>(user)->bytes.append(reinterpret_cast<const char *>(data), len);
        return 0;
    };
    ws_on_write(client, to_sink, &cs);
    ws_on_write(server, to_sink, &ss);
    ws_on_connect(server, [](void *, ws_driver *d) -> int { return ws_start(d) != WS_RESULT_OK; }, nullptr);
    ws_on_message(client,
                  [](void *user, ws_driver *, uint32_t, const uint8_t *data, size_t len) -> int {
                      static_cast<std::string *>(user)->assign(reinterpret_cast<const char *>(data), len);
                      return 0;
                  },
                  &got);
    if (ws_start(client) != WS_RESULT_OK) return 1;
    for (int i = 0; i < 4; i++) {
        if (pump(client, cs, server) || pump(server, ss, client)) return 1;
    }
    if (ws_text(server, "c++", 3) != WS_RESULT_OK || pump(server, ss, client)) return 1;
    std::printf("C++11: %s (%s)\n", got.c_str(), ws_result_text(WS_RESULT_OK));
    ws_driver_free(client);
    ws_driver_free(server);
    return got == "c++" ? 0 : 1;
}
