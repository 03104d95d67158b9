"""The extended CONNECT mode (WebSockets over HTTP/2 and HTTP/3, RFC 8441 /
RFC 9220) from Python: header fields in and out, stream DATA framed as over
TCP (no network)."""

from wsdriver import Driver, State

REQUEST = [
    (":method", "CONNECT"),
    (":protocol", "websocket"),
    (":scheme", "https"),
    (":authority", "example.com"),
    (":path", "/chat"),
    ("sec-websocket-version", "13"),
    ("sec-websocket-extensions", "permessage-deflate"),
]


def test_client_and_server_drivers_talk_through_fields_and_data():
    client = Driver.extended_client("wss://example.com/chat", deflate=True)
    assert client.handshake_fields == []
    assert client.start()
    request = client.handshake_fields
    assert request[:2] == [(":method", "CONNECT"), (":protocol", "websocket")]
    assert ("sec-websocket-version", "13") in request

    server_out = []
    server = Driver.extended_server(request, deflate=True, write=server_out.append)
    got = []
    server.on("message", lambda e: got.append(e.data))
    assert server.start()
    answer = server.handshake_fields
    assert answer[0] == (":status", "200")
    assert ("sec-websocket-extensions", "permessage-deflate") in answer
    assert server.state == State.OPEN

    client_out = []
    client.on("write", client_out.append)
    assert client.receive_response(answer)
    assert client.state == State.OPEN
    client.text("over h2 " * 100)
    server.parse(b"".join(client_out))
    assert got == ["over h2 " * 100]
    assert len(b"".join(client_out)) < 100, "compressed"


def test_bad_requests_get_a_status_field_and_no_bytes():
    out = []
    no_protocol = [f for f in REQUEST if f[0] != ":protocol"]
    server = Driver.extended_server(no_protocol, write=out.append)
    assert not server.start()
    assert server.handshake_fields == [(":status", "400")]
    version_8 = [(n, "8" if n == "sec-websocket-version" else v) for n, v in REQUEST]
    server = Driver.extended_server(version_8, write=out.append)
    assert not server.start()
    assert server.handshake_fields == [(":status", "426"), ("sec-websocket-version", "13")]
    assert out == []


def test_client_refused_by_a_403():
    client = Driver.extended_client("wss://example.com/")
    closes = []
    client.on("close", lambda e: closes.append(e))
    client.start()
    assert not client.receive_response([(":status", "403")])
    assert client.state == State.CLOSED
    assert len(closes) == 1
