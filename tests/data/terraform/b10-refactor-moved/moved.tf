# The queue used to live in the root module, and the topic had another name.
moved {
  from = null_resource.orders_queue
  to   = module.orders_queue.null_resource.this
}

moved {
  from = terraform_data.events
  to   = terraform_data.topic
}

removed {
  from = terraform_data.legacy_poller

  lifecycle {
    destroy = false
  }
}
