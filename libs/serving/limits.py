"""``MAX_SERIES``: the most series a service keeps, and the answer beyond it."""

from fastapi import FastAPI
from starlette.requests import Request

from libs.serving.responses import JSON


class SeriesLimit(ValueError):
    """A request would create a series beyond ``MAX_SERIES``; nothing was stored (422).
    ``index`` is the position of the first such item in a batch.

    Examples
    --------
    >>> print(SeriesLimit("shop-9", 2))
    series 'shop-9' would be a new series beyond MAX_SERIES=2; the service keeps at most that many
    """

    def __init__(self, series_id: str, limit: int, index: int = 0):
        self.series_id, self.limit, self.index = series_id, limit, index
        super().__init__(
            f"series {series_id!r} would be a new series beyond MAX_SERIES={limit}; "
            "the service keeps at most that many"
        )


def check_room(known: int, series: list[str], is_known, limit: int) -> None:
    """Raise :class:`SeriesLimit` if the series of a request's items (in order) that
    ``is_known`` does not know would take the ``known`` series past ``limit``.

    Examples
    --------
    >>> check_room(1, ["a", "b", "b"], {"a"}.__contains__, 2)
    >>> try:
    ...     check_room(1, ["a", "b", "c"], {"a"}.__contains__, 2)
    ... except SeriesLimit as exc:
    ...     print(exc.series_id, exc.index)
    b 1
    """
    fresh = {}
    for index, series_id in enumerate(series):
        if series_id not in fresh and not is_known(series_id):
            fresh[series_id] = index
    if fresh and known + len(fresh) > limit:
        series_id, index = next(iter(fresh.items()))
        raise SeriesLimit(series_id, limit, index)


async def _refused(request: Request, exc: SeriesLimit) -> JSON:
    """A 422 like a validation error's, naming the ``series_id`` field."""
    batch = request.url.path.endswith("_batch")
    loc = ["body", "items", exc.index, "series_id"] if batch else ["body", "series_id"]
    detail = [{"type": "max_series", "loc": loc, "msg": str(exc), "input": exc.series_id}]
    return JSON({"detail": detail}, status_code=422)


def answer_422_beyond_max_series(app: FastAPI) -> None:
    app.add_exception_handler(SeriesLimit, _refused)
