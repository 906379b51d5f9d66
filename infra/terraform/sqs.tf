# C-01: the layout job queue and its dead-letter queue.
# A message becomes invisible for 300 s when a worker receives it (the worker extends this with a
# heartbeat while it runs); after 3 receives without a delete it moves to the DLQ.

locals {
  queue_visibility_timeout_s = 300     # 5 minutes; matches VISIBILITY_TIMEOUT_S in the app
  queue_retention_s          = 345600  # 4 days
  dlq_retention_s            = 1209600 # 14 days
  queue_max_receive_count    = 3       # matches MAX_RECEIVE_COUNT in the app
}

resource "aws_sqs_queue" "layout_jobs_dlq" {
  name                      = "${local.name}-layout-jobs-dlq"
  message_retention_seconds = local.dlq_retention_s
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "layout_jobs" {
  name                       = "${local.name}-layout-jobs"
  visibility_timeout_seconds = local.queue_visibility_timeout_s
  message_retention_seconds  = local.queue_retention_s
  receive_wait_time_seconds  = 20 # long polling
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.layout_jobs_dlq.arn
    maxReceiveCount     = local.queue_max_receive_count
  })
}

# Only the job queue may use the DLQ as its dead-letter target.
resource "aws_sqs_queue_redrive_allow_policy" "layout_jobs_dlq" {
  queue_url = aws_sqs_queue.layout_jobs_dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.layout_jobs.arn]
  })
}

# Refuse plain-HTTP access to both queues.
resource "aws_sqs_queue_policy" "layout_jobs" {
  queue_url = aws_sqs_queue.layout_jobs.id
  policy    = data.aws_iam_policy_document.sqs_tls_only["layout_jobs"].json
}

resource "aws_sqs_queue_policy" "layout_jobs_dlq" {
  queue_url = aws_sqs_queue.layout_jobs_dlq.id
  policy    = data.aws_iam_policy_document.sqs_tls_only["layout_jobs_dlq"].json
}

data "aws_iam_policy_document" "sqs_tls_only" {
  for_each = {
    layout_jobs     = aws_sqs_queue.layout_jobs.arn
    layout_jobs_dlq = aws_sqs_queue.layout_jobs_dlq.arn
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
