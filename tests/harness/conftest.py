from offline_aws.pytest_plugin import aws, offline_aws  # noqa: F401 (fixtures)
