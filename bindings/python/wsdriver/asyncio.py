"""WebSocket servers and clients on asyncio, over the sans-I/O driver.

    import wsdriver.asyncio as wsa

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    server = await wsa.serve(echo, "127.0.0.1", 8765, deflate=True)

    async with wsa.connect("ws://127.0.0.1:8765/") as ws:
        await ws.send("hello")
        print(await ws.recv())

Input is parsed one message ahead: while a message waits for ``recv()``,
further input stays unparsed in the driver, so a reply to a message goes
out before anything the peer sent after it causes (as in a synchronous
server). Flow control both ways: a connection stops reading from its
socket while a message waits and the unparsed input
(``Driver.buffered_amount``, the C ``ws_buffered_amount``) is above
``write_limit`` or ``max_queue`` messages wait, and while its own output
waits for the peer (the transport's write buffer above ``write_limit``);
``send()`` waits until the output has drained below the limit. A message
being received is bounded by ``max_length`` (the driver's limit).
"""

import asyncio
import collections
import logging
import urllib.parse
from typing import Any, Awaitable, Callable, Deque, List, Optional, Tuple, Union

from .driver import Driver
from .events import Event, Request, State

__all__ = ["Connection", "ConnectionClosed", "serve", "connect"]

log = logging.getLogger("wsdriver.asyncio")

Message = Union[str, bytes]
#: Closing handshake and TCP close, at most this long (seconds).
CLOSE_TIMEOUT = 10.0


class ConnectionClosed(Exception):
    """The connection is closed; ``code`` and ``reason`` are the close's."""

    def __init__(self, code: Optional[int], reason: str) -> None:
        super().__init__("connection closed (%s%s)" % (code, ": " + reason if reason else ""))
        self.code = code
        self.reason = reason


