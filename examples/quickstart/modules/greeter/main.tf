variable "lines" {
  type = list(string)
}

variable "filename" {
  type = string
}

resource "local_file" "greeting" {
  filename        = var.filename
  content         = "${join("\n", var.lines)}\n"
  file_permission = "0644"
}

output "filename" {
  value = local_file.greeting.filename
}
