"""Which model shard owns a series: the rule every client of a sharded model tier follows.

With ``MODEL_SHARD_URLS=u0,u1,...,u(N-1)``, series ``s`` belongs to the shard at position
``int(first 8 bytes of sha1(utf8(s)), big-endian) mod N``. SHA-1 gives the same answer in every
process, machine and language, which Python's ``hash()`` of a string does not (it is salted per
process), and it spreads names that differ in one character (``s1``, ``s2``, ...) evenly, which
CRC-32 modulo a small N does not (its low bits are linear in the input's bits).
"""

import hashlib


def shard_of(series_id: str, shards: int) -> int:
    """The index of the shard that owns ``series_id`` among ``shards`` shards.

    Examples
    --------
    >>> shard_of("default", 1), shard_of("default", 2), shard_of("default", 3)
    (0, 1, 2)
    >>> [shard_of(f"s{i}", 2) for i in range(8)]
    [1, 0, 1, 0, 1, 0, 1, 1]

    The first 16 hex digits of the SHA-1, as an unsigned number, modulo N:

    >>> hashlib.sha1(b"default").hexdigest()[:16], 0x7505D64A54E061B7 % 3
    ('7505d64a54e061b7', 2)
    >>> shard_of("default", 0)
    Traceback (most recent call last):
    ...
    ValueError: shards must be at least 1, got 0
    """
    if shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    digest = hashlib.sha1(series_id.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big") % shards
