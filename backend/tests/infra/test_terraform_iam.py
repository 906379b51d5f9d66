"""C-07 least privilege: IAM statements name their actions and resources.

Every policy in infra/terraform is an `aws_iam_policy_document`, so all statements are checked here.

Documented exceptions (where nothing narrower than "*" exists):
- `ecs_execution` / EcrAuth: ecr:GetAuthorizationToken has no resource-level permissions.
- `kms` (the KMS key policy): in a key policy "*" means "this key"; nothing else can be named.
Deny statements (TLS-only bucket and queue policies) may use wildcards: they only take rights away.
"""

from __future__ import annotations

import pytest

RESOURCE_STAR_EXCEPTIONS = {
    ("ecs_execution", "EcrAuth"),
    ("kms", "AccountAdministration"),
    ("kms", "CloudWatchLogs"),
    ("kms", "CloudFrontFrontend"),
    ("kms", "CloudTrailEncrypt"),
    ("kms", "CloudWatchAlarmsToSns"),
}
ACTION_STAR_EXCEPTIONS = {
    ("kms", "AccountAdministration")
}  # kms:* for the account root: AWS's default key policy


def _allow_statements(terraform):
    for (dtype, name), doc in terraform.data.items():
        if dtype != "aws_iam_policy_document":
            continue
        for statement in doc.get("statement", []):
            if statement.get("effect", "Allow") == "Allow":
                yield name, statement


def test_all_role_policies_are_policy_documents(terraform):
    for name, policy in terraform.of_type("aws_iam_role_policy").items():
        assert policy["policy"].startswith("${data.aws_iam_policy_document."), name
    for name, role in terraform.of_type("aws_iam_role").items():
        assert role["assume_role_policy"].startswith("${data.aws_iam_policy_document."), name
    assert not terraform.of_type("aws_iam_policy"), "use inline role policies from policy documents"


def test_no_wildcard_actions(terraform):
    for doc, statement in _allow_statements(terraform):
        if (doc, statement.get("sid")) in ACTION_STAR_EXCEPTIONS:
            continue
        for action in statement.get("actions", []):
            assert action != "*", f"{doc}/{statement.get('sid')}: Action *"
            assert not action.endswith(":*"), f"{doc}/{statement.get('sid')}: {action}"
        assert "not_actions" not in statement, f"{doc}: NotAction"


def test_no_wildcard_resources(terraform):
    for doc, statement in _allow_statements(terraform):
        resources = statement.get("resources", [])
        if (doc, statement.get("sid")) in RESOURCE_STAR_EXCEPTIONS:
            continue
        assert "*" not in resources, f"{doc}/{statement.get('sid')}: Resource *"
        assert "not_resources" not in statement, f"{doc}: NotResource"


def test_resource_star_exceptions_are_still_needed(terraform):
    """Each listed exception exists and is as narrow as documented."""
    statements = {(doc, s.get("sid")): s for doc, s in _allow_statements(terraform)}
    for key in RESOURCE_STAR_EXCEPTIONS:
        assert key in statements, f"stale exception {key}"
        assert statements[key]["resources"] == ["*"]
    assert statements[("ecs_execution", "EcrAuth")]["actions"] == ["ecr:GetAuthorizationToken"]


def _actions(terraform, doc_name):
    doc = terraform.data[("aws_iam_policy_document", doc_name)]
    out: dict[str, set[str]] = {}
    for statement in doc["statement"]:
        assert statement.get("effect", "Allow") == "Allow"
        for action in statement["actions"]:
            out.setdefault(action, set()).update(statement["resources"])
    return out


UPLOADS, OUTPUTS = "${aws_s3_bucket.uploads.arn}", "${aws_s3_bucket.outputs.arn}"
QUEUE, DLQ = "${aws_sqs_queue.layout_jobs.arn}", "${aws_sqs_queue.layout_jobs_dlq.arn}"


def test_api_task_role(terraform):
    actions = _actions(terraform, "ecs_task")
    assert actions["sqs:SendMessage"] == {QUEUE}
    # The admin Ops view reads and redrives dead letters, but never consumes layout jobs.
    assert actions["sqs:ReceiveMessage"] == {DLQ}
    assert actions["sqs:DeleteMessage"] == {DLQ}
    assert "sqs:PurgeQueue" not in actions
    assert actions["s3:GetObject"] == {f"{UPLOADS}/*", f"{OUTPUTS}/*"}
    assert actions["s3:PutObject"] == {f"{UPLOADS}/*", f"{OUTPUTS}/*"}
    _no_foreign_services(actions)


def test_worker_task_role(terraform):
    actions = _actions(terraform, "ecs_worker_task")
    for verb in ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes"):
        assert QUEUE in actions[f"sqs:{verb}"], verb
    assert actions["sqs:SendMessage"] == {QUEUE}  # requeues layouts whose worker died, never the DLQ
    assert actions["sqs:ReceiveMessage"] == {QUEUE}  # never consumes the DLQ
    assert actions["s3:GetObject"] == {f"{UPLOADS}/*", f"{OUTPUTS}/*"}
    assert actions["s3:PutObject"] == {f"{OUTPUTS}/*"}  # uploads are read-only for the worker
    assert actions["s3:DeleteObject"] == {f"{OUTPUTS}/*"}
    _no_foreign_services(actions)


def _no_foreign_services(actions):
    # C-07: no EC2, RDS or IAM rights on the task roles.
    services = {action.split(":")[0] for action in actions}
    assert services <= {"sqs", "s3", "kms"}, services


def test_ops_task_role(terraform):
    actions = _actions(terraform, "ecs_ops_task")
    for verb in ("ReceiveMessage", "DeleteMessage", "SendMessage", "PurgeQueue", "GetQueueAttributes"):
        assert actions[f"sqs:{verb}"] == {QUEUE, DLQ}, verb
    assert "s3:GetObject" not in actions and "s3:PutObject" not in actions  # lifecycle rules only
    assert actions["s3:PutLifecycleConfiguration"] == {UPLOADS, OUTPUTS}
    _no_foreign_services(actions)
    definition = terraform.resource("aws_ecs_task_definition", "ops")
    assert definition["task_role_arn"] == "${aws_iam_role.ecs_ops_task.arn}"


@pytest.mark.parametrize(
    "role", ["ecs_execution", "ecs_worker_execution", "ecs_task", "ecs_worker_task", "ecs_ops_task"]
)
def test_task_roles_trust_only_ecs_tasks_of_this_account(terraform, role):
    assert terraform.resource("aws_iam_role", role)["assume_role_policy"] == (
        "${data.aws_iam_policy_document.ecs_tasks_assume.json}"
    )
    [statement] = terraform.data[("aws_iam_policy_document", "ecs_tasks_assume")]["statement"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}]
    assert statement["condition"][0]["variable"] == "aws:SourceAccount"


def test_services_use_their_own_roles(terraform):
    api = terraform.resource("aws_ecs_task_definition", "api")
    worker = terraform.resource("aws_ecs_task_definition", "worker")
    assert api["task_role_arn"] == "${aws_iam_role.ecs_task.arn}"
    assert api["execution_role_arn"] == "${aws_iam_role.ecs_execution.arn}"
    assert worker["task_role_arn"] == "${aws_iam_role.ecs_worker_task.arn}"
    assert worker["execution_role_arn"] == "${aws_iam_role.ecs_worker_execution.arn}"
