"""Pipeline configuration: where the services are and how hard to retry."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """Service URLs from ``INGESTION_URL``, ``FEATURES_URL`` and ``MODEL_URL`` or ``MODEL_URLS``.

    Examples
    --------
    >>> PipelineSettings(model_urls="http://a:8000, http://b:8000").models
    ['http://a:8000', 'http://b:8000']
    >>> PipelineSettings(model_url="http://m:8000/").models
    ['http://m:8000']
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    ingestion_url: str = "http://127.0.0.1:8002"
    features_url: str = "http://127.0.0.1:8001"
    model_url: str = "http://127.0.0.1:8000"
    model_urls: str = ""
    stream: Annotated[str, Field(max_length=128, pattern=r"^[A-Za-z0-9_.:\-]*$")] = ""
    retries: Annotated[int, Field(ge=0)] = 5
    backoff_seconds: Annotated[float, Field(ge=0)] = 0.1
    timeout_seconds: Annotated[float, Field(gt=0)] = 10.0

    @field_validator("ingestion_url", "features_url", "model_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        return _http_url(url)

    @field_validator("model_urls")
    @classmethod
    def _http_urls(cls, urls: str) -> str:
        return ",".join(_http_url(u) for u in urls.split(",") if u.strip())

    @property
    def models(self) -> list[str]:
        """The model service URLs: ``MODEL_URLS`` when set, else ``MODEL_URL``."""
        return self.model_urls.split(",") if self.model_urls else [self.model_url]


def _http_url(url: str) -> str:
    """``http://host[:port][/prefix]`` without a trailing slash, or a ValueError saying why.

    Examples
    --------
    >>> _http_url(" http://model:8000/ ")
    'http://model:8000'
    >>> _http_url("ftp://model")
    Traceback (most recent call last):
    ...
    ValueError: expected http://host:port, got 'ftp://model'
    """
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"expected http://host:port, got {url!r}")
    return url
