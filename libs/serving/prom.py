"""Prometheus exposition for an app's own registry."""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics import MetricWrapperBase
from starlette.requests import Request
from starlette.responses import Response


async def metrics_route(request: Request) -> Response:
    """``GET /metrics``: the registry at ``request.app.state.registry`` in text format.

    ``async`` on purpose: collectors read the service's state, which only the event-loop thread
    may touch (a sync route would run in a worker thread, racing the requests that change it).
    """
    registry: CollectorRegistry = request.app.state.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class Children(dict):
    """A metric's children by label value, each looked up once: ``labels()`` costs a few
    microseconds per call (it validates and joins the values), a dict lookup nothing.

    Examples
    --------
    >>> from prometheus_client import Counter
    >>> served = Children(Counter("served", "Served.", ["stream"], registry=CollectorRegistry()))
    >>> served["default"].inc(); served["default"].inc(2)
    >>> served["default"]._value.get(), len(served)
    (3.0, 1)
    """

    def __init__(self, metric: MetricWrapperBase):
        super().__init__()
        self.metric = metric

    def __missing__(self, value):
        child = self[value] = self.metric.labels(value)
        return child
