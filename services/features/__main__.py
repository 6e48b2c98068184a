"""``python -m services.features``."""

from libs.serving import serve
from services.features.app import create_app, preflight
from services.features.settings import FeaturesSettings

if __name__ == "__main__":
    serve("features", FeaturesSettings, create_app, preflight)
