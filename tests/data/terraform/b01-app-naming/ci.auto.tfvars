owner = "ci-pipeline"
