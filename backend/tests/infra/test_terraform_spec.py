"""The Terraform carries the numbers of the product spec (C-01, C-06, C-07, C-08, C-09).

Parsed with python-hcl2; no provider or AWS access needed.
"""

from __future__ import annotations

import re

import pytest

# --- C-01: queues ----------------------------------------------------------------------


def test_queue_names_follow_the_spec(terraform):
    queue = terraform.resource("aws_sqs_queue", "layout_jobs")
    dlq = terraform.resource("aws_sqs_queue", "layout_jobs_dlq")
    assert terraform.locals["name"] == "${var.project}-${var.environment}"
    assert terraform.variables["project"]["default"] == "pacifico-layouts"
    assert queue["name"] == "${local.name}-layout-jobs"
    assert dlq["name"] == "${local.name}-layout-jobs-dlq"
    assert terraform.sources[("resource", "aws_sqs_queue", "layout_jobs")] == "sqs.tf"


def test_queue_timings(terraform):
    queue = terraform.resource("aws_sqs_queue", "layout_jobs")
    dlq = terraform.resource("aws_sqs_queue", "layout_jobs_dlq")
    assert terraform.resolve(queue["visibility_timeout_seconds"]) == 300
    assert terraform.resolve(queue["message_retention_seconds"]) == 345600  # 4 days
    assert terraform.resolve(dlq["message_retention_seconds"]) == 1209600  # 14 days


def test_queue_redrives_to_the_dlq_after_three_receives(terraform):
    policy = terraform.resource("aws_sqs_queue", "layout_jobs")["redrive_policy"]
    target = re.search(r'"deadLetterTargetArn":\s*"([^"]+)"', policy)
    count = re.search(r'"maxReceiveCount":\s*"?(\$\{local\.\w+\}|\d+)"?', policy)
    assert target
    assert target.group(1) == "${aws_sqs_queue.layout_jobs_dlq.arn}"
    assert count, policy
    assert int(terraform.resolve(count.group(1))) == 3


def test_queues_are_encrypted(terraform):
    for name in ("layout_jobs", "layout_jobs_dlq"):
        assert terraform.resource("aws_sqs_queue", name)["sqs_managed_sse_enabled"] is True


# --- C-06: S3 ------------------------------------------------------------------------

DATA_BUCKETS = ("uploads", "outputs", "frontend", "logs")


def _rules(terraform, bucket):
    return terraform.resource("aws_s3_bucket_lifecycle_configuration", bucket)["rule"]


def _prefix(rule):
    filters = rule.get("filter") or [{}]
    return filters[0].get("prefix", "")


def test_upload_lifecycle(terraform):
    [rule] = [r for r in _rules(terraform, "uploads") if "expiration" in r]
    assert rule["status"] == "Enabled"
    assert _prefix(rule) == ""  # the whole bucket
    assert rule["expiration"][0]["days"] == 90
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == 30


@pytest.mark.parametrize("prefix", ["terrain/", "outputs/"])
def test_output_lifecycle(terraform, prefix):
    rules = [r for r in _rules(terraform, "outputs") if _prefix(r) == prefix]
    assert len(rules) == 1, f"one lifecycle rule for {prefix}"
    assert rules[0]["status"] == "Enabled"
    assert rules[0]["expiration"][0]["days"] == 30


@pytest.mark.parametrize("bucket", DATA_BUCKETS)
def test_bucket_is_versioned_encrypted_and_private(terraform, bucket):
    terraform.resource("aws_s3_bucket", bucket)
    versioning = terraform.resource("aws_s3_bucket_versioning", bucket)
    assert versioning["bucket"] == f"${{aws_s3_bucket.{bucket}.id}}"
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"

    sse = terraform.resource("aws_s3_bucket_server_side_encryption_configuration", bucket)
    algorithm = sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"]
    assert algorithm in {"aws:kms", "AES256"}

    pab = terraform.resource("aws_s3_bucket_public_access_block", bucket)
    assert pab["bucket"] == f"${{aws_s3_bucket.{bucket}.id}}"
    for flag in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert pab[flag] is True, f"{bucket}: {flag}"

    terraform.resource("aws_s3_bucket_lifecycle_configuration", bucket)
    terraform.resource("aws_s3_bucket_policy", bucket)


