"""plugins/filter/drift.py: an item counts as in sync only when AWS reports every field it names.

These filters decide which amazon.aws modules a role skips, so a false "in sync" would leave drift
in place: most cases here are drift that must be seen.
"""

import pytest

from ansible_collections.mlops.aws_deploy.plugins.filter.drift import (
    out_of_sync,
    route_table_state,
    scaling_state,
    security_group_state,
)

TAGS = {"Project": "mobileml", "Environment": "local", "Name": "p-private-a"}
SUBNET = {
    "cidr_block": "10.0.10.0/24",
    "availability_zone": "us-east-1a",
    "map_public_ip_on_launch": False,
    "tags": TAGS,
}
OBSERVED_SUBNET = dict(SUBNET, id="subnet-1", state="available", owner_id="123456789012", tags=dict(TAGS))


def test_a_matching_item_is_in_sync_whatever_else_aws_reports():
    assert out_of_sync([SUBNET], [OBSERVED_SUBNET], key="cidr_block") == []


def test_a_missing_item_is_out_of_sync():
    assert out_of_sync([SUBNET], [], key="cidr_block") == [SUBNET]
    assert out_of_sync([SUBNET], None, key="cidr_block") == [SUBNET]


@pytest.mark.parametrize(
    "drift",
    [
        {"map_public_ip_on_launch": True},
        {"availability_zone": "us-east-1b"},
        {"tags": dict(TAGS, Name="renamed")},
        {"tags": dict(TAGS, Extra="added by hand")},  # the modules purge tags: an extra one is drift
        {"tags": {"Project": "mobileml"}},
    ],
    ids=["flag", "zone", "changed-tag", "extra-tag", "missing-tag"],
)
def test_a_field_that_differs_is_out_of_sync(drift):
    assert out_of_sync([SUBNET], [dict(OBSERVED_SUBNET, **drift)], key="cidr_block") == [SUBNET]


def test_scalars_compare_as_text_and_nested_dicts_on_the_fields_named():
    desired = {"name": "tg", "port": 8000, "deregistration_delay_timeout_seconds": 30, "matcher": {"http_code": "200"}}
    observed = {
        "name": "tg",
        "port": "8000",
        "deregistration_delay_timeout_seconds": "30",
        "matcher": {"http_code": "200", "grpc_code": None},
    }
    assert out_of_sync([desired], [observed], key="name") == []
    assert out_of_sync([desired], [dict(observed, matcher={"http_code": "200-299"})], key="name") == [desired]


def test_numbers_compare_as_numbers_whether_written_as_text_or_not():
    desired = {"name": "alarm", "threshold": 5, "period": "60"}
    assert out_of_sync([desired], [{"name": "alarm", "threshold": 5.0, "period": 60}], key="name") == []
    assert out_of_sync([desired], [{"name": "alarm", "threshold": 5.5, "period": 60}], key="name") == [desired]
    assert out_of_sync([{"name": "a", "cidr": "10.0.0.0/16"}], [{"name": "a", "cidr": "10.0.0.0/8"}], key="name")


def test_lists_compare_as_multisets():
    desired = {"name": "rt", "subnets": ["subnet-1", "subnet-2"]}
    assert out_of_sync([desired], [{"name": "rt", "subnets": ["subnet-2", "subnet-1"]}], key="name") == []
    assert out_of_sync([desired], [{"name": "rt", "subnets": ["subnet-1"]}], key="name") == [desired]
    assert out_of_sync([desired], [{"name": "rt", "subnets": ["subnet-1", "subnet-2", "subnet-3"]}], key="name") == [
        desired
    ]


def test_two_resources_with_one_name_go_to_the_module():
    desired = {"tags": {"Name": "rt"}, "routes": []}
    observed = [{"tags": {"Name": "rt"}, "routes": []}, {"tags": {"Name": "rt"}, "routes": []}]
    assert out_of_sync([desired], observed, key="tags.Name") == [desired]


def test_the_desired_order_is_kept():
    first, second = {"name": "a", "x": 1}, {"name": "b", "x": 1}
    assert out_of_sync([first, second], [], key="name") == [first, second]


def group(permissions, egress=None, name="p-ml"):
    return {
        "group_name": name,
        "group_id": "sg-ml",
        "description": "d",
        "tags": {"Name": name},
        "ip_permissions": permissions,
        "ip_permissions_egress": egress
        if egress is not None
        else [
            {
                "ip_protocol": "-1",
                "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}],
                "ipv6_ranges": [],
                "prefix_list_ids": [],
                "user_id_group_pairs": [],
            }
        ],
    }


