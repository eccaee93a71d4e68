from offline_aws.pytest_plugin import authorized_aws, aws, offline_aws  # noqa: F401 (fixtures)
