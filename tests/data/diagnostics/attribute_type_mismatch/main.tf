resource "random_password" "p" {
  length = "twelve"
}

resource "time_sleep" "wait" {
  create_duration = ["1s"]
}
