"""The time window of cloudwatch_logs_query (module_utils/logs.py): now, relative and ISO 8601 times."""

import datetime

import pytest

from ansible_collections.mlops.aws_deploy.plugins.module_utils import logs

NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("value, expected", [
    ("now", NOW),
    ("-15m", NOW - datetime.timedelta(minutes=15)),
    ("-2h", NOW - datetime.timedelta(hours=2)),
    ("-1d", NOW - datetime.timedelta(days=1)),
    ("2026-12-01T09:30:00Z", datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)),
    ("2026-12-01T09:30:00", datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)),
])
def test_the_window_takes_now_relative_and_iso_times(value, expected):
    assert logs.parse_time(value, NOW) == int(expected.timestamp() * 1000)
