# Source documents first, then the block's statements, then overrides: a
# statement with an earlier Sid replaces it in place. Statements parsed
# from JSON keep their lists as written; principal lists are reverse
# sorted; a boolean condition value becomes a string.
data "aws_iam_policy_document" "source" {
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }

  statement {
    sid       = "SidToOverride"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "override" {
  statement {
    sid       = "SidToOverride"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "doc" {
  source_policy_documents = [data.aws_iam_policy_document.source.json]
  override_policy_documents = [
    data.aws_iam_policy_document.override.json,
    jsonencode({
      Version = "2008-10-17"
      Statement = [{
        Sid       = "Raw"
        Effect    = "Allow"
        Action    = ["logs:PutLogEvents"]
        Resource  = "*"
        Principal = { AWS = ["a", "b"] }
        Condition = { Bool = { "aws:SecureTransport" = true } }
      }]
    }),
  ]

  statement {
    sid       = "Extra"
    actions   = ["sqs:SendMessage"]
    resources = ["*"]
  }
}
