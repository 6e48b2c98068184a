"""One keep-alive HTTP/1.1 connection, with just what talking JSON to the services needs.

The pipeline makes three requests per observation, one after the other, so the client's own
cost per request adds straight to every observation. ``http.client`` spends about 100 us of
Python per round trip here (it parses the response headers with the ``email`` package and
allocates a file object per response), more than the services take to answer; this connection
writes a request in one ``sendall`` and reads the response from a buffer, about 10 us.

It speaks the part of HTTP/1.1 a JSON API uses: responses framed by ``Content-Length`` (what the
services send), chunked or delimited by the server closing the connection; ``Connection:
close`` honoured. Anything it cannot read raises :class:`BadResponse`, a ``ConnectionError``, and
the connection is not used again.
"""

import socket

MAX_HEAD = 64 * 1024
NO_BODY = (204, 304)


class BadResponse(ConnectionError):
    """The server's answer is not HTTP/1.x this connection can read, or it closed mid-answer."""


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
        self._buffer = b""

    def request(self, method: str, path: str, payload: bytes | None) -> tuple[int, bytes]:
        """Send one request, return the status and the body of its response."""
        head = b"%s %s HTTP/1.1\r\nHost: %s\r\n" % (method.encode(), path.encode(), self.host)
        if payload is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(payload)
        self.sock.sendall(head + b"\r\n" + (payload or b""))
        return self._response(method)

    def close(self) -> None:
        self.closed = True
        self.sock.close()

    def _response(self, method: str) -> tuple[int, bytes]:
        lines = self._until(b"\r\n\r\n").split(b"\r\n")
        try:
            version, code = lines[0].split(b" ", 2)[:2]
            status = int(code)
        except ValueError:
            raise BadResponse(f"not an HTTP status line: {lines[0][:80]!r}") from None
        if not version.startswith(b"HTTP/1.") or status < 200:
            raise BadResponse(f"unexpected status line: {lines[0][:80]!r}")
        length, chunked, close = None, False, version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if status in NO_BODY or method == "HEAD":
            body = b""
        elif chunked:
            body = self._chunked()
        elif length is not None:
            body = self._exactly(length)
        else:
            body, close = self._to_eof(), True
        if close:
            self.close()
        return status, body

    def _fill(self) -> None:
        data = self.sock.recv(262144)
        if not data:
            raise BadResponse("the server closed the connection before answering in full")
        self._buffer += data

    def _until(self, separator: bytes) -> bytes:
        while (end := self._buffer.find(separator)) < 0:
            if len(self._buffer) > MAX_HEAD:
                raise BadResponse("response head too long")
            self._fill()
        found, self._buffer = self._buffer[:end], self._buffer[end + len(separator) :]
        return found

    def _exactly(self, n: int) -> bytes:
        if len(self._buffer) < n:
            parts, have = [self._buffer], len(self._buffer)
            while have < n:
                data = self.sock.recv(max(n - have, 65536))
                if not data:
                    raise BadResponse("the server closed the connection mid-body")
                parts.append(data)
                have += len(data)
            self._buffer = b"".join(parts)
        found, self._buffer = self._buffer[:n], self._buffer[n:]
        return found

    def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._until(b"\r\n").split(b";", 1)[0], 16)
            if size == 0:
                while self._until(b"\r\n"):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(size))
            self._until(b"\r\n")

    def _to_eof(self) -> bytes:
        parts = [self._buffer]
        while data := self.sock.recv(65536):
            parts.append(data)
        self._buffer = b""
        return b"".join(parts)
