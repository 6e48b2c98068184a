"""What is remembered of each ``observation_id`` applied to a series, to answer retries.

A remembered entry is one ``bytes`` object (compact, and invisible to the cyclic garbage
collector, which would otherwise walk every remembered answer on each full collection): an
8-byte fingerprint of the request's payload (target and features), then the JSON of the first
answer, or nothing when ``/train`` applied it (it made no prediction to answer again).
"""

from hashlib import blake2b

import orjson

from libs.lag_features import ObservationConflict
from services.model.series import SeriesState

FINGERPRINT_BYTES = 8
UNKNOWN = bytes(FINGERPRINT_BYTES)
"""The fingerprint of entries restored from snapshots taken before fingerprints existed: any
payload matches it."""


def fingerprint(item: dict) -> bytes:
    """8 bytes that tell a learning request's payload (target, features) from another's; the
    features' order does not matter.

    Examples
    --------
    >>> a = fingerprint({"features": {"in_1": 1.0, "in_2": 2.0}, "target": 3.0})
    >>> a == fingerprint({"features": {"in_2": 2.0, "in_1": 1.0}, "target": 3.0})
    True
    >>> a == fingerprint({"features": {"in_1": 1.0, "in_2": 2.0}, "target": 3.5})
    False
    """
    payload = orjson.dumps((item["target"], item["features"]), option=orjson.OPT_SORT_KEYS)
    return blake2b(payload, digest_size=FINGERPRINT_BYTES).digest()


def entry(fp: bytes, answer: dict | None) -> bytes:
    return fp if answer is None else fp + orjson.dumps(answer)


def first_answer(remembered: bytes) -> dict | None:
    """The first answer of a remembered entry (``None``: applied by ``/train``)."""
    body = remembered[FINGERPRINT_BYTES:]
    return orjson.loads(body) if body else None


def verify(remembered: bytes, item: dict, predict: bool, series_id: str, index: int = 0) -> None:
    """Raise :class:`ObservationConflict` unless ``item`` retries what ``remembered`` records."""
    oid = item["observation_id"]
    fp = remembered[:FINGERPRINT_BYTES]
    if fp != UNKNOWN and fp != fingerprint(item):
        reason = "was already applied with another target or features; use a new observation_id"
        raise ObservationConflict(series_id, oid, reason, index)
    if predict and len(remembered) == FINGERPRINT_BYTES:
        reason = (
            "was learned by /train, which made no prediction to answer again; "
            "retry it with /train, or use a new observation_id"
        )
        raise ObservationConflict(series_id, oid, reason, index)


def adopt_legacy_answers(series: dict[str, SeriesState]) -> None:
    """Entries of snapshots before fingerprints (``None`` or the answer's JSON) get
    :data:`UNKNOWN`."""
    for state in series.values():
        for oid, old in state.answers.items():
            state.answers[oid] = UNKNOWN + (old or b"")
