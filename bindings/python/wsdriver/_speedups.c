/*
 * wsdriver._speedups: the per-message calls of the Python binding in C.
 *
 * ctypes costs about a microsecond per call with its argument conversion,
 * more than framing a small message takes; this module makes a whole send
 * (str or bytes -> the bytes to write) and a whole batch of parsed actions
 * (-> bytes, Event and int objects) one Python call each. It is optional:
 * without it (another Python, WSDRIVER_NO_EXTENSION=1) the package does the
 * same through ctypes (wsdriver/_native.py decides).
 *
 * It does not link libwsdriver: bind() receives the addresses of the four
 * functions from the library ctypes already loaded, so both paths always
 * use the same library (the wheel's copy or WSDRIVER_LIB) and the module
 * needs nothing at load time. Signatures and constants come from
 * include/wsdriver.h. Stable ABI (Python 3.10+): one wheel for every
 * CPython from 3.10 on. The GIL is held throughout, as with ctypes.PyDLL.
 */
#define PY_SSIZE_T_CLEAN
#define Py_LIMITED_API 0x030A0000
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#include "wsdriver.h"

static __typeof__(&ws_send_into) send_into;
static __typeof__(&ws_frame_header) frame_header;
static __typeof__(&ws_poll_many) poll_many;
static __typeof__(&ws_feed) feed_fn;

/* Actions per poll() call (the ctypes path takes the same). */
#define BATCH 64
/* From this size on, a server's binary message goes out as its header and
 * the caller's payload object (two writes, no copy: driver.py's _SPLIT). */
#define SPLIT 16384
/* Frames up to this size are built in the scratch buffer; larger ones are
 * queued by the driver and come out of poll() (a client's, or on an
 * extension): the buffer does not stay that big for good. */
#define SCRATCH_MAX ((size_t)2 << 20)

static uint8_t *scratch;
static size_t scratch_cap;

/* Event and the interned type names it is made with. */
static PyObject *event_type;
static PyObject *s_connect, *s_open, *s_message, *s_ping, *s_pong, *s_close, *s_error;

static int ensure_scratch(size_t need) {
    if (need <= scratch_cap)
        return 1;
    if (need > SCRATCH_MAX + WS_FRAME_HEADER_MAX)
        return 0;
    size_t cap = scratch_cap ? scratch_cap : 4096;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(scratch, cap);
    if (p == NULL)
        return 0; /* the driver queues the message instead */
    scratch = p;
    scratch_cap = cap;
    return 1;
}

static void *handle_of(PyObject *h) {
    void *p = PyLong_AsVoidPtr(h);
    if (p == NULL && !PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "NULL driver handle");
    return p;
}

/* send(handle, message, direct) -> bytes | (header, payload) | None | int
 *
 * message: str (text) or bytes (binary). Returns the frame to write; a
 * tuple (header, the caller's payload object) for a large binary message
 * (written as two chunks, the payload uncopied); None when the driver
 * queued the message (take its output with poll()); the ws_result code
 * when it refused it. direct (a server that does not mask): frame with
 * ws_frame_header and copy the payload once, straight into the result;
 * otherwise ws_send_into frames into the scratch buffer. */
static PyObject *py_send(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "send(handle, message, direct)");
        return NULL;
    }
    void *drv = handle_of(args[0]);
    if (drv == NULL)
        return NULL;
    PyObject *msg = args[1];
    const char *data;
    Py_ssize_t n;
    uint32_t kind;
    if (PyBytes_Check(msg)) {
        char *p;
        if (PyBytes_AsStringAndSize(msg, &p, &n) < 0)
            return NULL;
        data = p;
        kind = WS_MESSAGE_BINARY;
    } else if (PyUnicode_Check(msg)) {
        /* Valid UTF-8 (lone surrogates raise, as str.encode does); ASCII
         * strings are not even copied. */
        data = PyUnicode_AsUTF8AndSize(msg, &n);
        if (data == NULL)
            return NULL;
        kind = WS_MESSAGE_TEXT;
    } else {
        PyErr_SetString(PyExc_TypeError, "send() takes str or bytes");
        return NULL;
    }
    int direct = PyObject_IsTrue(args[2]);
    if (direct < 0)
        return NULL;
    if (direct) {
        uint8_t head[WS_FRAME_HEADER_MAX];
        size_t hlen = 0;
        if (frame_header(drv, kind, (uint64_t)n, head, &hlen) == WS_RESULT_OK) {
            if (kind == WS_MESSAGE_BINARY && n >= SPLIT) {
                PyObject *h = PyBytes_FromStringAndSize((const char *)head, (Py_ssize_t)hlen);
                if (h == NULL)
                    return NULL;
                return Py_BuildValue("(NO)", h, msg);
            }
            PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)hlen + n);
            if (out == NULL)
                return NULL;
            char *o = PyBytes_AsString(out);
            memcpy(o, head, hlen);
            memcpy(o + hlen, data, (size_t)n);
            return out;
        }
        /* Not open, output waiting, hixie, an extension: as below, which
         * queues the message or says why not. */
    }
    size_t need = (size_t)n + WS_FRAME_HEADER_MAX;
    size_t cap = ensure_scratch(need) ? scratch_cap : 0;
    size_t framed = 0;
    uint32_t code = send_into(drv, kind, (const uint8_t *)data, (size_t)n, cap ? scratch : NULL,
                              cap, &framed);
    if (code != WS_RESULT_OK)
        return PyLong_FromUnsignedLong(code);
    if (framed == 0)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)scratch, (Py_ssize_t)framed);
}

