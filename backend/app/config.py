"""All runtime settings in one place, read from the environment (and `.env`).

Every variable is documented in the README's settings table. A bad value stops
start-up with a message naming the variable (see `load_settings`).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from app.errors import ConfigError

# The repository root: backend/app/config.py -> parents[2].
REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = REPO_ROOT / "var"
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "test"}


class StorageBackend(StrEnum):
    local = "local"
    s3 = "s3"


class QueueBackend(StrEnum):
    database = "database"
    sqs = "sqs"


class AuthMode(StrEnum):
    local = "local"
    oidc = "oidc"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class Settings(BaseSettings):
    """Process settings. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = Field(default=f"sqlite:///{VAR_DIR / 'sitelayouts.db'}")
    storage_backend: StorageBackend = StorageBackend.local
    storage_dir: Path = VAR_DIR / "storage"
    s3_uploads_bucket: str = "sitelayouts-uploads"
    s3_outputs_bucket: str = "sitelayouts-outputs"
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None

    auth_mode: AuthMode = AuthMode.local
    jwt_secret: str | None = None
    jwt_expire_minutes: int = Field(default=720, ge=1, le=60 * 24 * 30)
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_upload_mb: float = Field(default=20, gt=0, le=1024)
    # Sites outside this range are refused at upload (422): below it nothing fits, above it the
    # terrain grid and layout outgrow a worker (a 50 M ha parcel drove one past 7 GB).
    min_site_area_ha: float = Field(default=0.1, gt=0)
    max_site_area_ha: float = Field(default=50_000, gt=0)
    # A worker's memory [MB] (the ECS task's); unset: the cgroup limit, else the machine's RAM.
    # Jobs whose terrain grid would not fit are refused; WORKER_MEMORY_GUARD caps the worker's
    # data segment just under it, so a job that still outgrows it fails cleanly, not OOM-killed.
    worker_memory_mb: int | None = Field(default=None, ge=256)
    worker_memory_guard: bool = True
    # Workers lower their CPU priority by this much (`nice`, 0-19) below the API's (app/worker.py).
    worker_nice: int = Field(default=5, ge=0, le=19)

    dem_source: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["file", "3dep", "terrarium"])
    dem_path: Path = VAR_DIR / "dem"
    dem_3dep_url: str = (
        "https://elevation.nationalmap.gov/arcgis/rest/services/3DEPElevation/ImageServer/exportImage"
    )
    dem_terrarium_url: str = "https://s3.amazonaws.com/elevation-tiles-prod/terrarium/{z}/{x}/{y}.png"
    dem_http_timeout_s: float = Field(default=20, gt=0, le=600)
    dem_http_retries: int = Field(default=3, ge=0, le=10)
    dem_max_download_mb: float = Field(default=200, gt=0)

    enable_async_layout_generation: bool = False
    queue_backend: QueueBackend = QueueBackend.database
    sqs_queue_url: str | None = None
    sqs_dlq_url: str | None = None
    visibility_timeout_s: int = Field(default=300, ge=1, le=43200)
    max_receive_count: int = Field(default=3, ge=1, le=1000)
    queue_wait_time_s: float = Field(default=20, ge=0, le=20)
    job_timeout_s: float = Field(default=900, gt=0)
    worker_shutdown_grace_s: float = Field(default=60, ge=0)
    heartbeat_interval_s: float = Field(default=10, gt=0)
    stuck_after_s: float = Field(default=600, gt=0)
    stuck_check_interval_s: float = Field(default=10, gt=0)
    retry_backoff_s: float = Field(default=5, ge=0, le=300)
    # Sleeps this long at every job stage: for shutdown drills and reliability tests only.
    job_stage_delay_s: float = Field(default=0, ge=0, le=600)

    # A worker serves its own /metrics here when set (ECS: scraped per task; locally the API's
    # /metrics already aggregates every process through PROMETHEUS_MULTIPROC_DIR).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    log_format: LogFormat = LogFormat.text
    log_level: str = "INFO"
    rate_limit_auth_per_min: int = Field(default=30, ge=1)
    rate_limit_generate_per_min: int = Field(default=30, ge=1)

    # Map basemaps for the web app (XYZ raster tile URL templates; empty disables one). The tile
    # servers' usage policies apply: set your own provider for heavy use.
    basemap_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    basemap_attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    satellite_url: str = (
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}"
    )
    satellite_attribution: str = "Imagery &copy; Esri, Maxar, Earthstar Geographics, GIS User Community"

    # Reliability (issue 15). A claim whose heartbeat missed STALE_HEARTBEATS beats is dead: its
    # message is made visible again at once and the layout requeued (by any worker's sweep).
    stale_heartbeats: int = Field(default=3, ge=2, le=100)
    # A running job retries a failed database write this long [s] before giving the job up.
    job_db_retry_s: float = Field(default=60, ge=0, le=3600)
    # A `queued` layout with no message for this long [s] gets a new one (the sweep's second half).
    orphan_queued_after_s: float = Field(default=30, ge=0)
    # /metrics: a bearer token (required unless METRICS_PUBLIC=true); live figures are read from the
    # database at most every METRICS_REFRESH_S [s], in the background, never per scrape.
    metrics_token: str | None = None
    metrics_public: bool = False
    metrics_refresh_s: float = Field(default=15, gt=0, le=3600)
    # A result whose metrics or design carry a key `app/engine/core/document.py` does not declare:
    # true (the tests) fails the job naming it; false (default) logs an error naming it and the job
    # completes (the API's typed answer leaves the key out).
    strict_result_document: bool = False

    @property
    def stale_after_s(self) -> float:
        """Heartbeat age [s] past which a claim or a worker counts as dead."""
        return self.stale_heartbeats * self.heartbeat_interval_s

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, v: str) -> str:
        v = v.strip()
        # Accept the URLs people paste (Heroku/RDS style) and pick the psycopg 3 driver.
        if v.startswith("postgres://"):
            v = "postgresql+psycopg://" + v[len("postgres://") :]
        elif v.startswith("postgresql://"):
            v = "postgresql+psycopg://" + v[len("postgresql://") :]
        if not (v.startswith("sqlite") or v.startswith("postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return v

    @field_validator("cors_origins", "dem_source", mode="before")
    @classmethod
    def _split_comma_list(cls, v: object) -> object:
        if isinstance(v, str):
            if v.strip().startswith("["):
                return v  # JSON list: let pydantic parse it
            return [item.strip() for item in v.split(",") if item.strip()]
        return v

    @field_validator("dem_source")
    @classmethod
    def _known_dem_sources(cls, v: list[str]) -> list[str]:
        known = {"file", "3dep", "terrarium", "flat"}
        unknown = [s for s in v if s not in known]
        if unknown:
            raise ValueError(f"unknown DEM source(s) {unknown}; choose from {sorted(known)}")
        return v

    @model_validator(mode="after")
    def _check_mode_requirements(self) -> Settings:
        if self.auth_mode is AuthMode.oidc:
            missing = [
                name
                for name, value in (
                    ("OIDC_ISSUER", self.oidc_issuer),
                    ("OIDC_AUDIENCE", self.oidc_audience),
                    ("OIDC_JWKS_URL", self.oidc_jwks_url),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"AUTH_MODE=oidc requires {', '.join(missing)}")
        if self.jwt_secret is not None and self.jwt_secret.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("JWT_SECRET is a placeholder; set a random value of 32+ characters")
        if self.queue_backend is QueueBackend.sqs and not self.sqs_queue_url:
            raise ValueError("QUEUE_BACKEND=sqs requires SQS_QUEUE_URL")
        return self

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def resolved_jwt_secret(self) -> str:
        """The HS256 signing key: JWT_SECRET, or in local mode one generated once into `var/`."""
        if self.jwt_secret:
            return self.jwt_secret
        if self.auth_mode is not AuthMode.local:
            raise ConfigError("JWT_SECRET: required when AUTH_MODE is not local")
        path = VAR_DIR / "jwt_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    # Weather for the energy yield (issue 13), sources tried in order: `file` (uploaded per site),
    # `pvgis` (PVGIS TMY over HTTP), `clearsky` (offline clear-sky upper bound, never a P50).
    weather_source: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["file", "pvgis", "clearsky"]
    )
    pvgis_url: str = "https://re.jrc.ec.europa.eu/api/v5_3/tmy"
    weather_http_timeout_s: float = Field(default=30, gt=0, le=600)
    weather_http_retries: int = Field(default=2, ge=0, le=10)
    weather_max_download_mb: float = Field(default=20, gt=0, le=500)

    @field_validator("weather_source", mode="before")
    @classmethod
    def _split_weather_sources(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip().startswith("["):
            return [item.strip() for item in v.split(",") if item.strip()]
        return v

    @field_validator("weather_source")
    @classmethod
    def _known_weather_sources(cls, v: list[str]) -> list[str]:
        known = {"file", "pvgis", "clearsky"}
        unknown = [s for s in v if s not in known]
        if unknown or not v:
            raise ValueError(f"unknown weather source(s) {unknown}; choose from {sorted(known)}")
        return v


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one `ConfigError` naming each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = "_".join(str(part) for part in err["loc"]).upper() or "SETTINGS"
            problems.append(f"{loc}: {err['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None
    except SettingsError as exc:
        raise ConfigError(f"invalid settings: {exc}") from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
