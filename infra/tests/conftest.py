import pytest

from infra.tests.render import OVERLAYS, render


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Every overlay rendered once: ``{"dev": [objects], "prod": [objects]}``."""
    return {o: render(o, tmp_path_factory.mktemp(f"render-{o}")) for o in OVERLAYS}
