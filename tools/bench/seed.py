"""The seed's three services written the straightforward way: the bench's baseline.

Synchronous FastAPI routes with pydantic bodies, state in module-level Python objects and the
same River model as ``linear_regression`` (a lock around it, since synchronous routes run in a
thread pool). Started with uvicorn's defaults, e.g.
``python -m uvicorn tools.bench.seed:ingestion --factory`` with ``SEED_DATASET`` set to an
``input,target`` CSV.
"""

import csv
import os
import threading
from collections import defaultdict, deque

from fastapi import FastAPI, Response
from pydantic import BaseModel
from river import linear_model, preprocessing

N_LAGS = 12


def ingestion() -> FastAPI:
    """``GET /next`` over the CSV, then 204; ``POST /reset``."""
    with open(os.environ["SEED_DATASET"], newline="") as f:
        rows = list(csv.DictReader(f))
    app, state, lock = FastAPI(), {"served": 0}, threading.Lock()

    @app.get("/next")
    def next_observation():
        with lock:
            if state["served"] >= len(rows):
                return Response(status_code=204)
            row = rows[state["served"]]
            state["served"] += 1
            remaining = len(rows) - state["served"]
        return {
            "observation_id": len(rows) - remaining,
            "input": row["input"],
            "target": float(row["target"]),
            "remaining": remaining,
        }

    @app.post("/reset")
    def reset():
        with lock:
            state["served"] = 0
        return {"message": "reset", "total_observations": len(rows)}

    return app


class AddRequest(BaseModel):
    series_id: str = "default"
    value: float


def features() -> FastAPI:
    """``POST /add``: ``in_1..in_12`` of the series, then the value is stored; ``POST /reset``."""
    app, lock = FastAPI(), threading.Lock()
    windows: dict[str, deque] = defaultdict(lambda: deque(maxlen=N_LAGS))

    @app.post("/add")
    def add(body: AddRequest):
        with lock:
            window = windows[body.series_id]
            lags = {f"in_{k}": window[-k] if k <= len(window) else 0.0 for k in range(1, 13)}
            available = len(window)
            window.append(body.value)
        return {
            "series_id": body.series_id,
            "features": lags,
            "target": body.value,
            "available_lags": available,
        }

    @app.post("/reset")
    def reset():
        with lock:
            windows.clear()
        return {"message": "reset"}

    return app


class LearnRequest(BaseModel):
    features: dict[str, float]
    target: float


class Prediction(BaseModel):
    prediction: float


def model() -> FastAPI:
    """``POST /predict_learn``: predict, then learn; ``POST /reset`` starts a fresh model."""
    app, lock = FastAPI(), threading.Lock()

    def fresh():
        return preprocessing.StandardScaler() | linear_model.LinearRegression()

    state = {"model": fresh()}

    @app.post("/predict_learn", response_model=Prediction)
    def predict_learn(body: LearnRequest):
        with lock:
            prediction = state["model"].predict_one(body.features)
            state["model"].learn_one(body.features, body.target)
        return {"prediction": prediction}

    @app.post("/reset")
    def reset():
        with lock:
            state["model"] = fresh()
        return {"message": "reset"}

    return app