ALB_RULE = {
    "ip_protocol": "tcp",
    "from_port": 8001,
    "to_port": 8001,
    "ip_ranges": [],
    "ipv6_ranges": [],
    "prefix_list_ids": [],
    "user_id_group_pairs": [{"group_id": "sg-alb", "user_id": "123456789012", "description": "from the ALB"}],
}
DESIRED_GROUP = {
    "group_name": "p-ml",
    "description": "d",
    "tags": {"Name": "p-ml"},
    "ingress": [
        {"protocol": "tcp", "from_port": 8001, "to_port": 8001, "source": "sg-alb", "description": "from the ALB"}
    ],
    "egress": [{"protocol": "-1", "from_port": "", "to_port": "", "source": "0.0.0.0/0", "description": ""}],
}


def test_security_group_rules_flatten_to_one_per_source():
    state = security_group_state([group([ALB_RULE])])
    assert state[0]["ingress"] == [
        {"protocol": "tcp", "from_port": "8001", "to_port": "8001", "source": "sg-alb", "description": "from the ALB"}
    ]
    assert out_of_sync([DESIRED_GROUP], state, key="group_name") == []


@pytest.mark.parametrize(
    "permissions",
    [
        [ALB_RULE, {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}],
        [dict(ALB_RULE, from_port=8000, to_port=8000)],
        [dict(ALB_RULE, user_id_group_pairs=[{"group_id": "sg-alb", "description": "edited"}])],
        [],
    ],
    ids=["extra-rule", "other-port", "other-description", "no-rule"],
)
def test_a_rule_added_changed_or_removed_by_hand_is_drift(permissions):
    assert out_of_sync([DESIRED_GROUP], security_group_state([group(permissions)]), key="group_name") == [DESIRED_GROUP]


def test_an_egress_rule_added_by_hand_is_drift():
    extra = [{"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}]}]
    assert out_of_sync([DESIRED_GROUP], security_group_state([group([ALB_RULE], egress=extra)]), key="group_name")


def test_route_tables_keep_explicit_routes_and_subnets():
    table = {
        "id": "rtb-1",
        "tags": {"Name": "p-public"},
        "routes": [
            {"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "origin": "CreateRouteTable"},
            {
                "destination_cidr_block": "0.0.0.0/0",
                "gateway_id": "igw-1",
                "nat_gateway_id": None,
                "origin": "CreateRoute",
            },
        ],
        "associations": [{"subnet_id": "subnet-1", "main": False}, {"main": True}],
    }
    assert route_table_state([table]) == [
        {"id": "rtb-1", "tags": {"Name": "p-public"}, "routes": ["0.0.0.0/0 igw-1"], "subnets": ["subnet-1"]}
    ]
    desired = {"tags": {"Name": "p-public"}, "routes": ["0.0.0.0/0 igw-1"], "subnets": ["subnet-1"]}
    assert out_of_sync([desired], route_table_state([table]), key="tags.Name") == []
    table["routes"].pop()
    assert out_of_sync([desired], route_table_state([table]), key="tags.Name") == [desired]


def test_scaling_policies_are_keyed_by_name():
    target = {
        "resource_id": "service/c/s-blue",
        "min_capacity": 1,
        "max_capacity": 2,
        "scaling_policies": [
            {
                "policy_name": "s-cpu",
                "policy_type": "TargetTrackingScaling",
                "policy_arn": "arn:x",
                "target_tracking_scaling_policy_configuration": {"target_value": 60.0, "scale_in_cooldown": 300},
            }
        ],
    }
    desired = {
        "resource_id": "service/c/s-blue",
        "min_capacity": 1,
        "max_capacity": 2,
        "policies": {
            "s-cpu": {
                "policy_type": "TargetTrackingScaling",
                "target_tracking_scaling_policy_configuration": {"target_value": 60.0, "scale_in_cooldown": 300},
            }
        },
    }
    assert out_of_sync([desired], scaling_state([target]), key="resource_id") == []
    target["scaling_policies"][0]["target_tracking_scaling_policy_configuration"]["target_value"] = 80.0
    assert out_of_sync([desired], scaling_state([target]), key="resource_id") == [desired]
    target["scaling_policies"] = []
    assert out_of_sync([desired], scaling_state([target]), key="resource_id") == [desired]
