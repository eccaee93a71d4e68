"""infra.yml under throttling: converges, and re-runs with changed=0, while AWS throttles 10% of calls.

The offline AWS answers a seeded 10% of every call of the run with the throttling error of the
call's protocol (offline_aws/extensions/throttling.py). Every module of the run gets the
connection settings' retry configuration (playbooks/vars/common.yml: botocore standard mode, 10
attempts), including the modules that retry nothing themselves (community.aws.ecs_ecr, some calls
of ecs_cluster and elb_target_group). Slow (two infra runs, ~2 min): `make test-throttling` runs it;
test-playbooks leaves the file out.
"""

from offline_aws.extensions import throttling


def test_infra_converges_and_reruns_unchanged_at_10_percent_throttling(run_playbook, aws):
    throttling.configure(aws.endpoint, share=0.1, seed=11)
    first = run_playbook("playbooks/infra.yml").check()
    converge_throttles = sum(throttling.report(aws.endpoint)["throttled"].values())
    throttling.configure(aws.endpoint, share=0.1, seed=12)
    again = run_playbook("playbooks/infra.yml").check()
    assert again.changed == 0, again.output
    assert converge_throttles > 0 and sum(throttling.report(aws.endpoint)["throttled"].values()) > 0, first.output
