# Terraform and provider versions, the AWS provider and values shared by every file.

terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
  }

  # State lives in S3 in a real deployment; pass the settings at init time:
  #   terraform init -backend-config="bucket=…" -backend-config="key=site-layouts/dev.tfstate" \
  #                  -backend-config="region=us-east-1" -backend-config="dynamodb_table=…"
  backend "s3" {}
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:local.azs takes the first var.az_count zones in name order; a zone AWS adds later sorts after them and does not change the selection.
  state = "available"
}

locals {
  # Every resource name starts with this, e.g. pacifico-layouts-dev-layout-jobs.
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  azs        = slice(data.aws_availability_zones.available.names, 0, var.az_count)
}
