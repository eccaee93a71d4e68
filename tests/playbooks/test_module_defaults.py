"""One module_defaults line serves the three collections' modules (meta/runtime.yml: extend_group).

`group/mlops.aws_deploy.aws` extends amazon.aws.aws and community.aws.aws, so a play that sets the
connection for our group alone reaches amazon.aws's modules with it: here the region, which
amazon.aws.aws_az_info's zone names show (the environment gives no region of its own).
"""

from tests.playbooks.conftest import REPO

REGION = "eu-west-3"

PLAY = f"""---
- name: Defaults for group/mlops.aws_deploy.aws reach amazon.aws's modules
  hosts: localhost
  gather_facts: false
  vars_files: [{REPO}/playbooks/vars/common.yml]
  module_defaults:
    group/mlops.aws_deploy.aws: "{{{{ aws_connection | combine({{'region': '{REGION}'}}) }}}}"
  tasks:
    - name: Read the availability zones with amazon.aws's module
      amazon.aws.aws_az_info:
      register: zones
    - name: Show the zones
      ansible.builtin.debug:
        msg: "zones: {{{{ zones.availability_zones | map(attribute='zone_name') | join(',') }}}}"
"""


def test_our_group_defaults_reach_amazon_aws_modules(run_playbook, tmp_path):
    playbook = tmp_path / "defaults.yml"
    playbook.write_text(PLAY)
    run = run_playbook(str(playbook), "-e", "aws_region=us-east-1").check()
    assert f"zones: {REGION}a" in run.stdout, run.output
