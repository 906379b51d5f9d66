# Inputs. Only `environment`, `acm_certificate_arn` and `image_tag` have no default.

# --- naming and region ---------------------------------------------------------------

variable "project" {
  description = "Prefix of every resource name."
  type        = string
  default     = "pacifico-layouts"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,16}$", var.project))
    error_message = "project: at most 17 lower-case letters, digits or dashes (ALB names are limited to 32)."
  }
}

variable "environment" {
  description = "Deployment name: dev, staging or prod. Part of every resource name."
  type        = string

  # At most 10 characters: ALB and target group names (32 characters) carry "<project>-<environment>-…".
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,9}$", var.environment))
    error_message = "environment: 2-10 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "aws_region" {
  description = "AWS region of the whole stack."
  type        = string
  default     = "us-east-1"
}

# --- network -------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into /20 public and private subnets."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread subnets over (2 or 3)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count: 2 or 3."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper, for dev) instead of one per AZ."
  type        = bool
  default     = false
}

variable "flow_logs_retention_days" {
  description = "Retention of the VPC flow log group [days]."
  type        = number
  default     = 365
}

# --- load balancer, TLS, WAF ---------------------------------------------------------

variable "acm_certificate_arn" {
  description = "ARN of the ACM certificate (in aws_region) for the ALB's HTTPS listener."
  type        = string
}

variable "alb_ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "deletion_protection" {
  description = "Protect the ALB and the database from deletion (turn off only to tear down a test stack)."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "WAF rate-based rule: requests from one IP per 5-minute window before it is blocked."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100
    error_message = "waf_rate_limit: AWS WAF's minimum is 100."
  }
}

# --- container image and tasks -------------------------------------------------------

variable "image_tag" {
  description = "Tag of the backend image in the stack's ECR repository (tags are immutable: use the git SHA)."
  type        = string
}

variable "container_image" {
  description = "Full image reference to run instead of <ecr repo>:<image_tag> (optional)."
  type        = string
  default     = null
}

variable "api_cpu" {
  description = "API task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 512
}

variable "api_memory" {
  description = "API task memory [MiB]."
  type        = number
  default     = 1024
}

variable "api_desired_count" {
  description = "Number of API tasks."
  type        = number
  default     = 2
}

variable "worker_cpu" {
  description = "Worker task CPU units (1024 = 1 vCPU). Layout generation is CPU-bound."
  type        = number
  default     = 1024
}

variable "worker_memory" {
  description = "Worker task memory [MiB]."
  type        = number
  default     = 4096
}

variable "worker_min_tasks" {
  description = "Fewest worker tasks auto-scaling keeps (0 lets an idle environment scale to zero)."
  type        = number
  default     = 1
}

variable "worker_max_tasks" {
  description = "Most worker tasks auto-scaling starts."
  type        = number
  default     = 4

  validation {
    condition     = var.worker_max_tasks >= 1
    error_message = "worker_max_tasks: at least 1."
  }
}

variable "worker_scale_out_messages" {
  description = "Visible messages in the job queue at which the worker service adds a task."
  type        = number
  default     = 3
}

variable "log_retention_days" {
  description = "Retention of the ECS log groups [days]."
  type        = number
  default     = 365
}

variable "log_level" {
  description = "LOG_LEVEL of the API and worker."
  type        = string
  default     = "INFO"
}

variable "cors_origins" {
  description = "CORS_ORIGINS of the API. Empty: the CloudFront URL of the frontend only."
  type        = list(string)
  default     = []
}

variable "extra_environment" {
  description = "Additional plain environment variables for both API and worker (e.g. DEM_SOURCE)."
  type        = map(string)
  default     = {}
}

# --- database ------------------------------------------------------------------------

variable "db_engine_version" {
  description = "PostgreSQL major version."
  type        = string
  default     = "16"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage" {
  description = "Initial database storage [GiB]. Also the base of the free-storage alarm."
  type        = number
  default     = 50
}

variable "db_max_allocated_storage" {
  description = "Upper limit of RDS storage auto-scaling [GiB]."
  type        = number
  default     = 200
}

variable "db_name" {
  description = "Database name."
  type        = string
  default     = "sitelayouts"
}

variable "db_username" {
  description = "Master user name."
  type        = string
  default     = "sitelayouts"
}

variable "db_multi_az" {
  description = "Run a standby in a second AZ."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Automated backup retention [days]."
  type        = number
  default     = 14
}

# --- frontend, auth, alerts ----------------------------------------------------------

variable "frontend_aliases" {
  description = "Custom domain names of the frontend distribution (need frontend_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "frontend_certificate_arn" {
  description = "ACM certificate in us-east-1 for frontend_aliases. Null: the cloudfront.net certificate."
  type        = string
  default     = null
}

variable "cognito_callback_urls" {
  description = "OAuth callback URLs of the frontend. Empty: the CloudFront URL + /auth/callback."
  type        = list(string)
  default     = []
}

variable "cognito_logout_urls" {
  description = "Sign-out URLs of the frontend. Empty: the CloudFront URL."
  type        = list(string)
  default     = []
}

variable "alerts_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the e-mail AWS sends). Empty: none."
  type        = string
  default     = ""
}

variable "logs_bucket_retention_days" {
  description = "Expiry of ALB, CloudFront, S3 access and CloudTrail logs in the logs bucket [days]."
  type        = number
  default     = 365
}

variable "bucket_name_suffix" {
  description = "Appended to every bucket name when the default names are taken (S3 names are global), e.g. \"-a1b2\"."
  type        = string
  default     = ""
}
