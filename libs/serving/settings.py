"""Base settings for every service."""

from pydantic import SecretStr, field_validator
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


__all__ = ["ServiceSettings", "StartupError", "settings_error"]
