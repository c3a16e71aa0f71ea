provider "aws" {}
