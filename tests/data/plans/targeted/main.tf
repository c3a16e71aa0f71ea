resource "terraform_data" "base" {
  input = "base"
}

resource "terraform_data" "app" {
  input = terraform_data.base.output
}

resource "terraform_data" "other" {
  input = "other"
}
