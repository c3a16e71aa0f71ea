# command: plan
# path.module, path.root and terraform.workspace.
output "where" {
  value = [path.module, path.root, terraform.workspace]
}
