"""Admin endpoints (``/reset``, stream and model administration): who may call them.

With ``ADMIN_TOKEN`` set, every admin call must carry it as a bearer token (compared in
constant time); 401 otherwise. Unset, admin endpoints work only for a service bound to a
loopback address, where only this machine reaches them; bound elsewhere (``0.0.0.0`` in the
manifests) they answer 403 saying why, and :func:`~libs.serving.serve` says so at start-up.
"""

import hmac
import ipaddress
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from libs.serving.responses import errors
from libs.serving.settings import ServiceSettings

bearer = HTTPBearer(auto_error=False, description="ADMIN_TOKEN, when the service has one")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps a service reachable from this machine only.

    Examples
    --------
    >>> [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "::")]
    [True, True, True, True, False, False]
    >>> is_loopback("model.internal")
    False
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def admin_disabled(settings: ServiceSettings) -> str | None:
    """Why admin endpoints are disabled under ``settings``, or ``None`` when they are usable.

    Examples
    --------
    >>> admin_disabled(ServiceSettings(host="0.0.0.0"))
    'admin endpoints disabled: HOST 0.0.0.0 is not loopback and ADMIN_TOKEN is unset'
    >>> admin_disabled(ServiceSettings(host="0.0.0.0", admin_token="s3cret")) is None
    True
    """
    if settings.admin_token is None and not is_loopback(settings.host):
        host = settings.host
        return f"admin endpoints disabled: HOST {host} is not loopback and ADMIN_TOKEN is unset"
    return None


async def require_admin(request: Request, credentials: Credentials) -> None:
    """The dependency of every admin route: 401 without the right token, 403 when disabled."""
    settings: ServiceSettings = request.app.state.settings
    if settings.admin_token is None:
        reason = admin_disabled(settings)
        if reason is not None:
            raise HTTPException(403, reason)
        return
    expected = settings.admin_token.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials is not None else b""
    if not hmac.compare_digest(given, expected):
        raise HTTPException(
            401,
            "admin endpoint: send the service's ADMIN_TOKEN as Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )


def admin_router() -> APIRouter:
    """A router whose every route runs :func:`require_admin` first."""
    return APIRouter(
        tags=["admin"], dependencies=[Depends(require_admin)], responses=errors(401, 403)
    )
