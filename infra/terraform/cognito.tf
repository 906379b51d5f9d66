# OIDC identity provider for AUTH_MODE=oidc: a Cognito user pool and the frontend's app client.
# The API validates RS256 tokens against the pool's JWKS (OIDC_ISSUER / OIDC_JWKS_URL, ecs.tf);
# OIDC_AUDIENCE is the app client id (the `aud` claim of ID tokens).

resource "aws_cognito_user_pool" "main" {
  name = "${local.name}-users"

  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  admin_create_user_config {
    # Accounts are created by an administrator; nobody signs up alone.
    allow_admin_create_user_only = true
  }
}

resource "aws_cognito_user_pool_domain" "main" {
  # The hosted sign-in page: https://<domain>.auth.<region>.amazoncognito.com
  domain       = "${local.name}-${local.account_id}"
  user_pool_id = aws_cognito_user_pool.main.id
}

locals {
  frontend_url          = length(var.frontend_aliases) > 0 ? "https://${var.frontend_aliases[0]}" : "https://${aws_cloudfront_distribution.frontend.domain_name}"
  cognito_callback_urls = length(var.cognito_callback_urls) > 0 ? var.cognito_callback_urls : ["${local.frontend_url}/auth/callback"]
  cognito_logout_urls   = length(var.cognito_logout_urls) > 0 ? var.cognito_logout_urls : [local.frontend_url]
}

resource "aws_cognito_user_pool_client" "frontend" {
  name         = "${local.name}-frontend"
  user_pool_id = aws_cognito_user_pool.main.id

  # A browser app: public client (no secret), authorization code flow with PKCE.
  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = local.cognito_callback_urls
  logout_urls                          = local.cognito_logout_urls
  explicit_auth_flows                  = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true

  id_token_validity      = 60
  access_token_validity  = 60
  refresh_token_validity = 30

  token_validity_units {
    id_token      = "minutes"
    access_token  = "minutes"
    refresh_token = "days"
  }
}
