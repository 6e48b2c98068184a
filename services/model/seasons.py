"""How each series gets its season length: its first request, the service's ``SEASON``, or
detection from its values."""

MAX_DETECTED = 12
"""The longest season detection considers; it decides after twice as many values."""


class SeasonConflict(ValueError):
    """A learning request names another season than the one its series already has."""

    def __init__(self, series_id: str, season: int, given: int, index: int = 0):
        self.series_id = series_id
        self.index = index
        super().__init__(
            f"series {series_id!r} has season {season}; season {given} can only be given on a "
            "series' first request"
        )


class SeriesSeason:
    """The season length of one series and where it comes from.

    ``source`` is ``"request"`` (the series' first request named it), ``"setting"`` (the
    service's ``SEASON``), ``"detected"``, or ``"detecting"`` while fewer than
    ``2 * MAX_DETECTED`` values have been seen (models run non-seasonal meanwhile, ``value`` is
    ``None``).

    Examples
    --------
    >>> SeriesSeason(given=4, configured=12).report()
    {'season': 4, 'source': 'request'}
    >>> season = SeriesSeason(given=None, configured=None)
    >>> settled = [season.settle([1.0, 9.0, 4.0][t % 3] + t) for t in range(24)]
    >>> settled[-2] is None, len(settled[-1]), season.report()
    (True, 24, {'season': 3, 'source': 'detected'})
    """

    def __init__(self, given: int | None, configured: int | None):
        if given is not None:
            self.value, self.source = given, "request"
        elif configured is not None:
            self.value, self.source = configured, "setting"
        else:
            self.value, self.source = None, "detecting"
        self.detector = None
        if self.value is None:
            from libs.forecasting import SeasonDetector  # River (SciPy): only when detecting

            self.detector = SeasonDetector(MAX_DETECTED)

    @property
    def length(self) -> int:
        """The season models use now: 1 while detecting."""
        return self.value or 1

    def settle(self, y: float) -> list[float] | None:
        """Feed a value while detecting; on the value that decides the season, every value seen
        (for seasonal models to re-learn), else ``None``."""
        if self.detector is None:
            return None
        seen = [*self.detector.values, y]
        season = self.detector.learn_one(y)
        if season is None:
            return None
        self.value, self.source, self.detector = season, "detected", None
        return seen

    def check(self, series_id: str, given: int | None, index: int = 0) -> None:
        """Raise :class:`SeasonConflict` if ``given`` contradicts a decided season."""
        if given is not None and self.value is not None and given != self.value:
            raise SeasonConflict(series_id, self.value, given, index)

    def report(self) -> dict:
        return {"season": self.value, "source": self.source}
