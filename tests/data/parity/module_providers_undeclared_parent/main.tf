# A providers map naming a configuration the caller does not have.
module "m" {
  source = "./child"
  providers = {
    null = null.nowhere
  }
}
