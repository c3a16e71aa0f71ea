resource "terraform_data" "l" {
  input = { l = ["a", "b", "x", "d", "e"], nested = { deep = { x = 1, y = [true, true] } }, plain = "same" }
}
