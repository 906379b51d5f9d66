"""The C-06 storage lifecycle rules, applied to S3 (bucket configuration) or a local folder (a sweep).

The same rule set as infra/terraform/s3.tf, rule for rule (tests/infra/test_lifecycle_matches_terraform.py
compares them): uploads 90 days (noncurrent versions 30 days); outputs `terrain/` and `outputs/` 30
days (noncurrent versions 7 days); incomplete multipart uploads aborted after 7 days in both
buckets. A missing terrain cache or export is normal: both are regenerated on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.storage.base import Area, Storage
from app.storage.s3 import S3Storage, wrap_errors


@dataclass(frozen=True, kw_only=True)
class LifecycleRule:
    """One rule on one area's objects under `prefix`. Days [d]; None: that action is not in the rule.

    expire_days: current objects are deleted (a delete marker on a versioned bucket) this long after
    they were written; noncurrent_days: a replaced or deleted version is removed this long after it
    stopped being current; abort_multipart_days: an unfinished multipart upload is aborted.
    """

    rule_id: str
    area: Area
    prefix: str
    expire_days: int | None = None
    noncurrent_days: int | None = None
    abort_multipart_days: int | None = None


LIFECYCLE_RULES: tuple[LifecycleRule, ...] = (
    LifecycleRule(
        rule_id="delete-old-uploads",
        area="uploads",
        prefix="",
        expire_days=90,
        noncurrent_days=30,
        abort_multipart_days=7,
    ),
    LifecycleRule(
        rule_id="delete-old-terrain", area="outputs", prefix="terrain/", expire_days=30, noncurrent_days=7
    ),
    LifecycleRule(
        rule_id="delete-old-exports", area="outputs", prefix="outputs/", expire_days=30, noncurrent_days=7
    ),
    LifecycleRule(rule_id="abort-incomplete-uploads", area="outputs", prefix="", abort_multipart_days=7),
)


def s3_rule(rule: LifecycleRule) -> dict[str, Any]:
    """One rule in the S3 API's `LifecycleConfiguration.Rules[]` form."""
    doc: dict[str, Any] = {"ID": rule.rule_id, "Status": "Enabled", "Filter": {"Prefix": rule.prefix}}
    if rule.expire_days is not None:
        doc["Expiration"] = {"Days": rule.expire_days}
    if rule.noncurrent_days is not None:
        doc["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_days}
    if rule.abort_multipart_days is not None:
        doc["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule.abort_multipart_days}
    return doc


def s3_lifecycle_configuration(area: Area) -> dict[str, Any]:
    """The S3 `LifecycleConfiguration` for one area's bucket: exactly the rules of Terraform's s3.tf
    (a put replaces the bucket's whole configuration, so a rule missing here is dropped there)."""
    return {"Rules": [s3_rule(r) for r in LIFECYCLE_RULES if r.area == area]}


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
        if rule.expire_days is None:
            continue  # versions and multipart uploads exist on S3 only
        cutoff = now - timedelta(days=rule.expire_days)
        keys = [o.key for o in storage.list(rule.area, rule.prefix) if o.modified_at < cutoff]
        if not dry_run:
            for key in keys:
                storage.delete(rule.area, key)
        removed[rule.rule_id] = keys
    return removed
