services = {
  api = {
    port     = 8080
    replicas = 3
    public   = true
    team     = "core"
    env_vars = { LOG_LEVEL = "info" }
  }
  worker = {
    port = 9090
    team = "core"
  }
  billing = {
    port     = 8081
    replicas = 2
    team     = "payments"
  }
}
