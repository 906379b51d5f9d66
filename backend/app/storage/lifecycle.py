"""The C-06 storage lifecycle rules, applied to S3 (bucket configuration) or a local folder (a sweep).

uploads: 90 days (noncurrent versions 30); outputs `terrain/`: 30 days; outputs `outputs/`: 30 days.
A missing terrain cache or export is normal: both are regenerated on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.storage.base import Area, Storage
from app.storage.s3 import S3Storage, wrap_errors


@dataclass(frozen=True, kw_only=True)
class LifecycleRule:
    rule_id: str
    area: Area
    prefix: str
    expire_days: int
    noncurrent_days: int | None = None


LIFECYCLE_RULES: tuple[LifecycleRule, ...] = (
    LifecycleRule(
        rule_id="delete-old-uploads", area="uploads", prefix="", expire_days=90, noncurrent_days=30
    ),
    LifecycleRule(rule_id="delete-old-terrain", area="outputs", prefix="terrain/", expire_days=30),
    LifecycleRule(rule_id="delete-old-exports", area="outputs", prefix="outputs/", expire_days=30),
)


def s3_lifecycle_configuration(area: Area) -> dict[str, Any]:
    """The S3 `LifecycleConfiguration` for one area's bucket (the same rules as Terraform's s3.tf)."""
    rules = []
    for rule in (r for r in LIFECYCLE_RULES if r.area == area):
        doc: dict[str, Any] = {
            "ID": rule.rule_id,
            "Status": "Enabled",
            "Filter": {"Prefix": rule.prefix},
            "Expiration": {"Days": rule.expire_days},
        }
        if rule.noncurrent_days is not None:
            doc["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_days}
        rules.append(doc)
    return {"Rules": rules}


def apply_s3_lifecycle(storage: S3Storage) -> dict[str, list[str]]:
    """Put the rules on both buckets through the S3 API; returns bucket → rule ids."""
    applied: dict[str, list[str]] = {}
    for area in ("uploads", "outputs"):
        bucket = storage.buckets[area]
        config = s3_lifecycle_configuration(area)
        with wrap_errors(f"lifecycle of {bucket}"):
            storage.client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=config)
        applied[bucket] = [r["ID"] for r in config["Rules"]]
    return applied


def sweep(storage: Storage, *, now: datetime | None = None, dry_run: bool = False) -> dict[str, list[str]]:
    """Delete objects older than their rule allows (local storage; S3 does this itself). Rule id → keys."""
    now = now or datetime.now(UTC)
    removed: dict[str, list[str]] = {}
    for rule in LIFECYCLE_RULES:
        cutoff = now - timedelta(days=rule.expire_days)
        keys = [o.key for o in storage.list(rule.area, rule.prefix) if o.modified_at < cutoff]
        if not dry_run:
            for key in keys:
                storage.delete(rule.area, key)
        removed[rule.rule_id] = keys
    return removed
