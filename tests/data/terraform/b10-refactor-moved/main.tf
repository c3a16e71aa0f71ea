module "orders_queue" {
  source = "./modules/queue"
  name   = "orders"
}

resource "terraform_data" "topic" {
  input = "order-events"
}
