# The stack's customer-managed KMS key and CloudTrail (API audit log).
# WAF is in waf.tf, security groups in network.tf, IAM roles in iam.tf.

resource "aws_kms_key" "main" {
  description             = "${local.name}: S3, RDS, Secrets Manager, CloudWatch Logs, SNS, CloudTrail"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}

# In a key policy, Resource "*" means "this key".
data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key only; the account-root statement is AWS's default key policy, which delegates to IAM.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key only; service principals are limited by source account/ARN or encryption context.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is this key only (a key policy cannot name other resources).
  # The account administers the key through IAM (the default key policy).
  statement {
    sid       = "AccountAdministration"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid    = "CloudWatchLogs"
    effect = "Allow"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }

  # CloudFront (origin access control) decrypts the frontend bucket's objects.
  statement {
    sid       = "CloudFrontFrontend"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "AWS:SourceArn"
      values   = ["arn:${local.partition}:cloudfront::${local.account_id}:distribution/*"]
    }
  }

  statement {
    sid       = "CloudTrailEncrypt"
    effect    = "Allow"
    actions   = ["kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"]
    }
  }

  # CloudWatch alarms publish to the KMS-encrypted SNS topic.
  statement {
    sid       = "CloudWatchAlarmsToSns"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# --- CloudTrail ----------------------------------------------------------------------

locals {
  cloudtrail_name = "${local.name}-trail"
  # Known before the trail exists, so the bucket policy can name it without a cycle.
  cloudtrail_arn = "arn:${local.partition}:cloudtrail:${local.region}:${local.account_id}:trail/${local.cloudtrail_name}"
}

resource "aws_cloudwatch_log_group" "cloudtrail" {
  name              = "/aws/cloudtrail/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudtrail" "main" {
  #checkov:skip=CKV_AWS_252:Trail events are watched through CloudWatch Logs; per-file SNS notices add nothing.
  name                          = local.cloudtrail_name
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = "cloudtrail"
  kms_key_id                    = aws_kms_key.main.arn
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true

  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.cloudtrail.arn}:*"
  cloud_watch_logs_role_arn  = aws_iam_role.cloudtrail.arn

  # Object-level events for the data buckets (who read or wrote a site's files).
  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type = "AWS::S3::Object"
      values = [
        "${aws_s3_bucket.uploads.arn}/",
        "${aws_s3_bucket.outputs.arn}/",
      ]
    }
  }

  depends_on = [aws_s3_bucket_policy.logs]
}
