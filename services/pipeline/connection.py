"""One keep-alive HTTP/1.1 connection, parsed by httptools (llhttp, the parser uvicorn uses).

The pipeline makes three requests per observation, one after the other, so the client's own
cost per request adds straight to every observation. ``http.client`` spends about 100 us of
Python per round trip here (it parses response headers with the ``email`` package and allocates
a file object per response), more than the services take to answer. Here a request leaves in one
``sendall`` and the answer is fed to llhttp, which handles ``Content-Length``, chunked bodies and
keep-alive: about 10 us per round trip.

Anything llhttp cannot parse, or a connection closed before the answer is complete, raises
:class:`BadResponse`, a ``ConnectionError``; the connection is then not used again.
"""

import select
import socket

import httptools


class BadResponse(ConnectionError):
    """The server's answer is not HTTP/1.x, or it closed the connection mid-answer."""


class _Answer:
    """httptools callbacks collecting one response (llhttp answers keep-alive mid-parse only)."""

    __slots__ = ("body", "complete", "keep_alive", "parser", "status")

    def __init__(self):
        self.body: list[bytes] = []
        self.complete = False
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, data: bytes) -> None:
        self.body.append(data)

    def on_message_complete(self) -> None:
        self.complete = True


class Connection:
    """A TCP connection to ``host:port`` (``TCP_NODELAY``: a request leaves in one segment).

    Examples
    --------
    >>> import threading, socketserver
    >>> class Handler(socketserver.BaseRequestHandler):
    ...     def handle(self):
    ...         while self.request.recv(65536):
    ...             self.request.sendall(b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\n{}")
    >>> server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> conn = Connection("127.0.0.1", server.server_address[1], timeout=5)
    >>> conn.request("POST", "/add", b'{"value": 1.0}'), conn.request("GET", "/next", None)
    ((200, b'{}'), (200, b'{}'))
    >>> conn.close(); server.shutdown(); server.server_close()
    """

    def __init__(self, host: str, port: int, timeout: float):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}".encode("latin-1")
        self.closed = False

    def request(
        self, method: str, path: str, payload: bytes | None, headers: bytes = b""
    ) -> tuple[int, bytes]:
        """Send one request (``headers``: extra header lines, each ending in CRLF), return the
        status and the body of its response."""
        head = b"%s %s HTTP/1.1\r\nHost: %s\r\n" % (method.encode(), path.encode(), self.host)
        head += headers
        if payload is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(payload)
        self.sock.sendall(head + b"\r\n" + (payload or b""))
        answer = _Answer()
        while not answer.complete:
            data = self.sock.recv(262144)
            if not data:
                self.close()
                raise BadResponse("the server closed the connection before answering in full")
            try:
                answer.parser.feed_data(data)
            except httptools.HttpParserError as exc:
                self.close()
                raise BadResponse(f"unreadable answer: {exc}") from None
        answer.parser = None  # break the parser <-> callbacks cycle now, not at a GC pass
        if not answer.keep_alive:
            self.close()
        return answer.status, b"".join(answer.body)

    def stale(self) -> bool:
        """Whether the server closed this idle connection (its keep-alive timeout ran out while
        other services were slow): an idle connection has nothing to read unless it was closed.
        Checked before sending, so a request that cannot be retried is never sent into it."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def close(self) -> None:
        self.closed = True
        self.sock.close()
