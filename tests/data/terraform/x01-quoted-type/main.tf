resource "terraform_data" "zone" {
  count = length(var.zones)
  input = "${var.region}${var.zones[count.index]}"
}