class Connection(asyncio.Protocol):
    """One WebSocket connection on an asyncio transport (also its Protocol).

    ``recv()`` and ``async for`` return messages (``str`` or ``bytes``);
    ``send()``, ``ping()``, ``close()``; ``driver`` is the underlying
    :class:`wsdriver.Driver`, ``request`` the server's view of the opening
    request, ``protocol`` the agreed subprotocol.
    """

    def __init__(
        self,
        make_driver: Callable[[], Driver],
        on_open: Callable[["Connection"], None],
        max_queue: int = 16,
        write_limit: int = 1 << 16,
        client: bool = False,
        process_request: Optional["ProcessRequest"] = None,
        select_subprotocol: Optional["SelectSubprotocol"] = None,
    ) -> None:
        self._make_driver = make_driver
        self._client = client
        self._process_request = process_request
        self._select_subprotocol = select_subprotocol
        self._on_open = on_open
        self.max_queue = max_queue
        self.write_limit = write_limit
        self.driver: Optional[Driver] = None
        self.transport: Optional[asyncio.Transport] = None
        self.request: Optional[Request] = None
        self.close_code: Optional[int] = None
        self.close_reason = ""
        self._messages: Deque[Message] = collections.deque()
        self._loop = asyncio.get_running_loop()
        self._reader: Optional[asyncio.Future] = None
        self._writable: Optional[asyncio.Future] = None
        self._closed = self._loop.create_future()
        self._write_paused = False
        self._read_paused = False

    # -- asyncio.Protocol ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.set_write_buffer_limits(high=self.write_limit)  # type: ignore[attr-defined]
        d = self.driver = self._make_driver()
        d.on("write", transport.write)  # type: ignore[attr-defined]
        d.on("connect", self._on_connect)
        d.on("open", self._opened)
        d.on("message", self._on_message)
        d.on("close", self._on_close)
        if self._client:
            d.start()  # sends the opening request

    def data_received(self, data: bytes) -> None:
        d = self.driver
        if d is None or d.closed_handle:
            return
        d.feed(data)
        self._pump()

    def _pump(self) -> None:
        """Takes events until a message waits for ``recv()``: the rest of
        the input stays unparsed in the driver, so the application's answer
        to that message goes out before whatever the input holds next (a
        protocol error's close frame, say), as in a synchronous server."""
        d = self.driver
        while not self._messages and d is not None and not d.closed_handle:
            if d.next_event() is None:
                break
        self._check_flow()

    def eof_received(self) -> Optional[bool]:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Optional[Exception]) -> None:
        d = self.driver
        if d is not None and not d.closed_handle:
            d.transport_closed()  # close (1006) unless the handshake finished
            d.close_handle()
        self._finish(self.close_code or 1006, self.close_reason)
        self._wake_writer()

    def pause_writing(self) -> None:
        self._write_paused = True
        self._check_flow()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writer()
        self._check_flow()

    # -- driver events ---------------------------------------------------

    def _on_connect(self, ev: Event) -> None:
        # Server: the request head is in; accept, reject, or pick a protocol.
        d: Driver = self.driver  # type: ignore[assignment]
        self.request = request = d.request
        try:
            if self._process_request is not None:
                response = self._process_request(request)  # type: ignore[arg-type]
                if response is not None:
                    status, headers, body = response
                    d.reject(status, headers, body)
                    return
            if self._select_subprotocol is not None and d.offered_protocols:
                d.select_protocol(
                    self._select_subprotocol(request, d.offered_protocols)  # type: ignore[arg-type]
                )
        except Exception:
            log.exception("wsdriver.asyncio: process_request/select_subprotocol failed")
            d.reject(500, {"Content-Type": "text/plain"}, "Internal Server Error\n")
            return
        d.start()

    def _opened(self, ev: Event) -> None:
        self._on_open(self)

    def _on_message(self, ev: Event) -> None:
        self._messages.append(ev.data)  # type: ignore[arg-type]
        r = self._reader
        if r is not None and not r.done():
            r.set_result(None)

    def _on_close(self, ev: Event) -> None:
        self._finish(ev.code, ev.reason or "")
        if self.transport is not None:
            self.transport.close()  # after what is buffered is written

    def _finish(self, code: Optional[int], reason: str) -> None:
        if self._closed.done():
            return
        self.close_code = code
        self.close_reason = reason
        self._closed.set_result(None)
        r = self._reader
        if r is not None and not r.done():
            r.set_result(None)

    # -- flow control ----------------------------------------------------

    def _output_blocked(self) -> bool:
        # Every write goes straight from the driver to the transport, so the
        # transport's buffer is the output that waits.
        return self._write_paused

    def _input_blocked(self) -> bool:
        # While a message waits, input stays unparsed in the driver:
        # ws_buffered_amount counts it (and a partial message, which can
        # only be there when nothing waits).
        if not self._messages:
            return False
        d = self.driver
        unparsed = d.buffered_amount if d is not None and not d.closed_handle else 0
        return len(self._messages) >= self.max_queue or unparsed > self.write_limit

    def _check_flow(self) -> None:
        t = self.transport
        if t is None or t.is_closing():
            return
        stop = self._input_blocked() or self._output_blocked()
        if stop and not self._read_paused:
            self._read_paused = True
            t.pause_reading()
        elif not stop and self._read_paused:
            self._read_paused = False
            t.resume_reading()

    def _wake_writer(self) -> None:
        w = self._writable
        if w is not None and not w.done():
            w.set_result(None)

    # -- the application's side ------------------------------------------

    @property
    def protocol(self) -> Optional[str]:
        d = self.driver
        return d.protocol if d is not None else None

    @property
    def open(self) -> bool:
        d = self.driver
        return d is not None and d.state is State.OPEN

    @property
    def closed(self) -> bool:
        return self._closed.done()

    async def recv(self) -> Message:
        """The next message; raises :class:`ConnectionClosed` once closed
        and every received message was taken."""
        while not self._messages:
            if self._closed.done():
                raise ConnectionClosed(self.close_code, self.close_reason)
            self._reader = self._loop.create_future()
            try:
                await self._reader
            finally:
                self._reader = None
        message = self._messages.popleft()
        if not self._messages:
            # Parse on once the caller has reacted to this message.
            self._loop.call_soon(self._pump)
        return message

    def __aiter__(self) -> "Connection":
        return self

    async def __anext__(self) -> Message:
        try:
            return await self.recv()
        except ConnectionClosed:
            raise StopAsyncIteration from None

    async def send(self, message: Message) -> None:
        """Sends a text (``str``) or binary (bytes-like) message, then waits
        while the output is above ``write_limit``."""
        d = self._live_driver()
        d.send(message)
        while self._output_blocked() and not self._closed.done():
            self._writable = self._loop.create_future()
            try:
                await self._writable
            finally:
                self._writable = None

    async def ping(self, payload: Union[str, bytes] = b"") -> Awaitable[None]:
        """Sends a ping; returns a future that resolves when its pong comes."""
        pong = self._loop.create_future()
        def answered() -> None:
            if not pong.done():
                pong.set_result(None)

        self._live_driver().ping(payload, callback=answered)
        return pong

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Closing handshake; waits for it (and the TCP close) up to
        CLOSE_TIMEOUT seconds, then aborts the transport."""
        d = self.driver
        if d is not None and not d.closed_handle and not self._closed.done():
            d.close(code, reason)
        try:
            await asyncio.wait_for(asyncio.shield(self._closed), CLOSE_TIMEOUT)
        except asyncio.TimeoutError:
            if self.transport is not None:
                self.transport.abort()

    async def wait_closed(self) -> None:
        await asyncio.shield(self._closed)

    async def __aenter__(self) -> "Connection":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def _live_driver(self) -> Driver:
        d = self.driver
        if d is None or d.closed_handle or self._closed.done():
            raise ConnectionClosed(self.close_code, self.close_reason)
        return d


Handler = Callable[[Connection], Awaitable[None]]
#: ``process_request(request)``: None accepts, ``(status, headers, body)`` rejects.
ProcessRequest = Callable[[Request], Optional[Tuple[int, Any, Union[str, bytes]]]]
#: ``select_subprotocol(request, offered)``: one of ``offered``, or None.
SelectSubprotocol = Callable[[Request, List[str]], Optional[str]]


async def serve(
    handler: Handler,
    host: Optional[str] = None,
    port: Optional[int] = None,
    *,
    max_queue: int = 16,
    write_limit: int = 1 << 16,
    process_request: Optional[ProcessRequest] = None,
    select_subprotocol: Optional[SelectSubprotocol] = None,
    **driver_options: Any,
) -> asyncio.AbstractServer:
    """Starts a WebSocket server; ``handler(connection)`` runs for each
    connection once it is open, and the connection is closed (1000, or
    1011 if the handler raised) when it returns. ``driver_options`` go to
    :meth:`Driver.server` (``protocols``, ``deflate``, ``max_length``...).

    ``process_request(request)`` sees each request first (a
    :class:`wsdriver.Request`): returning ``(status, headers, body)``
    answers with that response instead (401, 403, a health check...).
    ``select_subprotocol(request, offered)`` picks this request's
    subprotocol among those the client offered (None: none).
    Returns the ``asyncio.Server`` (``async with``, ``close()``...)."""
    loop = asyncio.get_running_loop()

    def on_open(conn: Connection) -> None:
        loop.create_task(_run_handler(handler, conn))

    def factory() -> Connection:
        return Connection(
            lambda: Driver.server(**driver_options),
            on_open,
            max_queue,
            write_limit,
            process_request=process_request,
            select_subprotocol=select_subprotocol,
        )

    return await loop.create_server(factory, host, port)  # type: ignore[arg-type]


async def _run_handler(handler: Handler, conn: Connection) -> None:
    code = 1000
    try:
        await handler(conn)
    except ConnectionClosed:
        pass
    except Exception:
        log.exception("wsdriver.asyncio: connection handler failed")
        code = 1011
    await conn.close(code)


class connect:
    """Opens a client connection: ``ws = await connect(url)`` or
    ``async with connect(url) as ws``. ``driver_options`` go to
    :meth:`Driver.client` (``protocols``, ``deflate``, ``headers``...).
    Raises :class:`ConnectionClosed` if the handshake fails."""

    def __init__(
        self,
        url: str,
        *,
        max_queue: int = 16,
        write_limit: int = 1 << 16,
        open_timeout: float = 10.0,
        **driver_options: Any,
    ) -> None:
        self.url = url
        self.max_queue = max_queue
        self.write_limit = write_limit
        self.open_timeout = open_timeout
        self.driver_options = driver_options
        self._conn: Optional[Connection] = None

    async def _open(self) -> Connection:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("ws", "wss"):
            raise ValueError("connect() takes a ws:// or wss:// URL")
        loop = asyncio.get_running_loop()
        opened = loop.create_future()
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        _, conn = await loop.create_connection(
            lambda: Connection(
                lambda: Driver.client(self.url, **self.driver_options),
                lambda c: None if opened.done() else opened.set_result(c),
                self.max_queue,
                self.write_limit,
                client=True,
            ),
            parts.hostname,  # type: ignore[arg-type]
            port,
            ssl=True if parts.scheme == "wss" else None,
        )
        closed = asyncio.ensure_future(conn.wait_closed())
        try:
            done, _ = await asyncio.wait(
                (opened, closed), timeout=self.open_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            closed.cancel()
        if opened not in done:
            conn.transport.abort()  # type: ignore[union-attr]
            if closed in done:
                raise ConnectionClosed(conn.close_code, conn.close_reason or "handshake failed")
            raise asyncio.TimeoutError("opening handshake timed out")
        return conn

    def __await__(self):
        return self._open().__await__()

    async def __aenter__(self) -> Connection:
        self._conn = await self._open()
        return self._conn

    async def __aexit__(self, *exc: Any) -> None:
        if self._conn is not None:
            await self._conn.close()
