"""The pipeline's HTTP/1.1 connection reads every framing a server may use, and fails loudly."""

import socket
import threading

import pytest

from services.pipeline.client import JsonClient
from services.pipeline.connection import BadResponse, Connection


@pytest.fixture
def serve():
    """Start a one-connection server that answers each request with the next canned reply."""
    servers = []

    def start(*replies: bytes) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        servers.append(listener)

        def run():
            conn, _ = listener.accept()
            with conn:
                for reply in replies:
                    if not conn.recv(65536):
                        return
                    conn.sendall(reply)

        threading.Thread(target=run, daemon=True).start()
        return listener.getsockname()[1]

    yield start
    for listener in servers:
        listener.close()


def test_keep_alive_reads_content_length_and_no_body_answers(serve):
    port = serve(
        b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"a": 1.5}\n',
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 422 Unprocessable\r\ncontent-length: 2\r\n\r\n{}",
    )
    conn = Connection("127.0.0.1", port, timeout=5)
    assert conn.request("POST", "/add", b'{"value": 1}') == (200, b'{"a": 1.5}\n')
    assert conn.request("GET", "/next", None) == (204, b"")
    assert conn.request("GET", "/next", None) == (422, b"{}")
    assert not conn.closed


def test_chunked_answer_is_reassembled(serve):
    port = serve(
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n5\r\n": 1}\r\n0\r\n\r\n'
    )
    assert Connection("127.0.0.1", port, timeout=5).request("GET", "/", None) == (200, b'{"a": 1}')


def test_connection_close_answer_is_read_and_the_connection_dropped(serve):
    port = serve(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
    conn = Connection("127.0.0.1", port, timeout=5)
    assert conn.request("GET", "/", None) == (200, b"{}")
    assert conn.closed


@pytest.mark.parametrize(
    "reply",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", b"garbage\r\n\r\n"],
    ids=["closed-before-answering", "closed-mid-body", "not-http"],
)
def test_truncated_or_foreign_answers_raise_a_connection_error(serve, reply):
    """A ``ConnectionError`` (BadResponse, or a reset), which the client retries or reports."""
    port = serve(reply) if reply else serve()
    with pytest.raises(BadResponse if reply else ConnectionError):
        Connection("127.0.0.1", port, timeout=5).request("GET", "/", None)


def test_a_connection_the_server_closed_while_idle_is_stale_an_open_one_is_not():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        conn = Connection("127.0.0.1", listener.getsockname()[1], timeout=5)
        server_side, _ = listener.accept()
        assert not conn.stale()
        server_side.close()
        assert conn.stale()
        conn.close()


def test_a_connection_the_server_closed_while_idle_is_replaced_before_sending():
    """uvicorn closes a keep-alive connection after 5 idle seconds: the next request must go
    out on a new connection, not be lost on the closed one (nor cost a retry)."""
    listener = socket.create_server(("127.0.0.1", 0))
    closed = threading.Event()
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    def run():
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(reply)
            closed.set()  # answered, then closed as an idle timeout would

    threading.Thread(target=run, daemon=True).start()
    client = JsonClient(f"http://127.0.0.1:{listener.getsockname()[1]}", retries=0)
    try:
        first = client.get("/next", "ingestion")
        assert closed.wait(10)
        while not client._conn.stale():  # the server's FIN is on its way
            pass
        second = client.get("/next", "ingestion")
    finally:
        client.close()
        listener.close()
    assert (first, second, client.retried) == ((200, {}), (200, {}), 0)
