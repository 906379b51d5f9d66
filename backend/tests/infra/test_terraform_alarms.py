"""C-08: the five CloudWatch alarms, their thresholds and the alarm topic."""

from __future__ import annotations

import pytest


def _alarm(terraform, name):
    return terraform.resource("aws_cloudwatch_metric_alarm", name)


def _notifies(alarm):
    assert alarm["alarm_actions"] == "${local.alarm_actions}"


def test_alarm_topic_and_optional_email(terraform):
    assert terraform.locals["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"]
    topic = terraform.resource("aws_sns_topic", "alerts")
    assert topic["kms_master_key_id"] == "${aws_kms_key.main.arn}"
    sub = terraform.resource("aws_sns_topic_subscription", "alerts_email")
    assert sub["protocol"] == "email"
    assert sub["endpoint"] == "${var.alerts_email}"
    assert "var.alerts_email" in sub["count"]  # no subscription without an address
    assert terraform.variables["alerts_email"]["default"] == ""


def test_queue_depth_above_10(terraform):
    alarm = _alarm(terraform, "queue_depth")
    assert alarm["namespace"] == "AWS/SQS"
    assert alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.layout_jobs.name}"}
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 10
    _notifies(alarm)


def test_dlq_depth_above_5(terraform):
    alarm = _alarm(terraform, "dlq_depth")
    assert alarm["namespace"] == "AWS/SQS"
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.layout_jobs_dlq.name}"}
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 5
    _notifies(alarm)


def test_more_than_2_task_failures_in_5_minutes(terraform):
    alarm = _alarm(terraform, "ecs_task_failures")
    assert alarm["statistic"] == "Sum"
    assert alarm["period"] * alarm["evaluation_periods"] == 300
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 2
    _notifies(alarm)
    # The metric it watches is fed by the EventBridge rule on crashed / failed-to-start tasks.
    metric_filter = terraform.resource("aws_cloudwatch_log_metric_filter", "ecs_task_failures")
    transform = metric_filter["metric_transformation"][0]
    assert transform["name"] == alarm["metric_name"]
    assert transform["namespace"] == alarm["namespace"]
    rule = terraform.resource("aws_cloudwatch_event_rule", "ecs_task_failures")
    for needle in ("ECS Task State Change", "STOPPED", "EssentialContainerExited", "TaskFailedToStart"):
        assert needle in rule["event_pattern"]


def test_rds_cpu_above_80_for_10_minutes(terraform):
    alarm = _alarm(terraform, "rds_cpu")
    assert alarm["namespace"] == "AWS/RDS"
    assert alarm["metric_name"] == "CPUUtilization"
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == 80
    assert alarm["period"] * alarm["evaluation_periods"] == 600
    assert alarm.get("datapoints_to_alarm", alarm["evaluation_periods"]) == alarm["evaluation_periods"]
    _notifies(alarm)


def test_rds_free_storage_below_10_percent(terraform):
    alarm = _alarm(terraform, "rds_free_storage")
    assert alarm["metric_name"] == "FreeStorageSpace"
    assert alarm["comparison_operator"] == "LessThanThreshold"
    assert alarm["threshold"] == "${local.rds_free_storage_alarm_bytes}"
    assert terraform.locals["rds_free_storage_alarm_fraction"] == pytest.approx(0.10)
    expression = terraform.locals["rds_free_storage_alarm_bytes"]
    # FreeStorageSpace is in bytes; allocated storage is in GiB.
    assert "var.db_allocated_storage" in expression
    assert "local.rds_free_storage_alarm_fraction" in expression
    assert "1073741824" in expression
    _notifies(alarm)


def test_dashboard_exists(terraform):
    assert terraform.sources[("resource", "aws_cloudwatch_dashboard", "main")] == "cloudwatch-dashboard.tf"
    widgets = terraform.locals["dashboard_widgets"]
    namespaces = {
        metric[0] for widget in widgets for metric in widget["properties"].get("metrics", []) if metric
    }
    assert {"AWS/SQS", "AWS/ECS", "AWS/RDS"} <= namespaces
