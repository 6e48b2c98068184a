"""The entry point behind ``python -m services.<name>``."""

import logging
import sys
from collections.abc import Callable

import uvicorn
from pydantic import ValidationError

from libs.runtime import tune_gc
from libs.serving.admin import admin_disabled
from libs.serving.logs import configure_logging
from libs.serving.settings import ServiceSettings, StartupError, settings_error


def serve(
    name: str,
    settings_cls: type[ServiceSettings],
    create_app: Callable,
    preflight: Callable[[ServiceSettings], object] | None = None,
) -> None:
    """Read settings, check backends, configure JSON logs and run uvicorn.

    Invalid variables exit 2 and a failed ``preflight`` (an unreachable Redis, a STATE_DIR in
    use by another process, a corrupt snapshot) raising :class:`StartupError` exits 1, each
    with one line on stderr, before anything listens. What ``preflight`` returns, when not
    ``None``, is state it opened (so that opening fails here, not in the lifespan):
    ``create_app(settings, opened)`` adopts it.
    """
    opened = None
    try:
        settings = settings_cls()
        if preflight is not None:
            opened = preflight(settings)
    except ValidationError as exc:
        print(f"{name}: {settings_error(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    except StartupError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    configure_logging(name)
    disabled = admin_disabled(settings)
    if disabled is not None:
        logging.getLogger(name).warning(disabled)
    app = create_app(settings) if opened is None else create_app(settings, opened)
    tune_gc()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=10,
    )
