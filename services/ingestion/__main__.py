"""``python -m services.ingestion``."""

from libs.serving import serve
from services.ingestion.app import create_app, preflight
from services.ingestion.settings import IngestionSettings

if __name__ == "__main__":
    serve("ingestion", IngestionSettings, create_app, preflight)