def test_data_buckets_use_the_stack_kms_key(terraform):
    # The logs bucket is SSE-S3: ALB and S3 access logs cannot be written to SSE-KMS buckets.
    for bucket in ("uploads", "outputs", "frontend"):
        sse = terraform.resource("aws_s3_bucket_server_side_encryption_configuration", bucket)
        default = sse["rule"][0]["apply_server_side_encryption_by_default"][0]
        assert default["sse_algorithm"] == "aws:kms"
        assert default["kms_master_key_id"] == "${aws_kms_key.main.arn}"


def test_every_bucket_is_covered(terraform):
    assert set(terraform.of_type("aws_s3_bucket")) == set(DATA_BUCKETS)


def test_every_bucket_refuses_plain_http(terraform):
    doc = terraform.data[("aws_iam_policy_document", "s3_tls_only")]
    assert set(doc["for_each"]) == set(DATA_BUCKETS)
    [statement] = doc["statement"]
    assert statement["effect"] == "Deny"
    assert statement["condition"][0]["variable"] == "aws:SecureTransport"
    assert statement["condition"][0]["values"] == ["false"]


# --- C-07: RDS, security groups ------------------------------------------------------


def test_rds_is_encrypted_and_private(terraform):
    db = terraform.resource("aws_db_instance", "main")
    assert db["storage_encrypted"] is True
    assert db["kms_key_id"] == "${aws_kms_key.main.arn}"
    assert db["publicly_accessible"] is False
    assert db["vpc_security_group_ids"] == ["${aws_security_group.rds.id}"]
    assert db["engine"] == "postgres"
    assert "max_allocated_storage" in db  # storage auto-scaling (C-08 "storage low")


def _sg_rules(terraform, rtype, sg):
    return {
        name: rule
        for name, rule in terraform.of_type(rtype).items()
        if rule["security_group_id"] == f"${{aws_security_group.{sg}.id}}"
    }


def test_rds_accepts_only_the_ecs_security_group(terraform):
    sg = terraform.resource("aws_security_group", "rds")
    assert "ingress" not in sg, "rules live in separate resources"
    assert "egress" not in sg, "rules live in separate resources"
    ingress = _sg_rules(terraform, "aws_vpc_security_group_ingress_rule", "rds")
    assert len(ingress) == 1
    [rule] = ingress.values()
    assert rule["referenced_security_group_id"] == "${aws_security_group.ecs.id}"
    assert rule["from_port"] == rule["to_port"] == 5432
    assert "cidr_ipv4" not in rule
    assert "cidr_ipv6" not in rule
    assert _sg_rules(terraform, "aws_vpc_security_group_egress_rule", "rds") == {}


def test_ecs_accepts_only_the_alb_on_8000(terraform):
    ingress = _sg_rules(terraform, "aws_vpc_security_group_ingress_rule", "ecs")
    assert len(ingress) == 1
    [rule] = ingress.values()
    assert rule["referenced_security_group_id"] == "${aws_security_group.alb.id}"
    assert rule["from_port"] == rule["to_port"] == 8000


def test_no_security_group_uses_inline_rules(terraform):
    # Inline rules and rule resources on one group fight each other.
    for name, sg in terraform.of_type("aws_security_group").items():
        assert "ingress" not in sg, name
        assert "egress" not in sg, name


def test_only_the_alb_is_open_to_the_internet(terraform):
    open_rules = {
        name: rule
        for name, rule in terraform.of_type("aws_vpc_security_group_ingress_rule").items()
        if rule.get("cidr_ipv4") == "0.0.0.0/0"
    }
    assert {r["security_group_id"] for r in open_rules.values()} == {"${aws_security_group.alb.id}"}
    assert sorted(r["from_port"] for r in open_rules.values()) == [80, 443]


# --- C-07: WAF, flow logs, CloudTrail, ALB -------------------------------------------


