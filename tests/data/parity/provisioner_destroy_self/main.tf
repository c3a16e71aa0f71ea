# A destroy-time provisioner using self, count.index, path, terraform and a for variable.
resource "terraform_data" "d" {
  count = 2
  input = ["a", "b"]
  provisioner "local-exec" {
    when        = destroy
    command     = "echo ${self.id} ${count.index} ${join(",", [for x in self.output : upper(x)])}"
    working_dir = "${path.module}/${terraform.workspace}"
    on_failure  = continue
  }
}
