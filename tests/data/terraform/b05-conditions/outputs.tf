output "nodes" {
  value = terraform_data.node[*].output

  precondition {
    condition     = length(terraform_data.node) == var.instance_count
    error_message = "Every node was planned."
  }
}
