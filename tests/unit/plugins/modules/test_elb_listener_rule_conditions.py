"""elb_listener_rule_conditions: how it compares a rule's conditions as ELBv2 returns them (both
`Values` and the field's config, as DescribeRules answers) with what the caller gives."""

import pytest

from ansible_collections.mlops.aws_deploy.plugins.modules import elb_listener_rule_conditions as module

# A rule as DescribeRules returns it: each condition with Values and its config.
DESCRIBED = [
    {"Field": "path-pattern", "Values": ["/ml/*"], "PathPatternConfig": {"Values": ["/ml/*"]}},
    {"Field": "source-ip", "SourceIpConfig": {"Values": ["203.0.113.9/32", "198.51.100.7/32"]}},
]


def test_the_same_conditions_in_another_shape_and_order_compare_equal():
    given = [
        {"Field": "source-ip", "SourceIpConfig": {"Values": ["198.51.100.7/32", "203.0.113.9/32"]}},
        {"Field": "path-pattern", "Values": ["/ml/*"]},
    ]
    assert module.as_dict(given) == module.as_dict(DESCRIBED)


def test_a_removed_condition_is_a_change():
    # What amazon.aws.elb_application_lb misses: the desired set lacks the source-ip condition.
    assert module.as_dict([{"Field": "path-pattern", "Values": ["/ml/*"]}]) != module.as_dict(DESCRIBED)


def test_headers_are_told_apart_by_name_and_query_strings_by_pair():
    first = module.as_dict([{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-A", "Values": ["1"]}}])
    second = module.as_dict([{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-B", "Values": ["1"]}}])
    assert first != second
    query = module.as_dict([{"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "k", "Value": "v"}]}}])
    assert query == {"query-string": ["k=v"]}


def test_an_unknown_field_is_named():
    with pytest.raises(ValueError, match="unknown Field 'source-port'"):
        module.as_dict([{"Field": "source-port", "Values": ["1"]}])
