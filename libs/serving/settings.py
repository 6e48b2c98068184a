"""Base settings for every service."""

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.runtime import settings_error


class StartupError(RuntimeError):
    """A configured backend cannot be used; the service must not start."""


class ServiceSettings(BaseSettings):
    """``HOST``, ``PORT`` and ``ADMIN_TOKEN`` (empty: unset), read from the environment;
    subclasses add their own variables.

    Examples
    --------
    >>> class Demo(ServiceSettings):
    ...     port: int = 9999
    >>> Demo(host="0.0.0.0").host
    '0.0.0.0'
    >>> Demo().port
    9999
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: SecretStr | None = None

    @field_validator("admin_token", mode="before")
    @classmethod
    def _empty_token_is_unset(cls, value):
        return None if value == "" else value


class StateSettings(ServiceSettings):
    """A service keeping state in its own process adds ``STATE_FSYNC``, ``SNAPSHOT_EVERY`` and
    ``SNAPSHOT_SECONDS``: a journal record per change, a snapshot every so many records and at
    most so many seconds apart (so a quiet service's journal is folded in too).

    Examples
    --------
    >>> s = StateSettings()
    >>> s.state_fsync, s.snapshot_every, s.snapshot_seconds
    (False, 10000, 30.0)
    >>> StateSettings(snapshot_seconds=0)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for StateSettings
    snapshot_seconds
      Input should be greater than 0 ...
    """

    state_fsync: bool = Field(False, description="fsync every journal record")
    snapshot_every: int = Field(10_000, ge=1, description="journal records between snapshots")
    snapshot_seconds: float = Field(
        30.0, gt=0, allow_inf_nan=False, description="at most this long between snapshots"
    )


__all__ = ["ServiceSettings", "StartupError", "StateSettings", "settings_error"]
