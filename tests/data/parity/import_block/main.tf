# An import block for a resource in the configuration.
resource "terraform_data" "a" {
}

import {
  to = terraform_data.a
  id = "00000000-0000-0000-0000-000000000000"
}
