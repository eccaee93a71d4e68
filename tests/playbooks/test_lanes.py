"""The lanes of site.yml and infra.yml (playbooks/tasks/add_lanes.yml, take_over_lane_outputs.yml).

On plays of the test's own that touch no AWS: the outputs a lane publishes, and only those the
hand-over names, reach the other lanes in the next play; a failed lane stops the run before the
next play; a --limit that leaves the lanes out is refused before any lane starts; every variable
localhost has (its host_vars, its groups' vars, inventory_dir) reaches the lanes as it is.
On site.yml itself: --list-tasks lists every role's tasks, in order; --tags network (against the
offline AWS) runs the network role and no other.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
LANE_TASK_FILES = ("add_lanes.yml", "take_over_lane_outputs.yml")
RUN_TIMEOUT_SECONDS = 300
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
# site.yml's roles, in the order a reader finds them: phase 1 lane 1, lane 2, phase 2.
SITE_ROLES = ("network", "alb", "model_store", "pipeline", "ecr", "ecs_cluster",
              "ecs_service", "sagemaker", "observability")


def lane_play(name, lane_1, lane_2):
    """A play of the lanes: lane_1's tasks on lane-1, lane_2's on lane-2, then the finished mark."""
    return textwrap.dedent(f"""
        - name: {name}
          hosts: lanes
          gather_facts: false
          strategy: free
          tasks:
            - name: Lane 1
              when: inventory_hostname == 'lane-1'
              block: {lane_1}
            - name: Lane 2
              when: inventory_hostname == 'lane-2'
              block: {lane_2}
            - name: Mark the lane finished with this play
              ansible.builtin.set_fact:
                lanes_finished_phase: "{{{{ lanes_finished_phase | default(0) | int + 1 }}}}"

        - name: Hand over after {name}
          hosts: localhost:lanes
          gather_facts: false
          tasks:
            - name: Take over
              ansible.builtin.import_tasks: tasks/take_over_lane_outputs.yml
              vars:
                lanes_outputs: [network_outputs, alb_outputs]
        """)


# A role's one output dict, and a fact the hand-over does not name.
PUBLISH = """[{name: Publish, ansible.builtin.set_fact: {"%s_outputs": {by: "{{ inventory_hostname }}"},""" \
          """ %s_internal: x}}]"""
DEST = '"{{ playbook_dir }}/{{ inventory_hostname }}.txt"'
RECORD = (
    f"""[{{name: Record, ansible.builtin.copy: {{dest: {DEST}, mode: "0644","""
    """ content: "{{ network_outputs.by }} {{ alb_outputs.by }}"""
    """ {{ query('ansible.builtin.varnames', '_internal$') | sort | join(',') }}"}}]"""
)
FAIL = """[{name: Fail like a refused AWS call, ansible.builtin.fail: {msg: AWS said no}}]"""
SHOW = (
    f"""[{{name: Record localhost's variables, ansible.builtin.copy: {{dest: {DEST},"""
    """ mode: "0644", content: "{{ aws_region }} {{ app_name }} {{ ansible_connection }} {{ inventory_dir }}"}}]"""
)


@pytest.fixture
def run_lanes(tmp_path):
    """run_lanes(*plays, *args) -> CompletedProcess of a playbook in tmp_path with the project's lane task files."""
    (tmp_path / "tasks").mkdir()
    for name in LANE_TASK_FILES:
        (tmp_path / "tasks" / name).symlink_to(REPO / "playbooks" / "tasks" / name)

    def run(plays, *args, inventory="localhost,"):
        head = textwrap.dedent("""
            - name: Add the lanes
              hosts: localhost
              gather_facts: false
              tasks:
                - name: Add the lanes
                  ansible.builtin.import_tasks: tasks/add_lanes.yml
            """)
        (tmp_path / "lanes.yml").write_text(head + "".join(plays))
        env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        return subprocess.run(
            [ANSIBLE_PLAYBOOK, str(tmp_path / "lanes.yml"), "-i", inventory, *args],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False,
        )

    return run


def test_the_listed_outputs_of_one_play_reach_every_lane_in_the_next(run_lanes, tmp_path):
    result = run_lanes([lane_play("One", PUBLISH % ("network", "network"), PUBLISH % ("alb", "alb")),
                        lane_play("Two", RECORD, RECORD)])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    # Each lane sees both outputs; of the facts not listed, only its own.
    assert (tmp_path / "lane-1.txt").read_text() == "lane-1 lane-2 network_internal"
    assert (tmp_path / "lane-2.txt").read_text() == "lane-1 lane-2 alb_internal"


def test_a_failed_lane_stops_the_run_before_the_next_play(run_lanes, tmp_path):
    result = run_lanes([lane_play("One", PUBLISH % ("network", "network"), FAIL), lane_play("Two", RECORD, RECORD)])
    assert result.returncode != 0
    assert "AWS said no" in result.stdout and "lane-2 did not finish" in result.stdout, result.stdout[-5000:]
    assert "TASK [Record]" not in result.stdout
    assert not list(tmp_path.glob("lane-*.txt"))


def test_variables_of_localhost_reach_every_lane_as_they_are(run_lanes, tmp_path):
    """localhost's host_vars, its groups' vars (not only group_vars/all) and inventory_dir are the lanes' too."""
    inventory = tmp_path / "inventory"
    (inventory / "host_vars").mkdir(parents=True)
    (inventory / "group_vars").mkdir()
    (inventory / "hosts.yml").write_text("all:\n  children:\n    controller:\n      hosts:\n        localhost:\n")
    (inventory / "host_vars" / "localhost.yml").write_text("ansible_connection: local\naws_region: eu-west-1\n")
    (inventory / "group_vars" / "controller.yml").write_text("app_name: from-the-group\n")
    result = run_lanes([lane_play("Show", SHOW, SHOW)], inventory=str(inventory))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    for lane in ("lane-1", "lane-2"):
        assert (tmp_path / f"{lane}.txt").read_text() == f"eu-west-1 from-the-group local {inventory}"


def test_a_limit_that_leaves_out_the_lanes_is_refused_before_any_lane_starts(run_lanes):
    result = run_lanes([lane_play("One", RECORD, RECORD)], "--limit", "localhost")
    assert result.returncode != 0
    assert "--limit localhost leaves out the lanes this playbook runs its roles on" in result.stdout, \
        result.stdout[-5000:]
    assert "--limit 'localhost:lanes'" in result.stdout
    assert "PLAY [One]" not in result.stdout


def test_a_limit_naming_the_lanes_runs_them(run_lanes, tmp_path):
    result = run_lanes([lane_play("One", PUBLISH % ("network", "network"), PUBLISH % ("alb", "alb")),
                        lane_play("Two", RECORD, RECORD)], "--limit", "localhost:lanes")
    assert result.returncode == 0, result.stdout[-5000:]
    assert (tmp_path / "lane-1.txt").exists()


def role_task_names(role, tasks_file="main.yml"):
    """The names of a role's tasks/main.yml as --list-tasks shows them (import_tasks expanded)."""
    names = []
    for task in yaml.safe_load((REPO / "roles" / role / "tasks" / tasks_file).read_text()):
        if "ansible.builtin.import_tasks" in task:
            names += role_task_names(role, task["ansible.builtin.import_tasks"])
        else:
            names.append(f"mlops.aws_deploy.{role} : {task['name']}")
    return names


def listed_tasks(playbook, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run(
        [ANSIBLE_PLAYBOOK, "--list-tasks", str(REPO / "playbooks" / playbook),
         "-i", str(REPO / "inventories" / "local"), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return [line.strip().split("\tTAGS:")[0] for line in result.stdout.splitlines() if "\tTAGS:" in line]


def test_list_tasks_of_site_shows_every_role_s_tasks_in_order():
    listed = listed_tasks("site.yml")
    for role in SITE_ROLES:
        missing = [name for name in role_task_names(role) if name not in listed]
        assert not missing, f"{role}: {missing} not in\n" + "\n".join(listed)
    first_seen = [next(i for i, name in enumerate(listed) if name.startswith(f"mlops.aws_deploy.{role} : "))
                  for role in SITE_ROLES]
    assert first_seen == sorted(first_seen), listed
    # The one role run in a loop (one image per service) shows as the step's task.
    assert "Build and push each service image" in listed


def test_list_tasks_of_infra_shows_its_four_roles():
    listed = listed_tasks("infra.yml")
    for role in ("network", "alb", "ecr", "ecs_cluster"):
        assert set(role_task_names(role)) <= set(listed), listed


def test_tags_select_roles_in_the_listing():
    listed = listed_tasks("site.yml", "--tags", "alb")
    role_task = re.compile(r"mlops\.aws_deploy\.(\w+) : (?!Validating arguments)")
    roles = {m.group(1) for name in listed if (m := role_task.match(name))}
    assert roles == {"alb"}, listed


def vpcs():
    return boto3.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["mobileml-local-vpc"]}])["Vpcs"]


def test_tags_network_runs_the_network_role_and_no_other(run_playbook):
    run = run_playbook("playbooks/site.yml", "--tags", "network").check()
    ran = re.findall(r"^TASK \[mlops\.aws_deploy\.(\w+) : (.*?)\] \*", run.stdout, re.M)
    # Ansible tags each imported role's argument check `always`; nothing else of another role runs.
    others = [(role, name) for role, name in ran if role != "network" and not name.startswith("Validating arguments")]
    assert not others, run.output
    assert ("network", "Create or update the network") in ran, run.output
    assert vpcs()
    assert not boto3.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert not boto3.client("ecr").describe_repositories()["repositories"]
    assert not boto3.client("ecs").list_clusters()["clusterArns"]
    assert not boto3.client("s3").list_buckets()["Buckets"]


def test_start_at_task_can_name_a_role_s_task(run_playbook):
    """With --tags to keep it short: from the ecr role's create task on, the repositories and nothing before."""
    run = run_playbook("playbooks/site.yml", "--tags", "ecr", "--start-at-task",
                       "mlops.aws_deploy.ecr : Create the image repositories*").check()
    ran = re.findall(r"^TASK \[mlops\.aws_deploy\.(\w+) : (.*?)\] \*", run.stdout, re.M)
    assert ran[0][0] == "ecr" and ran[0][1].startswith("Create the image repositories"), run.output
    assert {role for role, name in ran if not name.startswith("Validating arguments")} == {"ecr"}, run.output
    names = {r["repositoryName"] for r in boto3.client("ecr").describe_repositories()["repositories"]}
    assert names == {"mobileml-local/backend-api", "mobileml-local/ml-model-service"}
    assert not vpcs()

