# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read once, change only what differs: compare what a role wants with what AWS reports.

A role reads a whole kind of resource with one `*_info` call (every subnet of the VPC, every
security group...) and passes to the amazon.aws / community.aws module only the items these
filters call out of sync. The state is read afresh on every run, so drift made outside Ansible is
still found and corrected; what is saved is one module run (a Python process, ~5 API calls) per
resource that already matches.

The comparison is strict: an item is in sync only when every field it names is equal (tags as a
whole, lists as multisets). Anything it cannot tell goes to the module, which stays the judge.
The *_state filters project an info module's output to the shape the roles describe.
"""

import json
import re


# A number written as text ("30", "1.0") equals the number (30, 1.0): AWS returns some as strings.
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _normalized(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.match(value)):
        return repr(float(value))
    if isinstance(value, dict):
        return {str(k): _normalized(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return sorted((_normalized(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return str(value)


def _lookup(item, path):
    for part in path.split("."):
        if not isinstance(item, dict) or part not in item:
            return None
        item = item[part]
    return item


def _matches(desired, observed, whole=False):
    """Whether `observed` has every field of `desired`, recursively; tags (and lists) compare whole."""
    if isinstance(desired, dict) and not whole:
        if not isinstance(observed, dict):
            return False
        return all(_matches(value, observed.get(field), whole=field == "tags") for field, value in desired.items())
    return _normalized(desired) == _normalized(observed)


def out_of_sync(desired, observed, key):
    """The desired items that are missing from `observed`, or that differ in a field they name."""
    by_key = {}
    for item in observed or []:
        name = _lookup(item, key)
        if name is not None:
            # Two resources with one name: the module decides which is meant (or fails saying so).
            by_key[str(name)] = None if str(name) in by_key else item
    unsynced = []
    for item in desired or []:
        current = by_key.get(str(_lookup(item, key)))
        if current is None or not _matches(item, current):
            unsynced.append(item)
    return unsynced


def _rule_sources(permission):
    for ip_range in permission.get("ip_ranges") or []:
        yield ip_range.get("cidr_ip"), ip_range.get("description")
    for ip_range in permission.get("ipv6_ranges") or []:
        yield ip_range.get("cidr_ipv6"), ip_range.get("description")
    for prefix in permission.get("prefix_list_ids") or []:
        yield prefix.get("prefix_list_id"), prefix.get("description")
    for pair in permission.get("user_id_group_pairs") or []:
        yield pair.get("group_id"), pair.get("description")


def _rules(permissions):
    """One rule per (protocol, ports, source): the way ec2_security_group's `rules` say it."""
    rules = []
    for permission in permissions or []:
        for source, description in _rule_sources(permission):
            rules.append(
                {
                    "protocol": str(permission.get("ip_protocol")),
                    "from_port": "" if permission.get("from_port") is None else str(permission["from_port"]),
                    "to_port": "" if permission.get("to_port") is None else str(permission["to_port"]),
                    "source": source or "",
                    "description": description or "",
                }
            )
    return rules


def _fields(item, *names):
    """The named fields of an *_info result item (None where it has none)."""
    return {name: item.get(name) for name in names}


def security_group_state(groups):
    """ec2_security_group_info's groups as name, description, tags and flat ingress/egress rules."""
    return [
        dict(
            _fields(group, "group_name", "group_id", "description"),
            tags=group.get("tags") or {},
            ingress=_rules(group.get("ip_permissions")),
            egress=_rules(group.get("ip_permissions_egress")),
        )
        for group in groups or []
    ]


# Routes a table gets without being asked: the VPC's local route and those a gateway propagates.
_IMPLICIT_ROUTE_ORIGINS = ("CreateRouteTable", "EnableVgwRoutePropagation")
_ROUTE_TARGETS = (
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
    "instance_id",
    "egress_only_internet_gateway_id",
    "carrier_gateway_id",
    "local_gateway_id",
)


def route_table_state(tables):
    """ec2_vpc_route_table_info's tables as tags, explicit routes ("dest target") and subnet ids."""
    state = []
    for table in tables or []:
        routes = []
        for route in table.get("routes") or []:
            if route.get("origin") in _IMPLICIT_ROUTE_ORIGINS:
                continue
            destination = route.get("destination_cidr_block") or route.get("destination_ipv6_cidr_block") or ""
            target = next((route[name] for name in _ROUTE_TARGETS if route.get(name)), "")
            routes.append(f"{destination} {target}")
        state.append(
            {
                "id": table.get("id") or table.get("route_table_id"),
                "tags": table.get("tags") or {},
                "routes": routes,
                "subnets": [a["subnet_id"] for a in table.get("associations") or [] if a.get("subnet_id")],
            }
        )
    return state


def scaling_state(targets):
    """application_autoscaling_info's targets with their policies keyed by name."""
    return [
        dict(
            _fields(target, "resource_id", "min_capacity", "max_capacity"),
            policies={policy.get("policy_name"): policy for policy in target.get("scaling_policies") or []},
        )
        for target in targets or []
    ]


class FilterModule:
    def filters(self):
        return {
            "out_of_sync": out_of_sync,
            "security_group_state": security_group_state,
            "route_table_state": route_table_state,
            "scaling_state": scaling_state,
        }
