"""Pipeline configuration: where the services are and how hard to retry."""

from pydantic import field_validator
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
    stream: str = ""
    retries: int = 5
    backoff_seconds: float = 0.1
    timeout_seconds: float = 10.0

    @field_validator("ingestion_url", "features_url", "model_url")
    @classmethod
    def _strip(cls, url: str) -> str:
        return url.strip().rstrip("/")

    @property
    def models(self) -> list[str]:
        """The model service URLs: ``MODEL_URLS`` when set, else ``MODEL_URL``."""
        urls = [u.strip().rstrip("/") for u in self.model_urls.split(",") if u.strip()]
        return urls or [self.model_url]
