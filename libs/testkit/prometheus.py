"""A throw-away Prometheus server scraping given targets, queried over its HTTP API."""

import time
from pathlib import Path

import httpx

from libs.testkit.process import ManagedProcess, free_port, require_binary, wait_http


class PrometheusServer(ManagedProcess):
    """``prometheus`` on a free port scraping ``targets`` (``host:port``) every ``interval``.

    Its TSDB lives under ``workdir``. :meth:`query` runs an instant PromQL query through
    ``/api/v1/query``; :meth:`wait_for` polls one until it returns samples. ``config_text``, when
    given, is the whole configuration instead (``targets`` and ``interval`` are then unused).

    Examples
    --------
    In a test::

        with PrometheusServer(tmp_path, [f"127.0.0.1:{service.port}"]) as prom:
            samples = prom.wait_for('ml_model_mae{window="cumulative"}')
    """

    def __init__(
        self, workdir: Path, targets: list[str], interval: str = "1s", config_text: str = ""
    ):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "prometheus.yml"
        listed = ", ".join(f'"{t}"' for t in targets)
        config.write_text(
            config_text
            or "global:\n"
            f"  scrape_interval: {interval}\n"
            f"  evaluation_interval: {interval}\n"
            "scrape_configs:\n"
            "  - job_name: services\n"
            f"    static_configs:\n      - targets: [{listed}]\n"
        )
        argv = [
            require_binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]
        super().__init__(argv, self.workdir / f"prometheus-{self.port}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float | None = None) -> "PrometheusServer":
        super().start()
        try:
            wait_http(f"{self.url}/-/ready", timeout=timeout, proc=self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"prometheus did not start: {exc}\n{self.log()[-3000:]}") from exc
        return self

    def query(self, expr: str) -> list[dict]:
        """Instant query; the ``result`` vector (``[{"metric": {...}, "value": [t, "v"]}]``)."""
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=5.0)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def targets_health(self) -> list[str]:
        response = httpx.get(f"{self.url}/api/v1/targets", timeout=5.0).json()
        return [t["health"] for t in response["data"]["activeTargets"]]

    def wait_for(self, expr: str, timeout: float = 30.0) -> list[dict]:
        """Poll ``expr`` until it returns at least one sample."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.25)
        raise TimeoutError(
            f"{expr!r} returned nothing for {timeout}s; targets {self.targets_health()}"
        )
