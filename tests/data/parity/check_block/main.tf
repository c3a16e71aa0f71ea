# A check block with an assertion (failures are warnings).
resource "terraform_data" "a" {
  input = "x"
}

check "input_set" {
  assert {
    condition     = terraform_data.a.input != null
    error_message = "The input must be set."
  }
}
