"""The job's side of an ingestion stream: takes on lease, acknowledgements, a release at start.

Ingestion leases what it hands out until it is acknowledged. The job acknowledges an
observation once every model has answered for it, and carries the acknowledgements on its next
take (``ack``), so they cost no round trip of their own; the last ones go in one ``/ack``. Each
take sends a fresh ``Idempotency-Key``, the same on every retry of that take, so a take whose
answer was lost is answered again with the same observations. At start the job releases the
leases its consumer name still holds (a run that failed or was killed): those observations come
back first, in order, before anything new.
"""

import threading
import uuid
from urllib.parse import urlencode

from services.pipeline.client import JsonClient


class Source:
    """Takes from one stream of one ingestion service as ``consumer``.

    ``learned`` may be called from another thread than ``take`` (the batch mode takes the next
    batch while the models learn the current one).
    """

    def __init__(self, client: JsonClient, stream: str, consumer: str):
        self.client = client
        self.stream = stream
        self.consumer = consumer
        self.query = {"stream": stream} if stream else {}
        self._next = "/next?" + urlencode({**self.query, "consumer": consumer})
        self._unacked: list[int] = []
        self._lock = threading.Lock()

    def release(self) -> int:
        """Hand out again, first, what an earlier run as this consumer did not acknowledge."""
        body = {"consumer": self.consumer, **self.query}
        return self.client.post("/release", body, "ingestion")[1]["released"]

    def take(self, n: int | None) -> list[dict]:
        """Lease up to ``n`` observations (``None``: one, through ``GET /next``); empty when
        there is nothing to hand out now. Carries the acknowledgements due."""
        ack = self._due()
        headers = b"Idempotency-Key: %s\r\n" % uuid.uuid4().hex.encode()
        if n is None:
            path = self._next + "".join(f"&ack={i}" for i in ack)
            status, obs = self.client.get(path, "ingestion", headers)
            return [] if status == 204 or obs is None else [obs]
        body = {"n": n, "consumer": self.consumer, "ack": ack, **self.query}
        return self.client.post("/next_batch", body, "ingestion", headers)[1]["observations"]

    def learned(self, ids: list[int]) -> None:
        """Every model answered for these: acknowledge them with the next take."""
        with self._lock:
            self._unacked.extend(ids)

    def flush(self) -> None:
        """Acknowledge now what is due."""
        ack = self._due()
        if ack:
            self.client.post("/ack", {"observation_ids": ack, **self.query}, "ingestion")

    def status(self) -> dict:
        query = f"?{urlencode(self.query)}" if self.query else ""
        return self.client.get(f"/status{query}", "ingestion")[1]

    def finished(self) -> bool:
        """After an empty take: acknowledge what is due, then whether every observation of the
        stream is acknowledged (``False``: leases are out, to be acknowledged or to expire)."""
        self.flush()
        return self.status()["exhausted"]

    def _due(self) -> list[int]:
        with self._lock:
            due, self._unacked = self._unacked, []
        return due
