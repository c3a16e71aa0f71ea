resource "terraform_data" "single" {
  input = "hello"
}

resource "terraform_data" "counted" {
  count = 2
  input = {
    index = count.index
    name  = "item-${count.index}"
  }
}

resource "null_resource" "each" {
  for_each = toset(["a", "b c"])
  triggers = {
    key = each.key
    dep = terraform_data.single.id
  }
}

resource "terraform_data" "secret" {
  input = sensitive("s3cret-token-value")
}

resource "terraform_data" "replaced" {
  triggers_replace = [terraform_data.single.id]
  lifecycle {
    create_before_destroy = true
  }
}

module "app" {
  source = "./modules/app"
  name   = "app"
}

output "single_id" {
  value = terraform_data.single.id
}

output "secret" {
  value     = terraform_data.secret.output
  sensitive = true
}
