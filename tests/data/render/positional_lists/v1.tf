resource "terraform_data" "l" {
  input = { l = ["a", "b", "c", "d"], nested = { deep = { x = 1, y = [true, false] } }, plain = "same" }
}
