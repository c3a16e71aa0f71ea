resource "random_id" "suffix" {
  byte_length = 2
}

resource "terraform_data" "a" {
  for_each = toset([random_id.suffix.hex])
  input    = each.key
}
