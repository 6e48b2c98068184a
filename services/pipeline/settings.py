"""Pipeline configuration: where the services are and how hard to retry."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NAME = r"^[A-Za-z0-9_.:\-]+$"


class PipelineSettings(BaseSettings):
    """Service URLs from ``INGESTION_URL``, ``FEATURES_URL`` and ``MODEL_URL``, ``MODEL_URLS``
    (every model service gets every observation) or ``MODEL_SHARD_URLS`` (each series goes to
    the one shard that owns it, :func:`~services.pipeline.sharding.shard_of`).

    Examples
    --------
    >>> PipelineSettings(model_urls="http://a:8000, http://b:8000").models
    ['http://a:8000', 'http://b:8000']
    >>> PipelineSettings(model_url="http://m:8000/").models
    ['http://m:8000']
    >>> PipelineSettings(model_shard_urls="http://a:8000,http://b:8000").shards
    ['http://a:8000', 'http://b:8000']
    >>> PipelineSettings(model_urls="http://a:8000", model_shard_urls="http://b:8000")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for PipelineSettings
      Value error, MODEL_URLS and MODEL_SHARD_URLS are both set: ...
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    ingestion_url: str = "http://127.0.0.1:8002"
    features_url: str = "http://127.0.0.1:8001"
    model_url: str = "http://127.0.0.1:8000"
    model_urls: str = ""
    model_shard_urls: str = ""
    stream: Annotated[str, Field(max_length=128, pattern=r"^[A-Za-z0-9_.:\-]*$")] = ""
    consumer: Annotated[str, Field(min_length=1, max_length=128, pattern=NAME)] = "pipeline"
    stream_season: Annotated[int | None, Field(ge=1, le=366)] = None
    """The season length of the stream's series, sent as ``season`` with their observations."""
    poll_seconds: Annotated[float, Field(gt=0, le=60)] = 0.2
    retries: Annotated[int, Field(ge=0)] = 5
    backoff_seconds: Annotated[float, Field(ge=0)] = 0.1
    timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    admin_token: str = Field(
        "", pattern=r"^[\x21-\x7e]*$", description="sent as a bearer token (for --reset)"
    )

    @field_validator("stream_season", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return None if value == "" else value

    @field_validator("ingestion_url", "features_url", "model_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        return _http_url(url)

    @field_validator("model_urls", "model_shard_urls")
    @classmethod
    def _http_urls(cls, urls: str) -> str:
        return ",".join(_http_url(u) for u in urls.split(",") if u.strip())

    @model_validator(mode="after")
    def _one_model_layout(self) -> "PipelineSettings":
        if self.model_urls and self.model_shard_urls:
            raise ValueError(
                "MODEL_URLS and MODEL_SHARD_URLS are both set: MODEL_URLS sends every "
                "observation to every model service, MODEL_SHARD_URLS each series to one shard; "
                "set one"
            )
        return self

    @property
    def models(self) -> list[str]:
        """The model service URLs: the shards, ``MODEL_URLS``, or ``MODEL_URL``."""
        if self.model_shard_urls:
            return self.shards
        return self.model_urls.split(",") if self.model_urls else [self.model_url]

    @property
    def shards(self) -> list[str]:
        """``MODEL_SHARD_URLS`` in shard order; empty when the model tier is not sharded."""
        return self.model_shard_urls.split(",") if self.model_shard_urls else []


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
