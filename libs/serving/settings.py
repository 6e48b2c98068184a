"""Base settings for every service."""

from pydantic import SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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


def settings_error(exc: ValidationError) -> str:
    """One line naming every invalid variable, for start-up failures.

    Examples
    --------
    >>> try:
    ...     ServiceSettings(port="eighty")
    ... except ValidationError as exc:
    ...     print(settings_error(exc))
    invalid configuration: PORT: Input should be a valid integer, unable to parse string ...
    """
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
        parts.append(f"{name}: {err['msg']}")
    return "invalid configuration: " + "; ".join(parts)
