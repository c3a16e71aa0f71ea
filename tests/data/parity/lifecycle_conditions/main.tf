# precondition and postcondition blocks (self in the postcondition).
variable "name" {
  default = "x"
}

resource "terraform_data" "a" {
  input = var.name

  lifecycle {
    precondition {
      condition     = length(var.name) > 0
      error_message = "The name must not be empty."
    }
    postcondition {
      condition     = self.output == var.name
      error_message = "The output must echo the input."
    }
  }
}
