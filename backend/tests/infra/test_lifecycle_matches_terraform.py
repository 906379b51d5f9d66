"""`sitelayouts ops storage lifecycle apply` puts exactly Terraform's lifecycle rules on the buckets
(issue 27, point 10). A put replaces a bucket's whole lifecycle configuration, so a rule or an
action missing from the app's set would be dropped from the bucket: before the fix the command
wrote the expiry rules only and removed s3.tf's noncurrent-version expiry (7 d on outputs) and
abort-incomplete-multipart (7 d) rules, and deleted outputs kept their old versions forever.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.storage.lifecycle import s3_lifecycle_configuration
from tests.infra.conftest import TerraformConfig

# Terraform rule block → S3 API key, and the block's attribute → the API's field.
ACTIONS = {
    "expiration": ("Expiration", "days", "Days"),
    "noncurrent_version_expiration": ("NoncurrentVersionExpiration", "noncurrent_days", "NoncurrentDays"),
    "abort_incomplete_multipart_upload": (
        "AbortIncompleteMultipartUpload",
        "days_after_initiation",
        "DaysAfterInitiation",
    ),
}


def terraform_rule_as_s3(rule: dict[str, Any]) -> dict[str, Any]:
    """One `rule {}` of an aws_s3_bucket_lifecycle_configuration, in the S3 API's form."""
    unknown = set(rule) - {"id", "status", "filter", *ACTIONS}
    assert not unknown, f"rule {rule.get('id')}: {unknown} has no counterpart in app.storage.lifecycle"
    [filt] = rule.get("filter") or [{}]
    assert set(filt) <= {"prefix"}, f"rule {rule['id']}: only prefix filters are mirrored"
    doc: dict[str, Any] = {
        "ID": rule["id"],
        "Status": rule["status"],
        "Filter": {"Prefix": filt.get("prefix", "")},
    }
    for block, (api_key, attribute, api_field) in ACTIONS.items():
        if block in rule:
            [action] = rule[block]
            assert set(action) == {attribute}, f"rule {rule['id']}: {block} {action}"
            doc[api_key] = {api_field: action[attribute]}
    return doc


@pytest.mark.parametrize("area", ["uploads", "outputs"])
def test_lifecycle_apply_writes_the_terraform_rule_set(terraform: TerraformConfig, area: str) -> None:
    rules = terraform.resource("aws_s3_bucket_lifecycle_configuration", area)["rule"]
    expected = sorted((terraform_rule_as_s3(r) for r in rules), key=lambda r: r["ID"])
    applied = sorted(s3_lifecycle_configuration(area)["Rules"], key=lambda r: r["ID"])
    assert applied == expected


def test_both_buckets_abort_incomplete_multipart_uploads() -> None:
    # The case the issue found missing, spelled out: on versioned buckets both matter.
    for area in ("uploads", "outputs"):
        rules = s3_lifecycle_configuration(area)["Rules"]
        assert any(r.get("AbortIncompleteMultipartUpload") == {"DaysAfterInitiation": 7} for r in rules)
    outputs = s3_lifecycle_configuration("outputs")["Rules"]
    assert {
        r["ID"]: r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in outputs if "Expiration" in r
    } == {
        "delete-old-terrain": 7,
        "delete-old-exports": 7,
    }
