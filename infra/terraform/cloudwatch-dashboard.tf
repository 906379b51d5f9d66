# C-08: one CloudWatch dashboard with the queue, the services, the load balancer and the database.

locals {
  sqs_queue_name = aws_sqs_queue.layout_jobs.name
  sqs_dlq_name   = aws_sqs_queue.layout_jobs_dlq.name
  cluster_name   = aws_ecs_cluster.main.name
  db_identifier  = aws_db_instance.main.identifier

  dashboard_widgets = [
    {
      type   = "metric"
      x      = 0
      y      = 0
      width  = 12
      height = 6
      properties = {
        title  = "Layout job queue"
        region = local.region
        stat   = "Maximum"
        period = 60
        view   = "timeSeries"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.sqs_queue_name, { label = "waiting" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", local.sqs_queue_name, { label = "in progress" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.sqs_dlq_name, { label = "dead-letter" }],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", local.sqs_queue_name, { label = "oldest [s]", yAxis = "right" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 0
      width  = 12
      height = 6
      properties = {
        title  = "Running tasks"
        region = local.region
        stat   = "Average"
        period = 60
        view   = "timeSeries"
        metrics = [
          ["ECS/ContainerInsights", "RunningTaskCount", "ServiceName", aws_ecs_service.api.name, "ClusterName", local.cluster_name, { label = "api" }],
          ["ECS/ContainerInsights", "RunningTaskCount", "ServiceName", aws_ecs_service.worker.name, "ClusterName", local.cluster_name, { label = "worker" }],
          [local.task_failure_namespace, "EcsTaskFailures", { stat = "Sum", label = "task failures", yAxis = "right" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 6
      width  = 12
      height = 6
      properties = {
        title  = "ECS CPU and memory [%]"
        region = local.region
        stat   = "Average"
        period = 300
        view   = "timeSeries"
        metrics = [
          ["AWS/ECS", "CPUUtilization", "ServiceName", aws_ecs_service.api.name, "ClusterName", local.cluster_name, { label = "api CPU" }],
          ["AWS/ECS", "CPUUtilization", "ServiceName", aws_ecs_service.worker.name, "ClusterName", local.cluster_name, { label = "worker CPU" }],
          ["AWS/ECS", "MemoryUtilization", "ServiceName", aws_ecs_service.api.name, "ClusterName", local.cluster_name, { label = "api memory" }],
          ["AWS/ECS", "MemoryUtilization", "ServiceName", aws_ecs_service.worker.name, "ClusterName", local.cluster_name, { label = "worker memory" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 6
      width  = 12
      height = 6
      properties = {
        title  = "Load balancer"
        region = local.region
        period = 60
        view   = "timeSeries"
        metrics = [
          ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", aws_lb.api.arn_suffix, { stat = "Sum", label = "requests" }],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", aws_lb.api.arn_suffix, { stat = "Sum", label = "5xx" }],
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", aws_lb.api.arn_suffix, { stat = "p95", label = "p95 latency [s]", yAxis = "right" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 12
      width  = 12
      height = 6
      properties = {
        title  = "Database"
        region = local.region
        stat   = "Average"
        period = 300
        view   = "timeSeries"
        metrics = [
          ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", local.db_identifier, { label = "CPU [%]" }],
          ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", local.db_identifier, { label = "connections" }],
          ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", local.db_identifier, { label = "free storage [bytes]", yAxis = "right" }],
        ]
      }
    },
    {
      type   = "alarm"
      x      = 12
      y      = 12
      width  = 12
      height = 6
      properties = {
        title = "Alarms"
        alarms = [
          aws_cloudwatch_metric_alarm.queue_depth.arn,
          aws_cloudwatch_metric_alarm.dlq_depth.arn,
          aws_cloudwatch_metric_alarm.ecs_task_failures.arn,
          aws_cloudwatch_metric_alarm.rds_cpu.arn,
          aws_cloudwatch_metric_alarm.rds_free_storage.arn,
        ]
      }
    },
    {
      type   = "log"
      x      = 0
      y      = 18
      width  = 24
      height = 6
      properties = {
        title  = "Recent worker errors"
        region = local.region
        view   = "table"
        query  = "SOURCE '${aws_cloudwatch_log_group.worker.name}' | fields @timestamp, @message | filter level = 'ERROR' or @message like /ERROR/ | sort @timestamp desc | limit 50"
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "${local.name}-overview"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
