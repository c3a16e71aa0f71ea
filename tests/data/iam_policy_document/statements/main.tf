# The example of Terraform's documentation for aws_iam_policy_document:
# sets of one are strings, of several reverse-sorted lists, condition
# values keep their order, and &{…} becomes ${…}.
data "aws_iam_policy_document" "doc" {
  statement {
    sid       = "1"
    actions   = ["s3:ListAllMyBuckets", "s3:GetBucketLocation"]
    resources = ["arn:aws:s3:::*"]
  }

  statement {
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::mybucket"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["", "home/", "home/&{aws:username}/"]
    }
  }

  statement {
    actions = ["s3:*"]
    resources = [
      "arn:aws:s3:::mybucket/home/&{aws:username}",
      "arn:aws:s3:::mybucket/home/&{aws:username}/*",
    ]
  }
}
