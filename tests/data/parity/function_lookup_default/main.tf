# command: plan
# lookup() with a default, element() wrapping, coalesce and merge.
locals {
  m = { a = 1 }
}

output "all" {
  value = [lookup(local.m, "b", 2), element(["x", "y"], 3), coalesce("", "z"), merge(local.m, { c = 3 })]
}
