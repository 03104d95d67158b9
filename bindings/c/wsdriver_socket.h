/*
 * wsdriver_socket: a ws_driver bound to a non-blocking socket.
 *
 * The thin I/O loop every C user of wsdriver writes otherwise, and nothing
 * the core already does:
 *   - ws_socket_read():  read() until EAGAIN or a short read (the kernel's
 *                        buffer is empty; the poller reports the next
 *                        bytes), each read into ws_parse_in_place():
 *                        whole messages are unmasked where they were read
 *                        and on_message points there. Reads go to a 64 KiB
 *                        stack chunk; a message frame (up to 1 MiB) that
 *                        a read ends inside moves to a heap buffer sized
 *                        for it, the next reads complete it there, and the
 *                        buffer is freed once it is parsed (no heap is
 *                        held between messages). Larger frames, fragments,
 *                        control frames and extensions' frames are
 *                        copied into the driver as ws_parse does.
 *                        EOF or a read error -> ws_transport_closed().
 *   - the driver's on_write callback: write() straight to the fd while the
 *     kernel takes it, buffer the rest on EAGAIN;
 *   - ws_socket_flush(): write buffered bytes once the fd is writable;
 *     ws_socket_buffered() tells how many are waiting (backpressure).
 *   - ws_socket_send(): a whole message written without the driver's
 *     copy and queue (ws_frame_header, then write/writev) when it can be;
 *   - ws_socket_close(): close the fd.
 *
 * The helper installs the driver's on_write callback (ws_on_write with the
 * ws_socket as user pointer); set every other callback yourself.
 *
 * Freeing from a callback: ws_socket_free() called inside a callback that
 * ws_socket_read()/ws_socket_flush() dispatched is deferred until that call
 * returns (which then returns WS_SOCKET_FREED without touching anything).
 * With WS_SOCKET_OWN_DRIVER the socket also frees the driver; do not call
 * ws_driver_free() yourself on a driver a live ws_socket is bound to.
 *
 * Not thread-safe, like the driver. Needs POSIX (read/write/close, errno).
 */
#ifndef WSDRIVER_SOCKET_H
#define WSDRIVER_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "wsdriver.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ws_socket ws_socket;

/* Flags for ws_socket_new. */
#define WS_SOCKET_OWN_FD 1u     /* ws_socket_free closes the fd */
#define WS_SOCKET_OWN_DRIVER 2u /* ws_socket_free frees the driver */

/* What ws_socket_read / ws_socket_flush report. */
typedef enum ws_socket_status {
    WS_SOCKET_OK = 0,      /* read: all available input parsed (EAGAIN);
                              flush: nothing left buffered */
    WS_SOCKET_AGAIN = 1,   /* flush: bytes still buffered, wait for POLLOUT;
                              read: stopped early because more than the
                              high-water mark is buffered (flush first) */
    WS_SOCKET_STOPPED = 2, /* a callback returned non-zero (ws_parse said
                              WS_RESULT_CALLBACK_STOPPED); call read again
                              to resume */
    WS_SOCKET_EOF = 3,     /* the peer closed the connection, or a read or
                              write failed (see ws_socket_errno); the driver
                              got ws_transport_closed() */
    WS_SOCKET_ERROR = 4,   /* the driver returned an unexpected result
                              (see ws_socket_last_result / ws_last_error) */
    WS_SOCKET_FREED = 5    /* ws_socket_free() was called from a callback:
                              the socket (and owned driver/fd) are gone */
} ws_socket_status;

/*
 * Binds `drv` to the non-blocking fd `fd` and installs the driver's on_write
 * callback. `flags`: WS_SOCKET_OWN_FD | WS_SOCKET_OWN_DRIVER. Returns NULL
 * on allocation failure or NULL/negative arguments (nothing is owned then).
 * Caller owns the result; free with ws_socket_free.
 */
ws_socket *ws_socket_new(ws_driver *drv, int fd, unsigned flags);

/*
 * Unregisters on_write, then closes the fd / frees the driver if owned.
 * Buffered output is dropped: flush first (or ws_socket_close) if it
 * matters. NULL is a no-op. Deferred when called inside a callback of a
 * ws_socket_read/ws_socket_flush on this socket.
 */
