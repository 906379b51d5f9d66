"""deploy/prometheus/alerts.yml mirrors the CloudWatch alarms (C-08) with the app's metric names.

Always parsed with PyYAML; `promtool check rules` and the rule unit tests (alerts.test.yml) run when
promtool is installed (Debian: `apt-get install prometheus`) and are skipped otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml


@pytest.fixture(scope="module")
def prometheus_dir(repo_root):
    return repo_root / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def rules(prometheus_dir):
    doc = yaml.safe_load((prometheus_dir / "alerts.yml").read_text())
    assert isinstance(doc, dict)
    assert isinstance(doc.get("groups"), list)
    out = {}
    for group in doc["groups"]:
        assert group["name"]
        assert group["rules"]
        for rule in group["rules"]:
            assert rule["alert"] not in out, f"duplicate alert {rule['alert']}"
            out[rule["alert"]] = rule
    return out


def _compact(expr: str) -> str:
    return re.sub(r"\s+", "", expr)


def test_every_rule_is_complete(rules):
    for name, rule in rules.items():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, name
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name
        assert rule["annotations"]["description"], name
        assert rule["annotations"]["runbook"].startswith("docs/deploy.md#"), name


def test_queue_depth_above_10(rules):
    rule = rules["SiteLayoutsQueueDepthHigh"]
    assert _compact(rule["expr"]) == "max(sitelayouts_queue_depth)>10"


def test_dlq_depth_above_5(rules):
    assert _compact(rules["SiteLayoutsDlqDepthHigh"]["expr"]) == "max(sitelayouts_dlq_depth)>5"


def test_more_than_2_failures_in_5_minutes(rules):
    expr = _compact(rules["SiteLayoutsJobFailures"]["expr"])
    assert expr == 'sum(increase(sitelayouts_jobs_total{outcome="failed"}[5m]))>2'


def test_database_cpu_above_80_for_10_minutes(rules):
    rule = rules["SiteLayoutsDatabaseCpuHigh"]
    expr = _compact(rule["expr"])
    assert "node_cpu_seconds_total" in expr
    assert 'mode="idle"' in expr
    assert expr.endswith(">80")
    assert rule["for"] == "10m"


def test_database_free_storage_below_10_percent(rules):
    expr = _compact(rules["SiteLayoutsDatabaseStorageLow"]["expr"])
    assert "node_filesystem_avail_bytes" in expr
    assert "node_filesystem_size_bytes" in expr
    assert expr.endswith("<0.10")


def test_runbook_anchors_exist(rules, repo_root):
    """Each runbook link points at a heading of docs/deploy.md."""
    deploy_md = repo_root / "docs" / "deploy.md"
    if not deploy_md.exists():
        pytest.fail("docs/deploy.md is missing")
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in deploy_md.read_text().splitlines()
        if line.startswith("#")
    }
    for name, rule in rules.items():
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert anchor in anchors, f"{name}: no heading for #{anchor} in docs/deploy.md"


def test_unit_test_file_parses(prometheus_dir):
    doc = yaml.safe_load((prometheus_dir / "alerts.test.yml").read_text())
    assert doc["rule_files"] == ["alerts.yml"]
    tested = {t["alertname"] for case in doc["tests"] for t in case["alert_rule_test"]}
    assert len(tested) >= 5


PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)"
)


@needs_promtool
def test_promtool_check_rules(prometheus_dir):
    result = subprocess.run(
        [PROMTOOL, "check", "rules", "alerts.yml"],
        cwd=prometheus_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_rule_unit_tests(prometheus_dir):
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "alerts.test.yml"],
        cwd=prometheus_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
