clusters = {
  staging = { endpoint = "https://staging.k8s.example.com" }
  prod    = { endpoint = "https://prod.k8s.example.com" }
}
