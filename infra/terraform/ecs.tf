# ECS on Fargate: one image (ECR), two services.
#   api     uvicorn behind the ALB (the image's default CMD)
#   worker  `python -m app.worker`, scaled on the job queue's depth (C-02)
# Both: stopTimeout 60 s for a graceful SIGTERM (C-09), deployment circuit breaker with rollback.

resource "aws_ecr_repository" "backend" {
  name                 = "${local.name}-backend"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }
}

resource "aws_ecr_lifecycle_policy" "backend" {
  repository = aws_ecr_repository.backend.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 30 most recent images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 30
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_ecs_cluster" "main" {
  name = "${local.name}-cluster"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# --- container definitions (plain HCL here, JSON-encoded in the task definitions) ----

locals {
  image = coalesce(var.container_image, "${aws_ecr_repository.backend.repository_url}:${var.image_tag}")

  cognito_issuer = "https://cognito-idp.${local.region}.amazonaws.com/${aws_cognito_user_pool.main.id}"
  cors_origins   = length(var.cors_origins) > 0 ? var.cors_origins : ["https://${aws_cloudfront_distribution.frontend.domain_name}"]

  # Settings of app/config.py, the same for API and worker.
  app_settings = {
    STORAGE_BACKEND                = "s3"
    S3_UPLOADS_BUCKET              = aws_s3_bucket.uploads.id
    S3_OUTPUTS_BUCKET              = aws_s3_bucket.outputs.id
    AWS_REGION                     = local.region
    QUEUE_BACKEND                  = "sqs"
    SQS_QUEUE_URL                  = aws_sqs_queue.layout_jobs.url
    SQS_DLQ_URL                    = aws_sqs_queue.layout_jobs_dlq.url
    VISIBILITY_TIMEOUT_S           = tostring(local.queue_visibility_timeout_s)
    MAX_RECEIVE_COUNT              = tostring(local.queue_max_receive_count)
    WORKER_SHUTDOWN_GRACE_S        = "50" # inside stopTimeout (60 s), leaving time to release the job
    ENABLE_ASYNC_LAYOUT_GENERATION = "true"
    AUTH_MODE                      = "oidc"
    OIDC_ISSUER                    = local.cognito_issuer
    OIDC_AUDIENCE                  = aws_cognito_user_pool_client.frontend.id
    OIDC_JWKS_URL                  = "${local.cognito_issuer}/.well-known/jwks.json"
    LOG_FORMAT                     = "json"
    LOG_LEVEL                      = var.log_level
    CORS_ORIGINS                   = join(",", local.cors_origins)
  }
  app_environment = merge(var.extra_environment, local.app_settings)

  app_secrets = [
    { name = "DATABASE_URL", valueFrom = aws_secretsmanager_secret.database_url.arn },
    { name = "JWT_SECRET", valueFrom = aws_secretsmanager_secret.jwt_secret.arn },
  ]

  # The root filesystem is read-only; these task-local volumes are the writable places.
  scratch_mounts = [
    { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    { sourceVolume = "var", containerPath = "/app/var", readOnly = false },
  ]

  api_container = {
    name                   = "backend"
    image                  = local.image
    essential              = true
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    portMappings           = [{ containerPort = 8000, hostPort = 8000, protocol = "tcp" }]
    # uvicorn trusts X-Forwarded-For/-Proto from any peer: only the ALB can reach port 8000 (network.tf).
    # Trust X-Forwarded-For only from inside the VPC (the ALB): uvicorn then takes the first
    # address the ALB appended, which a client cannot forge (per-IP rate limits, audit lines).
    environment     = [for k, v in merge(local.app_environment, { FORWARDED_ALLOW_IPS = var.vpc_cidr }) : { name = k, value = v }]
    secrets         = local.app_secrets
    mountPoints     = local.scratch_mounts
    linuxParameters = { initProcessEnabled = true }
    stopTimeout     = 60
    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.api.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "backend"
      }
    }
  }

  worker_container = {
    name                   = "worker"
    image                  = local.image
    essential              = true
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    command                = ["python", "-m", "app.worker"]
    environment            = [for k, v in local.app_environment : { name = k, value = v }]
    secrets                = local.app_secrets
    mountPoints            = local.scratch_mounts
    linuxParameters        = { initProcessEnabled = true }
    stopTimeout            = 60
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.worker.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "worker"
      }
    }
  }
}

