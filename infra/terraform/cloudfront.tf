# The frontend: a private S3 bucket (s3.tf) behind CloudFront with origin access control.
# The React app routes on the client, so 403/404 from S3 return index.html.

resource "aws_cloudfront_origin_access_control" "frontend" {
  name                              = "${local.name}-frontend"
  description                       = "CloudFront reads the frontend bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name = "${local.name}-security-headers"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}

data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

resource "aws_cloudfront_distribution" "frontend" {
  #checkov:skip=CKV_AWS_68:Static files only; the API (the only dynamic endpoint) has its own WAF on the ALB (waf.tf). A CloudFront WAF would have to live in us-east-1.
  #checkov:skip=CKV2_AWS_47:Same as CKV_AWS_68: no WAF on the static distribution; the Log4j rule set guards the API.
  #checkov:skip=CKV_AWS_310:One S3 origin in one region; its availability is S3's and the edge cache's.
  #checkov:skip=CKV_AWS_374:The product serves users in any country; no geo restriction.
  #checkov:skip=CKV_AWS_174:TLS 1.2 is enforced when frontend_certificate_arn is given; the default *.cloudfront.net certificate cannot set a minimum.
  #checkov:skip=CKV2_AWS_42:A custom domain and certificate are optional (frontend_aliases, frontend_certificate_arn).
  enabled             = true
  is_ipv6_enabled     = true
  comment             = "${local.name} frontend"
  default_root_object = "index.html"
  price_class         = "PriceClass_100"
  aliases             = var.frontend_aliases

  origin {
    origin_id                = "frontend-s3"
    domain_name              = aws_s3_bucket.frontend.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.frontend.id
  }

  default_cache_behavior {
    target_origin_id           = "frontend-s3"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
  }

  custom_error_response {
    error_code            = 403
    response_code         = 200
    response_page_path    = "/index.html"
    error_caching_min_ttl = 10
  }

  custom_error_response {
    error_code            = 404
    response_code         = 200
    response_page_path    = "/index.html"
    error_caching_min_ttl = 10
  }

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.frontend_certificate_arn == null
    acm_certificate_arn            = var.frontend_certificate_arn
    ssl_support_method             = var.frontend_certificate_arn == null ? null : "sni-only"
    # The cloudfront.net certificate always negotiates from TLSv1; a custom one enforces TLS 1.2.
    minimum_protocol_version = var.frontend_certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }

  depends_on = [aws_s3_bucket_ownership_controls.logs]
}