def test_waf_rules(terraform):
    acl = terraform.resource("aws_wafv2_web_acl", "api")
    assert acl["scope"] == "REGIONAL"
    statements = [rule["statement"][0] for rule in acl["rule"]]
    rate = [s["rate_based_statement"][0] for s in statements if "rate_based_statement" in s]
    assert len(rate) == 1
    assert rate[0]["aggregate_key_type"] == "IP"
    managed = {
        s["managed_rule_group_statement"][0]["name"]
        for s in statements
        if "managed_rule_group_statement" in s
    }
    assert "AWSManagedRulesSQLiRuleSet" in managed
    priorities = [rule["priority"] for rule in acl["rule"]]
    assert len(set(priorities)) == len(priorities)
    assoc = terraform.resource("aws_wafv2_web_acl_association", "api")
    assert assoc["resource_arn"] == "${aws_lb.api.arn}"


def test_flow_logs_and_cloudtrail(terraform):
    flow = terraform.resource("aws_flow_log", "vpc")
    assert flow["vpc_id"] == "${aws_vpc.main.id}"
    assert flow["traffic_type"] == "ALL"
    trail = terraform.resource("aws_cloudtrail", "main")
    assert trail["is_multi_region_trail"] is True
    assert trail["enable_log_file_validation"] is True
    assert trail["kms_key_id"] == "${aws_kms_key.main.arn}"


def test_alb_https_and_redirect(terraform):
    https = terraform.resource("aws_lb_listener", "https")
    assert https["port"] == 443
    assert https["protocol"] == "HTTPS"
    assert https["certificate_arn"] == "${var.acm_certificate_arn}"
    redirect = terraform.resource("aws_lb_listener", "http_redirect")
    assert redirect["port"] == 80
    action = redirect["default_action"][0]
    assert action["type"] == "redirect"
    assert action["redirect"][0]["protocol"] == "HTTPS"
    assert action["redirect"][0]["status_code"] == "HTTP_301"


# --- C-09 and C-02: ECS --------------------------------------------------------------


@pytest.mark.parametrize("container", ["api_container", "worker_container"])
def test_containers_get_60_seconds_to_stop(terraform, container):
    assert terraform.locals[container]["stopTimeout"] == 60


def test_worker_runs_the_worker_module_from_the_same_image(terraform):
    api, worker = terraform.locals["api_container"], terraform.locals["worker_container"]
    assert worker["command"] == ["python", "-m", "app.worker"]
    assert "command" not in api  # the image's CMD: uvicorn
    assert api["image"] == worker["image"] == "${local.image}"
    for family in ("api", "worker"):
        definitions = terraform.resource("aws_ecs_task_definition", family)["container_definitions"]
        assert f"local.{family}_container" in definitions


@pytest.mark.parametrize("service", ["api", "worker"])
def test_services_roll_back_failed_deployments(terraform, service):
    svc = terraform.resource("aws_ecs_service", service)
    [breaker] = svc["deployment_circuit_breaker"]
    assert breaker == {"enable": True, "rollback": True}
    net = svc["network_configuration"][0]
    assert net["assign_public_ip"] is False
    assert net["security_groups"] == ["${aws_security_group.ecs.id}"]


def test_worker_log_groups(terraform):
    api = terraform.resource("aws_cloudwatch_log_group", "api")
    worker = terraform.resource("aws_cloudwatch_log_group", "worker")
    assert api["name"] == "/ecs/${local.name}"
    assert worker["name"] == "/ecs/${local.name}-worker"
    for group in (api, worker):
        assert group["kms_key_id"] == "${aws_kms_key.main.arn}"
        assert group["retention_in_days"] == "${var.log_retention_days}"
    assert (
        terraform.locals["api_container"]["logConfiguration"]["options"]["awslogs-stream-prefix"] == "backend"
    )
    assert (
        terraform.locals["worker_container"]["logConfiguration"]["options"]["awslogs-stream-prefix"]
        == "worker"
    )


