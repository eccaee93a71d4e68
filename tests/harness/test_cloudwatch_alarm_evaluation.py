"""The offline AWS evaluates metric alarms from their metric data, as CloudWatch does, on a short clock.

speedup 60 makes each 60 s period last one wall second, so every wait here is a few seconds and
bounded: each poll loop has a count and a deadline.
"""

import time

import boto3
import pytest
from botocore.exceptions import ClientError

from offline_aws.extensions import cloudwatch_alarm_evaluation as evaluation

DIMENSIONS = [{"Name": "TargetGroup", "Value": "targetgroup/mobileml-local-backend-green/1"}]


def alarm(cloudwatch, name="green-5xx", **overrides):
    settings = dict(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=DIMENSIONS,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=5.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    settings.update(overrides)
    cloudwatch.put_metric_alarm(**{key: value for key, value in settings.items() if value is not None})


def put(cloudwatch, value, metric="HTTPCode_Target_5XX_Count", dimensions=DIMENSIONS):
    cloudwatch.put_metric_data(
        Namespace="AWS/ApplicationELB", MetricData=[{"MetricName": metric, "Dimensions": dimensions, "Value": value}]
    )


def state(cloudwatch, name="green-5xx"):
    found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    return found["StateValue"], found["StateReason"]


def wait_for(cloudwatch, wanted, name="green-5xx", feed=None, seconds=15):
    """Poll (at most `seconds`, 0.25 s apart) until the alarm is in `wanted`; `feed` runs each poll."""
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds * 4)):
        if feed:
            feed()
        current = state(cloudwatch, name)
        if current[0] == wanted or time.monotonic() > deadline:
            return current
        time.sleep(0.25)
    return state(cloudwatch, name)


@pytest.fixture
def cloudwatch(aws):
    yield boto3.client("cloudwatch")
    evaluation.configure(aws.endpoint)  # off again


def test_off_by_default_a_breach_changes_nothing(aws, cloudwatch):
    alarm(cloudwatch)
    for _ in range(3):
        put(cloudwatch, 50)
    time.sleep(1.5)
    assert state(cloudwatch)[0] == "OK"
    assert evaluation.report(aws.endpoint)["evaluations"] == 0


def test_a_breach_fires_the_alarm_and_its_end_clears_it(aws, cloudwatch):
    alarm(cloudwatch)
    alarm(cloudwatch, name="blue-5xx", Dimensions=[{"Name": "TargetGroup", "Value": "targetgroup/other/2"}])
    evaluation.configure(aws.endpoint, speedup=60, interval=0.2)

    fired = wait_for(cloudwatch, "ALARM", feed=lambda: put(cloudwatch, 3))
    assert fired[0] == "ALARM", fired
    assert fired[1].startswith("Threshold Crossed: 2 out of the last 2 datapoints [")
    assert "greater than or equal to the threshold (5.0)" in fired[1]
    # Another target group's data is another metric: its alarm stays OK.
    assert state(cloudwatch, "blue-5xx")[0] == "OK"

    cleared = wait_for(cloudwatch, "OK")  # no more data: notBreaching
    assert cleared[0] == "OK", cleared
    assert "not greater than or equal to the threshold" in cleared[1]
    assert evaluation.report(aws.endpoint)["transitions"] >= 2


def test_missing_data_is_insufficient_and_breaching_missing_data_alarms(aws, cloudwatch):
    alarm(cloudwatch, name="missing", TreatMissingData="missing")
    alarm(cloudwatch, name="breaching", TreatMissingData="breaching")
    alarm(cloudwatch, name="ignored", TreatMissingData="ignore")
    evaluation.configure(aws.endpoint, speedup=60, interval=0.2)
    assert wait_for(cloudwatch, "INSUFFICIENT_DATA", name="missing")[0] == "INSUFFICIENT_DATA"
    assert wait_for(cloudwatch, "ALARM", name="breaching")[0] == "ALARM"
    assert state(cloudwatch, "ignored")[0] == "OK"  # all missing: the state is kept


def test_a_percentile_alarm_and_m_out_of_n(aws, cloudwatch):
    latency = [{"Name": "TargetGroup", "Value": "targetgroup/ml-green/3"}]
    alarm(
        cloudwatch,
        name="p99",
        MetricName="TargetResponseTime",
        Dimensions=latency,
        Statistic=None,
        ExtendedStatistic="p99",
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        EvaluationPeriods=3,
        DatapointsToAlarm=1,
    )
    evaluation.configure(aws.endpoint, speedup=60, interval=0.2)

    def slow_tail():
        for value in [0.01] * 98 + [2.5, 3.0]:
            put(cloudwatch, value, metric="TargetResponseTime", dimensions=latency)

    fired = wait_for(cloudwatch, "ALARM", name="p99", feed=slow_tail)
    assert fired[0] == "ALARM", fired
    assert "(minimum 1 datapoint for OK -> ALARM transition)" in fired[1]


def test_a_state_set_by_hand_holds_until_the_next_evaluation(aws, cloudwatch):
    alarm(cloudwatch, Period=120)  # 2 s of wall time per period at speedup 60
    evaluation.configure(aws.endpoint, speedup=60, interval=0.2)
    cloudwatch.set_alarm_state(AlarmName="green-5xx", StateValue="ALARM", StateReason="test")
    time.sleep(0.8)
    assert state(cloudwatch) == ("ALARM", "test")
    assert wait_for(cloudwatch, "OK", seconds=10)[0] == "OK"


def test_bad_settings_are_refused_naming_the_setting(aws):
    with pytest.raises(Exception, match="400"):
        evaluation.configure(aws.endpoint, speedup=0)
    with pytest.raises(Exception, match="400"):
        evaluation.configure(aws.endpoint, clock=3)
    with pytest.raises(ClientError):
        boto3.client("cloudwatch").set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="x")
