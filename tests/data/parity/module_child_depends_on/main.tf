# depends_on inside a called module names that module's own objects.
module "m" {
  source = "./child"
}