def test_worker_scales_on_queue_depth(terraform):
    target = terraform.resource("aws_appautoscaling_target", "worker")
    assert target["min_capacity"] == "${var.worker_min_tasks}"
    assert target["max_capacity"] == "${var.worker_max_tasks}"
    alarm = terraform.resource("aws_cloudwatch_metric_alarm", "worker_scale_out")
    assert alarm["namespace"] == "AWS/SQS"
    assert alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.layout_jobs.name}"}
    assert alarm["alarm_actions"] == ["${aws_appautoscaling_policy.worker_scale_out.arn}"]
    scale_in = terraform.resource("aws_cloudwatch_metric_alarm", "worker_scale_in")
    assert scale_in["alarm_actions"] == ["${aws_appautoscaling_policy.worker_scale_in.arn}"]


# --- app settings in the task environment --------------------------------------------

EXPECTED_ENVIRONMENT = {
    "STORAGE_BACKEND": "s3",
    "S3_UPLOADS_BUCKET": "${aws_s3_bucket.uploads.id}",
    "S3_OUTPUTS_BUCKET": "${aws_s3_bucket.outputs.id}",
    "AWS_REGION": "${local.region}",
    "QUEUE_BACKEND": "sqs",
    "SQS_QUEUE_URL": "${aws_sqs_queue.layout_jobs.url}",
    "SQS_DLQ_URL": "${aws_sqs_queue.layout_jobs_dlq.url}",
    "ENABLE_ASYNC_LAYOUT_GENERATION": "true",
    "AUTH_MODE": "oidc",
    "LOG_FORMAT": "json",
}


def test_task_environment_matches_app_settings(terraform):
    values = terraform.locals["app_settings"]
    # extra_environment cannot override the settings above: they are merged last.
    assert terraform.locals["app_environment"] == "${merge(var.extra_environment, local.app_settings)}"
    for key, expected in EXPECTED_ENVIRONMENT.items():
        assert values.get(key) == expected, key
    for key in ("OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "CORS_ORIGINS"):
        assert values.get(key), key
    assert "cognito" in values["OIDC_ISSUER"] or values["OIDC_ISSUER"] == "${local.cognito_issuer}"
    assert values["OIDC_JWKS_URL"].endswith("/.well-known/jwks.json")
    # Secrets never travel as plain environment variables.
    assert "DATABASE_URL" not in values
    assert "JWT_SECRET" not in values


def test_secrets_come_from_secrets_manager(terraform):
    secrets = terraform.locals["app_secrets"]
    by_name = {s["name"]: s["valueFrom"] for s in secrets}
    assert by_name == {
        "DATABASE_URL": "${aws_secretsmanager_secret.database_url.arn}",
        "JWT_SECRET": "${aws_secretsmanager_secret.jwt_secret.arn}",
    }
    for container in ("api_container", "worker_container"):
        assert terraform.locals[container]["secrets"] == "${local.app_secrets}"


def test_environment_names_are_app_settings(terraform, repo_root):
    """Every variable set on the tasks is a field of app/config.py's Settings (or uvicorn's)."""
    config = (repo_root / "backend" / "app" / "config.py").read_text()
    fields = {m.group(1).upper() for m in re.finditer(r"^    (\w+): .*=", config, re.M)}
    names = set(terraform.locals["app_settings"]) | {s["name"] for s in terraform.locals["app_secrets"]}
    unknown = names - fields - {"FORWARDED_ALLOW_IPS"}
    assert not unknown, f"not settings of app/config.py: {sorted(unknown)}"


def test_cognito_user_pool_and_client(terraform):
    terraform.resource("aws_cognito_user_pool", "main")
    client = terraform.resource("aws_cognito_user_pool_client", "frontend")
    assert client["generate_secret"] is False
    assert client["allowed_oauth_flows"] == ["code"]


def test_metrics_are_not_public(terraform):
    rule = terraform.resource("aws_lb_listener_rule", "hide_metrics")
    assert rule["listener_arn"] == "${aws_lb_listener.https.arn}"
    assert "/metrics" in rule["condition"][0]["path_pattern"][0]["values"]
    assert rule["action"][0]["fixed_response"][0]["status_code"] == "404"
