"""Settings: defaults, normalisation, and start-up errors that name the variable."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.errors import ConfigError


def test_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABASE_URL", "STORAGE_BACKEND", "QUEUE_BACKEND", "AUTH_MODE"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings()
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("var/sitelayouts.db")
    assert s.storage_backend.value == "local" and s.queue_backend.value == "database"
    assert s.max_upload_mb == 20 and s.visibility_timeout_s == 300 and s.max_receive_count == 3
    assert s.dem_source == ["file", "3dep", "terrarium"]


def test_normalisation() -> None:
    s = load_settings(database_url="postgres://u@h/db", cors_origins="https://a.example, https://b.example")
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"MAX_UPLOAD_MB": "-1"}, "MAX_UPLOAD_MB"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
        ({"AUTH_MODE": "oidc"}, "OIDC_ISSUER"),
        ({"JWT_SECRET": "changeme"}, "JWT_SECRET"),
        ({"DEM_SOURCE": "file,google"}, "DEM_SOURCE"),
        ({"QUEUE_BACKEND": "sqs"}, "SQS_QUEUE_URL"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], names: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert names in str(info.value)


def test_local_jwt_secret_is_generated_once(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import app.config as config

    monkeypatch.setattr(config, "VAR_DIR", tmp_path)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    s = load_settings()
    first = s.resolved_jwt_secret()
    assert len(first) >= 32 and s.resolved_jwt_secret() == first
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0
