"""elb_listener_rule_move: how it reads a rule as DescribeRules returns it and what it sends back to CreateRule
(the moves themselves run against the offline AWS: tests/integration/targets/elb_listener_rule_move)."""

from ansible_collections.mlops.aws_deploy.plugins.modules import elb_listener_rule_move as module

LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
RULE = f"{LB}:listener-rule/app/mobileml-prod/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
BLUE = f"{LB}:targetgroup/mobileml-prod-backend-blue/1111"
GREEN = f"{LB}:targetgroup/mobileml-prod-backend-green/2222"

# A weighted rule as DescribeRules answers it: Values beside the config, a forward in both shapes.
DESCRIBED = {
    "RuleArn": RULE,
    "Priority": "10",
    "Conditions": [{"Field": "path-pattern", "Values": ["/api/*"], "PathPatternConfig": {"Values": ["/api/*"]}}],
    "Actions": [
        {
            "Type": "forward",
            "TargetGroupArn": BLUE,
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": BLUE, "Weight": 0}, {"TargetGroupArn": GREEN, "Weight": 100}]
            },
        }
    ],
}


def test_the_listener_and_load_balancer_of_a_rule():
    assert module.listener_of(RULE) == f"{LB}:listener/app/mobileml-prod/50dc6c495c0c9188/f2f7dc8efc522ab2"
    assert module.load_balancer_of(RULE) == "app/mobileml-prod/50dc6c495c0c9188"
    assert module.load_balancer_of(module.listener_of(RULE)) == module.load_balancer_of(RULE)


def test_the_weights_travel_and_the_forward_keeps_one_shape():
    assert module.forwarded(DESCRIBED) == {BLUE: 0, GREEN: 100}
    actions = module.portable_actions(DESCRIBED)
    assert "TargetGroupArn" not in actions[0]
    assert actions[0]["ForwardConfig"] == DESCRIBED["Actions"][0]["ForwardConfig"]
    assert "TargetGroupArn" in DESCRIBED["Actions"][0]  # the rule read is left as it was


def test_conditions_go_back_in_their_config_form_only():
    assert module.portable_conditions(DESCRIBED) == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}
    ]
    plain = {"Conditions": [{"Field": "path-pattern", "Values": ["/ml/*"]}]}
    assert module.portable_conditions(plain) == plain["Conditions"]


def test_a_single_target_forward_counts_as_weight_one():
    rule = {"Actions": [{"Type": "forward", "TargetGroupArn": BLUE}, {"Type": "fixed-response"}]}
    assert module.forwarded(rule) == {BLUE: 1}
    assert module.group_name(BLUE) == "mobileml-prod-backend-blue"
