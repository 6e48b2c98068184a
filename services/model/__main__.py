"""``python -m services.model``: serve the model service on ``HOST``:``PORT`` (default 8000)."""

from libs.serving import serve
from services.model.app import create_app, preflight
from services.model.settings import ModelSettings

if __name__ == "__main__":
    serve("model", ModelSettings, create_app, preflight)
