"""One series' state: its models, scores and remembered answers."""

from collections import OrderedDict
from collections.abc import Sequence

from libs.metrics import Scoreboard
from services.model.adapters import LAST
from services.model.champion import SERVED, ChampionSelector, Guard
from services.model.models import CATALOG, build_model
from services.model.seasons import SeriesSeason


class SeriesState:
    """The models, scores, guard, season and remembered answers of one series."""

    def __init__(
        self, names: Sequence[str], season: SeriesSeason, warmup: int, detector: str | None = None
    ):
        self.season = season
        length = season.length
        self.models = {name: build_model(name, length) for name in names}
        self.board = Scoreboard((*names, SERVED), season=length, warmup=warmup, detector=detector)
        self.guard = Guard(length)
        self.answers: OrderedDict[int, bytes] = OrderedDict()
        self.last_target: float | None = None
        self.learned = 0
        self.selector = ChampionSelector(names, warmup)
        self.best: str | None = None

    def observe(self, y: float) -> None:
        """After every model learned ``y``: the guard's range, and the season once detected
        (seasonal models are then rebuilt for it and re-learn the series' values)."""
        self.guard.learn_one(y)
        values = self.season.settle(y)
        if values is None or self.season.value == 1:
            return
        season = self.season.value
        for name in self.models:
            if CATALOG[name].seasonal:
                model = self.models[name] = build_model(name, season)
                for value in values:
                    model.learn_one({}, value)
        self.board.use_season(season, values)
        self.guard.use_season(season)

    def adopt_line_up(self, names: Sequence[str]) -> None:
        """Serve ``names``: keep the models still listed, start new ones fresh."""
        self.models = {
            name: self.models.get(name) or build_model(name, self.season.length) for name in names
        }
        for name in set(self.board.scores) - {*names, SERVED}:
            self.board.remove_model(name)
        for name in names:
            self.board.add_model(name)
        self.selector.use(names)
        self.best = self.selector.best()


def fallback(state: SeriesState, x: dict) -> float:
    """What a cold model answers: the latest lag, else the series' last value, else 0."""
    if LAST in x:
        return x[LAST]
    return 0.0 if state.last_target is None else state.last_target
