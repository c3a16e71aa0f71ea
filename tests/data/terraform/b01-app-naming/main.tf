resource "terraform_data" "naming" {
  input = {
    prefix = local.name_prefix
    tags   = local.common_tags
  }
}

resource "null_resource" "release_marker" {
  triggers = {
    prefix = local.name_prefix
    owner  = local.common_tags["Owner"]
  }
}
