# Principals and conditions are objects with sorted keys; a lone "*"
# principal is "*"; the Go encoder's HTML-safe escaping of <, > and &.
data "aws_iam_policy_document" "doc" {
  policy_id = "trust"

  statement {
    sid     = "AssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com", "lambda.amazonaws.com"]
    }

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/ci"]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = ["a<b>&c"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }

  statement {
    effect        = "Deny"
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:iam::123456789012:role/admin"]

    not_principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
