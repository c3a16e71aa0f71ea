# configs/checks.go: a check block needs at least one assert.
check "empty" {
}
