# The provider meta-argument naming an alias that no provider block declares.
resource "null_resource" "a" {
  provider = null.nowhere
}
