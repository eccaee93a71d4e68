"""ELBv2 refuses to forward one target group from two load balancers, as AWS does.

ALB quotas: "Load balancers per target group: 1". CreateListener, ModifyListener, CreateRule and
ModifyRule answer TargetGroupAssociationLimit ("You've reached the limit on the number of load
balancers per target group") when an action forwards to a target group that another load balancer
already forwards to. moto accepts it, and it also never forgets an association (DeleteRule and
DeleteListener and DeleteLoadBalancer leave the load balancer in the target group's LoadBalancerArns), so moving a
service's target groups from one load balancer to another passed here in any order and would fail
on AWS unless the old rule goes first. Associations are computed from the listeners and rules as
they are, and LoadBalancerArns is recomputed after every delete.
"""


def _forwarded(backend, actions):
    arns = set()
    for action in actions:
        if action.type == "forward":
            arns.update(backend._get_target_group_arns_from(action_data=action.data))
    return arns


def _associations(backend):
    """target group ARN -> the load balancers whose listeners or rules forward to it."""
    found = {}
    for balancer_arn, balancer in backend.load_balancers.items():
        for listener in balancer.listeners.values():
            actions = list(listener.default_actions)
            for rule in listener.rules.values():
                actions.extend(rule.actions)
            for arn in _forwarded(backend, actions):
                found.setdefault(arn, set()).add(balancer_arn)
    return found


def _refuse_a_second_load_balancer(backend, balancer_arn, raw_actions):
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import FakeAction

    associations = _associations(backend)
    taken = sorted(
        arn
        for arn in _forwarded(backend, [FakeAction(action) for action in raw_actions or []])
        if associations.get(arn, set()) - {balancer_arn}
    )
    if taken:
        raise ELBClientError(
            "TargetGroupAssociationLimit",
            "The following target groups cannot be associated with more than one load balancer: " + ", ".join(taken),
        )


def _recompute_load_balancer_arns(backend):
    associations = _associations(backend)
    for arn, group in backend.target_groups.items():
        group.load_balancer_arns = sorted(associations.get(arn, set()))


def _balancer_of_listener(backend, listener_arn):
    for balancer_arn, balancer in backend.load_balancers.items():
        if listener_arn in balancer.listeners:
            return balancer_arn
    return None


def apply():
    from moto.elbv2.models import ELBv2Backend

    original = {
        name: getattr(ELBv2Backend, name)
        for name in (
            "create_listener",
            "modify_listener",
            "create_rule",
            "modify_rule",
            "delete_rule",
            "delete_listener",
            "delete_load_balancer",
        )
    }

    def create_listener(self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs):
        _refuse_a_second_load_balancer(self, load_balancer_arn, actions)
        return original["create_listener"](
            self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs
        )

    def modify_listener(self, arn, *args, **kwargs):
        actions = kwargs.get("actions", args[4] if len(args) > 4 else None)
        _refuse_a_second_load_balancer(self, _balancer_of_listener(self, arn), actions)
        return original["modify_listener"](self, arn, *args, **kwargs)

    def create_rule(self, listener_arn, conditions, priority, actions, *args, **kwargs):
        _refuse_a_second_load_balancer(self, _balancer_of_listener(self, listener_arn), actions)
        return original["create_rule"](self, listener_arn, conditions, priority, actions, *args, **kwargs)

    def modify_rule(self, rule_arn, conditions, actions):
        rules = self.describe_rules(listener_arn=None, rule_arns=[rule_arn])
        if rules:
            _refuse_a_second_load_balancer(self, _balancer_of_listener(self, rules[0].listener_arn), actions)
        return original["modify_rule"](self, rule_arn, conditions, actions)

    def releasing(name):
        """A delete that lets go of the target groups nothing forwards to any more."""

        def delete(self, arn):
            result = original[name](self, arn)
            _recompute_load_balancer_arns(self)
            return result

        return delete

    ELBv2Backend.create_listener = create_listener
    ELBv2Backend.modify_listener = modify_listener
    ELBv2Backend.create_rule = create_rule
    ELBv2Backend.modify_rule = modify_rule
    for name in ("delete_rule", "delete_listener", "delete_load_balancer"):
        setattr(ELBv2Backend, name, releasing(name))
