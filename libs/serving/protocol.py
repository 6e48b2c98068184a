"""uvicorn's httptools protocol, answering each response in one write.

uvicorn writes a response's status line and headers, then its body, as two writes to the
socket: two segments, two system calls, and a client that wakes up twice, once to find the
headers alone. On a keep-alive connection with one request in flight, as the pipeline's hops
are, that second wake-up is a large share of a small request's cost. Here the writes made in
one pass of the event loop are joined and go out as one, at the end of that pass; a response
whose body is produced later (a stream) still goes out as it is produced.

Passed to uvicorn as its ``http`` protocol class (``uvicorn.run(app, http=OneWriteProtocol)``,
uvicorn's documented way to choose a protocol implementation).
"""

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A transport whose writes during one pass of the event loop reach the socket as one.

    Everything else is the wrapped transport's. Closing first sends what is waiting, in order.

    Examples
    --------
    >>> class Sink:
    ...     def __init__(self): self.writes = []
    ...     def write(self, data): self.writes.append(data)
    ...     def close(self): self.writes.append("closed")
    ...     def is_closing(self): return False
    >>> async def demo():
    ...     sink = Sink()
    ...     transport = CoalescingTransport(sink, asyncio.get_running_loop())
    ...     transport.write(b"HTTP/1.1 200 OK\\r\\n\\r\\n")
    ...     transport.write(b"body")
    ...     await asyncio.sleep(0)
    ...     transport.write(b"last")
    ...     transport.close()
    ...     return sink.writes
    >>> asyncio.run(demo())
    [b'HTTP/1.1 200 OK\\r\\n\\r\\nbody', b'last', 'closed']
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._waiting: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._waiting:
            self._loop.call_soon(self._flush)
        self._waiting.append(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def _flush(self) -> None:
        if self._waiting:
            data = b"".join(self._waiting)
            self._waiting.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


class OneWriteProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(CoalescingTransport(transport, self.loop))
