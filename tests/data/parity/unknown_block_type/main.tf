# A top-level block type Terraform does not have.
resrouce "terraform_data" "a" {
}