# One-off operations (`sitelayouts ops …`, docs/runbook.md): the worker's image and settings,
# run with `aws ecs run-task --overrides` giving the command; its own role may purge and redrive.
locals {
  ops_container = merge(local.worker_container, {
    name        = "ops"
    command     = ["sitelayouts", "ops", "status"]
    stopTimeout = 30
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.worker.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "ops"
      }
    }
  })
}

# --- task definitions ----------------------------------------------------------------

resource "aws_ecs_task_definition" "api" {
  family                   = "${local.name}-api"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.api_cpu
  memory                   = var.api_memory
  execution_role_arn       = aws_iam_role.ecs_execution.arn
  task_role_arn            = aws_iam_role.ecs_task.arn
  container_definitions    = jsonencode([local.api_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  volume {
    name = "var"
  }
}

resource "aws_ecs_task_definition" "ops" {
  family                   = "${local.name}-ops"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.ecs_worker_execution.arn
  task_role_arn            = aws_iam_role.ecs_ops_task.arn
  container_definitions    = jsonencode([local.ops_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  volume {
    name = "var"
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                   = "${local.name}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  execution_role_arn       = aws_iam_role.ecs_worker_execution.arn
  task_role_arn            = aws_iam_role.ecs_worker_task.arn
  container_definitions    = jsonencode([local.worker_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  volume {
    name = "var"
  }
}

# --- services ------------------------------------------------------------------------

resource "aws_ecs_service" "api" {
  name             = "${local.name}-api"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.api.arn
  desired_count    = var.api_desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 60
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.ecs.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "backend"
    container_port   = 8000
  }

  depends_on = [aws_lb_listener.https]
}

resource "aws_ecs_service" "worker" {
  name             = "${local.name}-worker"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.worker.arn
  desired_count    = max(var.worker_min_tasks, 1)
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.ecs.id]
    assign_public_ip = false
  }

  # Auto-scaling owns the task count after creation.
  lifecycle {
    ignore_changes = [desired_count]
  }
}

# --- worker auto-scaling on queue depth ----------------------------------------------
# Step scaling on the job queue's ApproximateNumberOfMessagesVisible:
#   scale out  visible >= worker_scale_out_messages for 1 min: +1 task, +2 from 10 more, +4 from 50 more
#   scale in   nothing visible and nothing in flight for 15 min: -1 task
# (Scaling in only when idle means a stopped worker never abandons a running job.)

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_min_tasks
  max_capacity       = var.worker_max_tasks
}

resource "aws_appautoscaling_policy" "worker_scale_out" {
  name               = "${local.name}-worker-scale-out"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Maximum"

    # Bounds are relative to the alarm threshold (worker_scale_out_messages).
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 10
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = 10
      metric_interval_upper_bound = 50
      scaling_adjustment          = 2
    }

    step_adjustment {
      metric_interval_lower_bound = 50
      scaling_adjustment          = 4
    }
  }
}

resource "aws_appautoscaling_policy" "worker_scale_in" {
  name               = "${local.name}-worker-scale-in"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 300
    metric_aggregation_type = "Maximum"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_scale_out" {
  alarm_name          = "${local.name}-worker-scale-out"
  alarm_description   = "Jobs are waiting: add worker tasks (auto-scaling, not paged)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.layout_jobs.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.worker_scale_out_messages
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_scale_out.arn]
}

resource "aws_cloudwatch_metric_alarm" "worker_scale_in" {
  alarm_name          = "${local.name}-worker-scale-in"
  alarm_description   = "No job waiting or running for 15 minutes: remove a worker task (auto-scaling, not paged)."
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = 0
  evaluation_periods  = 15
  datapoints_to_alarm = 15
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_scale_in.arn]

  metric_query {
    id          = "backlog"
    expression  = "visible + in_flight"
    label       = "Jobs waiting or running"
    return_data = true
  }

  metric_query {
    id = "visible"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.layout_jobs.name }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id = "in_flight"

    metric {
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesNotVisible"
      dimensions  = { QueueName = aws_sqs_queue.layout_jobs.name }
      stat        = "Maximum"
      period      = 60
    }
  }
}
