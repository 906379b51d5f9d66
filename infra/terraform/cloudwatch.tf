# C-08: ECS log groups, the alarm topic and the five alarms.
#
#   queue depth      > 10 visible messages                  backlog: workers behind or down
#   DLQ depth        > 5 messages                           jobs failed 3 receives in a row
#   ECS task failures > 2 in 5 minutes                      containers crashing or failing to start
#   RDS CPU          > 80 % for 10 minutes                  database overloaded
#   RDS free storage < 10 % of allocated storage            running out of disk
#
# docs/deploy.md says what each alarm means and what to do; deploy/prometheus/alerts.yml mirrors them.

resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${local.name}-worker"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# --- alarm topic ---------------------------------------------------------------------

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "alerts_email" {
  count = var.alerts_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alerts_email
}

locals {
  alarm_actions          = [aws_sns_topic.alerts.arn]
  task_failure_namespace = "SiteLayouts/${var.environment}"
}

# --- SQS (C-01) ----------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "queue_depth" {
  alarm_name          = "${local.name}-queue-depth-high"
  alarm_description   = "More than 10 layout jobs waiting: processing backlog. Check worker logs; scale workers."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.layout_jobs.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${local.name}-dlq-depth-high"
  alarm_description   = "More than 5 layout jobs in the dead-letter queue: repeated job failures. Inspect the DLQ messages."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.layout_jobs_dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- ECS task failures ---------------------------------------------------------------
# ECS publishes no "task failed" metric. An EventBridge rule sends every task of this cluster that
# stopped because its essential container exited, or that failed to start, to a log group; a
# metric filter counts them. Tasks stopped by deployments or scale-in are not counted.

resource "aws_cloudwatch_log_group" "ecs_task_failures" {
  name              = "/aws/events/${local.name}-ecs-task-failures"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_event_rule" "ecs_task_failures" {
  name        = "${local.name}-ecs-task-failures"
  description = "API or worker tasks that crashed or failed to start"

  event_pattern = jsonencode({
    source      = ["aws.ecs"]
    detail-type = ["ECS Task State Change"]
    detail = {
      clusterArn = [aws_ecs_cluster.main.arn]
      lastStatus = ["STOPPED"]
      stopCode   = ["EssentialContainerExited", "TaskFailedToStart"]
    }
  })
}

resource "aws_cloudwatch_event_target" "ecs_task_failures" {
  rule = aws_cloudwatch_event_rule.ecs_task_failures.name
  arn  = aws_cloudwatch_log_group.ecs_task_failures.arn
}

# EventBridge writes to the log group through this resource policy.
resource "aws_cloudwatch_log_resource_policy" "events_to_logs" {
  policy_name     = "${local.name}-events-to-logs"
  policy_document = data.aws_iam_policy_document.events_to_logs.json
}

data "aws_iam_policy_document" "events_to_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.ecs_task_failures.arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.ecs_task_failures.arn]
    }
  }
}

resource "aws_cloudwatch_log_metric_filter" "ecs_task_failures" {
  name           = "${local.name}-ecs-task-failures"
  log_group_name = aws_cloudwatch_log_group.ecs_task_failures.name
  pattern        = "{ $.detail.lastStatus = \"STOPPED\" }"

  metric_transformation {
    name          = "EcsTaskFailures"
    namespace     = local.task_failure_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "ecs_task_failures" {
  alarm_name          = "${local.name}-ecs-task-failures"
  alarm_description   = "More than 2 API/worker tasks crashed or failed to start in 5 minutes. Check the stopped tasks' reasons and logs."
  namespace           = local.task_failure_namespace
  metric_name         = "EcsTaskFailures"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- RDS -----------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${local.name}-rds-cpu-high"
  alarm_description   = "Database CPU above 80% for 10 minutes. Look at Performance Insights and the slow query log."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2 # 2 x 5 min = 10 minutes
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

locals {
  # FreeStorageSpace is in bytes; 10 % of the allocated storage [GiB].
  rds_free_storage_alarm_fraction = 0.10
  rds_free_storage_alarm_bytes    = floor(var.db_allocated_storage * local.rds_free_storage_alarm_fraction * 1073741824)
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  alarm_name          = "${local.name}-rds-free-storage-low"
  alarm_description   = "Database free storage below 10% of the allocated storage. Check storage auto-scaling and table/log bloat."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = aws_db_instance.main.identifier }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = local.rds_free_storage_alarm_bytes
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
