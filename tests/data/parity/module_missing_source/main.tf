# A module call needs a source.
module "m" {
  name = "x"
}
