# No statement at all: only the default version.
data "aws_iam_policy_document" "doc" {}
