variable "clusters" {
  type = map(object({ endpoint = string }))
}

resource "local_file" "kubeconfig" {
  for_each = var.clusters
  filename = "${path.module}/out/${each.key}.kubeconfig"
  content  = <<-EOT
    apiVersion: v1
    kind: Config
    clusters:
      - name: ${each.key}
        cluster:
          server: ${each.value.endpoint}
  EOT
}

output "files" {
  value = sort([for f in local_file.kubeconfig : basename(f.filename)])
}