/* feed(handle, bytes) -> int: ws_feed's result. */
static PyObject *py_feed(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2 || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "feed(handle, bytes)");
        return NULL;
    }
    void *drv = handle_of(args[0]);
    if (drv == NULL)
        return NULL;
    char *p;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(args[1], &p, &n) < 0)
        return NULL;
    return PyLong_FromUnsignedLong(feed_fn(drv, (const uint8_t *)p, (size_t)n));
}

static PyObject *event(PyObject *type, PyObject *data, PyObject *code, PyObject *reason) {
    return PyObject_CallFunctionObjArgs(event_type, type, data, code, reason, NULL);
}

static PyObject *bytes_of(const ws_action *a) {
    return PyBytes_FromStringAndSize((const char *)a->data, (Py_ssize_t)a->len);
}

/* One action as the Python side dispatches it: bytes (a write), an Event,
 * an int (the token of an answered ping); Py_None for an unknown kind. */
static PyObject *item_of(const ws_action *a) {
    PyObject *data, *code, *text;
    switch (a->kind) {
    case WS_ACTION_WRITE:
        return bytes_of(a);
    case WS_ACTION_MESSAGE:
        data = a->message_kind == WS_MESSAGE_TEXT
                   ? PyUnicode_DecodeUTF8((const char *)a->data, (Py_ssize_t)a->len, "strict")
                   : bytes_of(a);
        if (data == NULL)
            return NULL;
        text = event(s_message, data, Py_None, Py_None);
        Py_DECREF(data);
        return text;
    case WS_ACTION_PING:
    case WS_ACTION_PONG:
        data = bytes_of(a);
        if (data == NULL)
            return NULL;
        text = event(a->kind == WS_ACTION_PING ? s_ping : s_pong, data, Py_None, Py_None);
        Py_DECREF(data);
        return text;
    case WS_ACTION_OPEN:
        return event(s_open, Py_None, Py_None, Py_None);
    case WS_ACTION_CONNECT:
        return event(s_connect, Py_None, Py_None, Py_None);
    case WS_ACTION_CLOSE:
    case WS_ACTION_ERROR:
        text = PyUnicode_DecodeUTF8((const char *)a->data, (Py_ssize_t)a->len, "replace");
        if (text == NULL)
            return NULL;
        if (a->code) {
            code = PyLong_FromUnsignedLong(a->code);
            if (code == NULL) {
                Py_DECREF(text);
                return NULL;
            }
        } else {
            code = Py_NewRef(Py_None);
        }
        data = event(a->kind == WS_ACTION_CLOSE ? s_close : s_error, Py_None, code, text);
        Py_DECREF(code);
        Py_DECREF(text);
        return data;
    case WS_ACTION_PING_ANSWERED:
        return PyLong_FromUnsignedLongLong(a->token);
    default:
        Py_RETURN_NONE; /* from a newer library: skipped */
    }
}

/* poll(handle) -> list | None | int: the next batch of actions (see
 * item_of), None when there is nothing to do, or the ws_result code of a
 * failure. The actions are on this C stack: a nested call (from a
 * finalizer run by the allocations below) cannot overwrite them. */
static PyObject *py_poll(PyObject *self, PyObject *h) {
    (void)self;
    void *drv = handle_of(h);
    if (drv == NULL)
        return NULL;
    ws_action actions[BATCH];
    actions[0].struct_size = sizeof(ws_action);
    size_t count = 0;
    uint32_t code = poll_many(drv, actions, BATCH, &count);
    if (code == WS_RESULT_EMPTY)
        Py_RETURN_NONE;
    if (code != WS_RESULT_OK)
        return PyLong_FromUnsignedLong(code);
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        PyObject *item = item_of(&actions[i]);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        int failed = item != Py_None && PyList_Append(list, item) < 0;
        Py_DECREF(item);
        if (failed) {
            Py_DECREF(list);
            return NULL;
        }
    }
    return list;
}

/* bind(send_into, frame_header, poll_many, feed, Event): the functions'
 * addresses (from ctypes) and the class of events. */
static PyObject *py_bind(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a, *b, *c, *d, *ev;
    if (!PyArg_ParseTuple(args, "OOOOO", &a, &b, &c, &d, &ev))
        return NULL;
    void *pa = PyLong_AsVoidPtr(a), *pb = PyLong_AsVoidPtr(b);
    void *pc = PyLong_AsVoidPtr(c), *pd = PyLong_AsVoidPtr(d);
    if (PyErr_Occurred())
        return NULL;
    if (!pa || !pb || !pc || !pd) {
        PyErr_SetString(PyExc_ValueError, "bind(): NULL function address");
        return NULL;
    }
    send_into = (__typeof__(send_into))pa;
    frame_header = (__typeof__(frame_header))pb;
    poll_many = (__typeof__(poll_many))pc;
    feed_fn = (__typeof__(feed_fn))pd;
    PyObject *old = event_type;
    event_type = Py_NewRef(ev);
    Py_XDECREF(old);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", py_bind, METH_VARARGS, "bind(send_into, frame_header, poll_many, feed, Event)"},
    {"send", (PyCFunction)(void (*)(void))py_send, METH_FASTCALL,
     "send(handle, message, direct) -> bytes | (header, payload) | None | int"},
    {"feed", (PyCFunction)(void (*)(void))py_feed, METH_FASTCALL, "feed(handle, bytes) -> int"},
    {"poll", py_poll, METH_O, "poll(handle) -> list | None | int"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "wsdriver._speedups",
    "The per-message calls of wsdriver in C (optional; see _native.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    struct {
        PyObject **slot;
        const char *name;
    } names[] = {
        {&s_connect, "connect"}, {&s_open, "open"}, {&s_message, "message"}, {&s_ping, "ping"},
        {&s_pong, "pong"},       {&s_close, "close"}, {&s_error, "error"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].name)) == NULL)
            return NULL;
    }
    return PyModule_Create(&module);
}