void ws_socket_free(ws_socket *s);

/*
 * Reads until EAGAIN or a short read (nothing left in the kernel's buffer:
 * call again when the poller reports the fd readable) and parses what was
 * read (callbacks run from here;
 * on_message's data points into the socket's read buffer, valid for that
 * call). On EOF or a read error calls ws_transport_closed() and returns
 * WS_SOCKET_EOF (a frame not whole yet is dropped). Stops early with
 * WS_SOCKET_AGAIN once more than the high-water mark
 * (ws_socket_set_high_water) is buffered for writing. Also resumes a parse
 * a callback stopped before (what that callback left was handed to the
 * driver, in order). Called from inside a callback of this socket's own
 * read, returns WS_SOCKET_ERROR (ws_socket_last_result:
 * WS_RESULT_INVALID_STATE) without reading: the read buffer is in use.
 * Poll level-triggered: the read that would only say EAGAIN after a short
 * one is skipped, so with edge-triggered polling an EOF that arrived with
 * the last bytes would never be reported (no new edge comes).
 */
ws_socket_status ws_socket_read(ws_socket *s);

/*
 * Writes buffered output until done (WS_SOCKET_OK) or EAGAIN
 * (WS_SOCKET_AGAIN). A write error drops the buffer, calls
 * ws_transport_closed() and returns WS_SOCKET_EOF.
 */
ws_socket_status ws_socket_flush(ws_socket *s);

/*
 * Queues raw bytes for the fd exactly as the driver's writes are queued
 * (written now if possible, buffered otherwise): for plain HTTP responses
 * a server sends to non-WebSocket requests. Returns 0, or -1 if the
 * transport already failed or memory ran out, and for NULL arguments or a
 * `len` over PTRDIFF_MAX (then nothing is written and the transport stays
 * as it was).
 */
int ws_socket_write(ws_socket *s, const uint8_t *data, size_t len);

/*
 * Sends a whole message (`kind` WS_MESSAGE_TEXT or WS_MESSAGE_BINARY) on
 * the socket, like ws_text/ws_binary but without the driver's copy and
 * queue when the driver can give its header (ws_frame_header: a server,
 * open, no extension active, nothing waiting to be sent): up to 4 KiB the
 * payload is copied after the header on the stack and written at once;
 * above, header and `data` go out with one writev. What the kernel does
 * not take is buffered as the driver's writes are. Otherwise the message
 * goes through ws_text/ws_binary, which say why it cannot be sent.
 * Returns the driver's ws_result (WS_RESULT_OK when sent or queued); a
 * failed write is reported by the next read/flush, as for the driver's
 * writes. Text must be UTF-8 and is not checked on the direct path (the
 * header does not see the payload): pass text wsdriver delivered or that
 * you checked. May be called from the driver's callbacks.
 */
uint32_t ws_socket_send(ws_socket *s, uint32_t kind, const uint8_t *data, size_t len);

/* Bytes written by the driver but not yet accepted by the kernel. */
size_t ws_socket_buffered(const ws_socket *s);

/*
 * ws_socket_read stops reading when more than `bytes` are buffered for
 * writing (0 = never; default 4 MiB), so a peer that sends faster than it
 * reads cannot make the buffer grow without bound.
 */
void ws_socket_set_high_water(ws_socket *s, size_t bytes);

/* The fd, or -1 once closed. */
int ws_socket_fd(const ws_socket *s);

/* The driver this socket is bound to. */
ws_driver *ws_socket_driver(const ws_socket *s);

/* errno of the failed read/write that ended the transport, or 0. */
int ws_socket_errno(const ws_socket *s);

/* The last ws_result ws_parse returned that was not OK or STOPPED. */
uint32_t ws_socket_last_result(const ws_socket *s);

/*
 * Closes the fd now (best effort: writes what the kernel takes of the
 * buffer first, then drops the rest). Later writes are discarded. Use after
 * the close event once ws_socket_buffered() is 0, or to abort.
 */
void ws_socket_close(ws_socket *s);

#ifdef __cplusplus
}
#endif

#endif /* WSDRIVER_SOCKET_H */
