from offline_aws.pytest_plugin import authorized_aws, aws, iam_propagation, offline_aws  # noqa: F401 (fixtures)
