module "pool" {
  source = "./modules/worker-pool"
  count  = var.pool_count

  name  = "pool-${count.index}"
  size  = 2
}

output "pool_names" {
  value = module.pool[*].name
}
