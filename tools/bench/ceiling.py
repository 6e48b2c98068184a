"""The ceiling :mod:`tools.bench.hotpath` measures against: a minimal async FastAPI POST route
returning a constant, served by ``python -m uvicorn --factory tools.bench.ceiling:create_app``
(uvicorn's defaults otherwise)."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.post("/")
    async def constant() -> dict:
        """A constant answer."""
        return {"ok": True}

    return app
