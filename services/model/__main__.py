"""``python -m services.model``: serve the model service on ``HOST``:``PORT`` (default 8000)."""

from libs.serving import StartupError, open_state, serve
from services.model.app import create_app, open_durable, snapshot_store
from services.model.durability import DurableLearner
from services.model.settings import ModelSettings


def preflight(settings: ModelSettings) -> DurableLearner:
    """Refuse to start when a configured S3 bucket cannot be reached or the state cannot be
    restored (STATE_DIR unwritable or in use by another process, a corrupt snapshot)."""
    if settings.s3_bucket:
        store = snapshot_store(settings)
        try:
            store.check()
        except Exception as exc:
            raise StartupError(
                f"S3 bucket {settings.s3_bucket!r} at {settings.s3_endpoint_url} is unusable: {exc}"
            ) from None
    return open_state(settings.state_dir, lambda: open_durable(settings))


if __name__ == "__main__":
    serve("model", ModelSettings, create_app, preflight)
