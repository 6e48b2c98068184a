"""``python -m services.model``: serve the model service on ``HOST``:``PORT`` (default 8000)."""

from libs.serving import StartupError, serve
from services.model.app import create_app, snapshot_store
from services.model.settings import ModelSettings


def preflight(settings: ModelSettings) -> None:
    """Refuse to start when a configured S3 bucket cannot be reached."""
    if settings.s3_bucket:
        store = snapshot_store(settings)
        try:
            store.check()
        except Exception as exc:
            raise StartupError(
                f"S3 bucket {settings.s3_bucket!r} at {settings.s3_endpoint_url} is unusable: {exc}"
            ) from None


if __name__ == "__main__":
    serve("model", ModelSettings, create_app, preflight)
