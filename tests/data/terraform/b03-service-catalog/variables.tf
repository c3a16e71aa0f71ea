variable "services" {
  description = "Every service of the platform and how it is run."
  type = map(object({
    port      = number
    replicas  = optional(number, 1)
    public    = optional(bool, false)
    team      = string
    env_vars  = optional(map(string), {})
  }))
}
