output "queue_names" {
  value = sort([for q in terraform_data.queue : q.input.name])
}

output "dead_letter_queues" {
  value = [for d in null_resource.dead_letter : d.triggers.queue]
}
