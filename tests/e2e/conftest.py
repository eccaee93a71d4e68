from tests.e2e.stack import stack  # noqa: F401 (the fixture)
