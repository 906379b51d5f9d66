# Values for deployment scripts, the frontend build and the runbook (docs/deploy.md).

output "alb_dns_name" {
  description = "DNS name of the API load balancer: point the API's domain (CNAME/alias) here."
  value       = aws_lb.api.dns_name
}

output "frontend_url" {
  description = "URL of the frontend."
  value       = local.frontend_url
}

output "cloudfront_distribution_id" {
  description = "For cache invalidations after a frontend deploy."
  value       = aws_cloudfront_distribution.frontend.id
}

output "ecr_repository_url" {
  description = "Push the backend image here (tag = image_tag)."
  value       = aws_ecr_repository.backend.repository_url
}

output "ecs_cluster_name" {
  value = aws_ecs_cluster.main.name
}

output "ecs_api_service_name" {
  value = aws_ecs_service.api.name
}

output "ecs_worker_service_name" {
  value = aws_ecs_service.worker.name
}

output "ecs_task_role_arn" {
  description = "API task role."
  value       = aws_iam_role.ecs_task.arn
}

output "ecs_worker_task_role_arn" {
  description = "Worker task role."
  value       = aws_iam_role.ecs_worker_task.arn
}

output "sqs_layout_jobs_queue_url" {
  value = aws_sqs_queue.layout_jobs.url
}

output "sqs_layout_jobs_queue_arn" {
  value = aws_sqs_queue.layout_jobs.arn
}

output "sqs_layout_jobs_dlq_url" {
  value = aws_sqs_queue.layout_jobs_dlq.url
}

output "s3_uploads_bucket" {
  value = aws_s3_bucket.uploads.id
}

output "s3_outputs_bucket" {
  value = aws_s3_bucket.outputs.id
}

output "s3_frontend_bucket" {
  value = aws_s3_bucket.frontend.id
}

output "rds_endpoint" {
  description = "Database host:port (private)."
  value       = aws_db_instance.main.endpoint
}

output "database_url_secret_arn" {
  value = aws_secretsmanager_secret.database_url.arn
}

output "oidc_issuer" {
  value = local.cognito_issuer
}

output "oidc_client_id" {
  description = "Cognito app client id (OIDC_AUDIENCE; the frontend's client_id)."
  value       = aws_cognito_user_pool_client.frontend.id
}

output "cognito_hosted_ui_domain" {
  value = "https://${aws_cognito_user_pool_domain.main.domain}.auth.${local.region}.amazoncognito.com"
}

output "alerts_topic_arn" {
  description = "SNS topic of the alarms (subscribe more endpoints here)."
  value       = aws_sns_topic.alerts.arn
}

output "dashboard_url" {
  value = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards:name=${aws_cloudwatch_dashboard.main.dashboard_name}"
}
