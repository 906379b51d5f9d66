# IAM roles, least privilege: every Allow names its actions and resources.
# The only Resource "*" is ecr:GetAuthorizationToken, which has no resource-level form.
#
#   ecs_execution / ecs_worker_execution  ECS agent: pull the image, write logs, read the two secrets
#   ecs_task        (API)                 queue: send; uploads: read/write; outputs: read/write
#   ecs_worker_task (worker)              queue: receive/delete/change visibility; uploads: read;
#                                         outputs: read/write
#   flow_logs, rds_monitoring, cloudtrail service roles

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# --- execution roles (used by the ECS agent, not by the app) -------------------------

resource "aws_iam_role" "ecs_execution" {
  name               = "${local.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "ecs_execution" {
  name   = "${local.name}-ecs-execution"
  role   = aws_iam_role.ecs_execution.id
  policy = data.aws_iam_policy_document.ecs_execution["api"].json
}

resource "aws_iam_role" "ecs_worker_execution" {
  name               = "${local.name}-ecs-worker-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "ecs_worker_execution" {
  name   = "${local.name}-ecs-worker-execution"
  role   = aws_iam_role.ecs_worker_execution.id
  policy = data.aws_iam_policy_document.ecs_execution["worker"].json
}

data "aws_iam_policy_document" "ecs_execution" {
  for_each = {
    api    = aws_cloudwatch_log_group.api.arn
    worker = aws_cloudwatch_log_group.worker.arn
  }

  statement {
    sid = "EcrAuth"
    # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "EcrPull"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [aws_ecr_repository.backend.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${each.value}:log-stream:*"]
  }

  statement {
    sid       = "Secrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.database_url.arn, aws_secretsmanager_secret.jwt_secret.arn]
  }

  statement {
    sid       = "DecryptSecretsAndImage"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.main.arn]
  }
}

# --- API task role -------------------------------------------------------------------

resource "aws_iam_role" "ecs_task" {
  name               = "${local.name}-ecs-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "ecs_task" {
  name   = "${local.name}-ecs-task"
  role   = aws_iam_role.ecs_task.id
  policy = data.aws_iam_policy_document.ecs_task.json
}

data "aws_iam_policy_document" "ecs_task" {
  statement {
    sid       = "EnqueueLayoutJobs"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.layout_jobs.arn]
  }

  # The admin Ops view: look at dead letters (receive with visibility 0) and redrive them.
  statement {
    sid       = "AdminDeadLetters"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]
    resources = [aws_sqs_queue.layout_jobs_dlq.arn]
  }

  # Read-only: queue and DLQ depth for /metrics and /health/ready.
  statement {
    sid       = "QueueDepth"
    actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    resources = [aws_sqs_queue.layout_jobs.arn, aws_sqs_queue.layout_jobs_dlq.arn]
  }

  # ListBucket lets a missing key answer 404 instead of 403 (Storage.exists / list / delete_prefix).
  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.uploads.arn, aws_s3_bucket.outputs.arn]
  }

  statement {
    sid       = "ReadWriteUploads"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/*"]
  }

  statement {
    sid       = "ReadWriteOutputs"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.outputs.arn}/*"]
  }

  # The buckets are SSE-KMS with the stack key.
  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

# --- ops task role (one-off `sitelayouts ops …` tasks) ---------------------------------

resource "aws_iam_role" "ecs_ops_task" {
  name               = "${local.name}-ecs-ops-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "ecs_ops_task" {
  name   = "${local.name}-ecs-ops-task"
  role   = aws_iam_role.ecs_ops_task.id
  policy = data.aws_iam_policy_document.ecs_ops_task.json
}

data "aws_iam_policy_document" "ecs_ops_task" {
  # status, dlq list/redrive/purge, queue purge, requeue-stuck, layouts retry.
  statement {
    sid = "OperateQueues"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
      "sqs:PurgeQueue",
    ]
    resources = [aws_sqs_queue.layout_jobs.arn, aws_sqs_queue.layout_jobs_dlq.arn]
  }

  # storage lifecycle apply (the C-06 rules) and storage checks.
  statement {
    sid       = "BucketLifecycle"
    actions   = ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.uploads.arn, aws_s3_bucket.outputs.arn]
  }

  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

# --- worker task role ----------------------------------------------------------------

resource "aws_iam_role" "ecs_worker_task" {
  name               = "${local.name}-ecs-worker-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy" "ecs_worker_task" {
  name   = "${local.name}-ecs-worker-task"
  role   = aws_iam_role.ecs_worker_task.id
  policy = data.aws_iam_policy_document.ecs_worker_task.json
}

data "aws_iam_policy_document" "ecs_worker_task" {
  statement {
    sid = "ConsumeLayoutJobs"
    # SendMessage: workers requeue layouts whose worker died (stale heartbeat).
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
    ]
    resources = [aws_sqs_queue.layout_jobs.arn]
  }

  statement {
    sid       = "DlqDepth"
    actions   = ["sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.layout_jobs_dlq.arn]
  }

  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.uploads.arn, aws_s3_bucket.outputs.arn]
  }

  statement {
    sid       = "ReadUploads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/*"]
  }

  statement {
    sid       = "ReadWriteOutputs"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.outputs.arn}/*"]
  }

  statement {
    sid       = "BucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.main.arn]
  }
}

# --- VPC flow logs -------------------------------------------------------------------

resource "aws_iam_role" "flow_logs" {
  name               = "${local.name}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "${local.name}-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [
      aws_cloudwatch_log_group.flow_logs.arn,
      "${aws_cloudwatch_log_group.flow_logs.arn}:log-stream:*",
    ]
  }
}

# --- RDS enhanced monitoring ---------------------------------------------------------

resource "aws_iam_role" "rds_monitoring" {
  name               = "${local.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# --- CloudTrail to CloudWatch Logs ---------------------------------------------------

resource "aws_iam_role" "cloudtrail" {
  name               = "${local.name}-cloudtrail"
  assume_role_policy = data.aws_iam_policy_document.cloudtrail_assume.json
}

data "aws_iam_policy_document" "cloudtrail_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.cloudtrail_arn]
    }
  }
}

resource "aws_iam_role_policy" "cloudtrail" {
  name   = "${local.name}-cloudtrail"
  role   = aws_iam_role.cloudtrail.id
  policy = data.aws_iam_policy_document.cloudtrail_logs.json
}

data "aws_iam_policy_document" "cloudtrail_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.cloudtrail.arn}:log-stream:*"]
  }
}
