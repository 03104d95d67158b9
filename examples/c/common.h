/* Shared by the blocking-style examples (client, autobahn_client): URL
 * splitting, a TCP connect with a timeout, and a poll() loop around a
 * ws_socket. */
#ifndef WSDRIVER_EXAMPLES_COMMON_H
#define WSDRIVER_EXAMPLES_COMMON_H

#include <stddef.h>

#include "wsdriver_socket.h"

/* host (no brackets) and port of a ws://, http:// URL. 0 or -1 (message
 * on stderr). `default_port` applies when the URL has none. */
int split_url(const char *url, const char *scheme, int default_port, char *host,
              size_t host_cap, char *port, size_t port_cap);

/* A non-blocking TCP socket connected to host:port within timeout_ms, or -1
 * (message on stderr). */
int tcp_connect(const char *host, const char *port, int timeout_ms);

/* One poll() round: flush if writable, read if readable. 0, 1 when the
 * transport ended (EOF), -1 after idle_ms without I/O or on an error. */
int pump_once(ws_socket *s, int idle_ms);

/* Polls the socket and runs ws_socket_read/ws_socket_flush until *done is
 * non-zero. Returns 0 when done, 1 when the transport ended first (EOF),
 * -1 after idle_ms without any I/O or on an error (message on stderr). */
int pump(ws_socket *s, const int *done, int idle_ms);

/* Blocks (poll) until everything buffered on s is written. 0 or -1. */
int drain(ws_socket *s, int idle_ms);

#endif
