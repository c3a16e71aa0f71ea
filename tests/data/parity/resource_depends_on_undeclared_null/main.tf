# The issue's example: depends_on naming a null_resource that is not declared.
resource "terraform_data" "wait" {
  depends_on = [null_resource.previous]
}
