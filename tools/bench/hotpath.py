"""``python -m tools.bench.hotpath``: ``/predict_learn`` against FastAPI's own ceiling.

One raw keep-alive client (a socket, pre-built requests, no HTTP library in the measurement)
alternates rounds between the model service (``linear_regression``, embedded state) and a
minimal ``async`` FastAPI POST route returning a constant under uvicorn's defaults, so that
both see the same neighbours. Prints each round's rates and the ratio's min/median/max, twice:
by wall-clock throughput (what a client sees, and what neighbours on a shared machine disturb
most) and by the server process's CPU time per request (``/proc/<pid>/stat``; what the
throughput would be with a core to itself).
"""

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from libs.testkit import ManagedProcess, ServiceProcess, free_port
from libs.testkit.process import wait_port
from libs.testkit.servers import REPO_ROOT

CEILING = "tools.bench.ceiling:create_app"


def request(port: int, path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def read_response(sock: socket.socket, pending: bytes) -> bytes:
    """Read one response (Content-Length framed); returns what followed it."""
    while b"\r\n\r\n" not in pending:
        pending += sock.recv(65536)
    head, _, rest = pending.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {head[:80]!r}")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += sock.recv(65536)
    return rest[length:]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(port: int, pid: int, payloads: list[bytes]) -> tuple[float, float]:
    """Requests per second over one keep-alive connection, one request in flight, and the
    server's requests per CPU second."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        cpu, start = cpu_seconds(pid), time.perf_counter()
        for payload in payloads:
            sock.sendall(payload)
            pending = read_response(sock, pending)
        wall, cpu = time.perf_counter() - start, cpu_seconds(pid) - cpu
        return len(payloads) / wall, len(payloads) / max(cpu, 1e-9)


def learn_payloads(port: int, n: int, offset: int) -> list[bytes]:
    out = []
    for i in range(offset, offset + n):
        features = {f"in_{k}": float((i - k) % 97) for k in range(1, 13)}
        body = json.dumps({"features": features, "target": float(i % 97)}).encode()
        out.append(request(port, "/predict_learn", body))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.hotpath", description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"MODEL_NAME": "linear_regression", "STATE_DIR": f"{tmp}/state"}
        model = ServiceProcess("model", Path(tmp), env).start(timeout=300)
        port = free_port()
        argv = [sys.executable, "-m", "uvicorn", "--factory", CEILING, "--port", str(port)]
        ceiling = ManagedProcess(argv, Path(tmp) / "ceiling.log", cwd=REPO_ROOT).start()
        try:
            wait_port(port, timeout=300, proc=ceiling.proc)
            walls, cpus = run_rounds((model.port, model.pid), (port, ceiling.pid), args)
        finally:
            ceiling.stop()
            model.stop()
    for name, ratios in (("throughput", walls), ("per CPU second", cpus)):
        print(
            f"predict_learn / ceiling, {name}: min {min(ratios):.2f}  "
            f"median {statistics.median(ratios):.2f}  max {max(ratios):.2f}  "
            f"({args.rounds} rounds of {args.requests})"
        )
    return 0


def run_rounds(model: tuple[int, int], ceiling: tuple[int, int], args):
    """Alternate the two servers; returns the ratios by throughput and by CPU time."""
    constant = [request(ceiling[0], "/", b"{}")] * args.requests
    rate(*model, learn_payloads(model[0], 200, 0))  # warm both up
    rate(*ceiling, constant[:200])
    walls, cpus = [], []
    for r in range(args.rounds):
        learn = learn_payloads(model[0], args.requests, 200 + r * args.requests)
        (served, served_cpu), (top, top_cpu) = rate(*model, learn), rate(*ceiling, constant)
        walls.append(served / top)
        cpus.append(served_cpu / top_cpu)
        print(
            f"round {r + 1}: predict_learn {served:,.0f}/s ({served_cpu:,.0f}/CPU s)  "
            f"ceiling {top:,.0f}/s ({top_cpu:,.0f}/CPU s)  ratio {walls[-1]:.2f} "
            f"({cpus[-1]:.2f} by CPU)",
            flush=True,
        )
    return walls, cpus


if __name__ == "__main__":
    sys.exit(main())
