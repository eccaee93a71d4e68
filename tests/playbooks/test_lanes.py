"""The lanes of site.yml and infra.yml (playbooks/tasks/add_lanes.yml, run_lane.yml,
take_over_lane_facts.yml), on steps of the test's own that touch no AWS: facts a lane publishes
reach the other lanes in the next phase, a step's arguments reach it, a failed lane stops the run
before the next phase, and a step that does not exist, or a --limit that leaves the lanes out, are
refused before any lane starts; every variable localhost has (its host_vars, its groups' vars)
reaches the lanes.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LANE_TASK_FILES = ("add_lanes.yml", "run_lane.yml", "take_over_lane_facts.yml")
RUN_TIMEOUT_SECONDS = 300

STEPS = {
    # Publishes a fact named after its lane, as the infra roles publish network_*, alb_*, ...
    "publish.yml": """
        - name: Publish a fact
          ansible.builtin.set_fact:
            "network_from_{{ inventory_hostname | replace('-', '_') }}": "{{ inventory_hostname }}"
    """,
    # Records what it found from the other lane, and its own arguments.
    "record.yml": """
        - name: Record what this lane sees
          ansible.builtin.copy:
            dest: "{{ playbook_dir }}/{{ inventory_hostname }}.txt"
            content: >-
              {{ query('ansible.builtin.varnames', '^network_from_') | sort | join(',') }}
              {{ lane_step.say | default('-') }}
            mode: "0644"
    """,
    "fail.yml": """
        - name: Fail like a refused AWS call
          ansible.builtin.fail:
            msg: AWS said no
    """,
}


def playbook(lanes):
    return textwrap.dedent(f"""
        - name: Plan the lanes
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Add the lanes
              ansible.builtin.include_tasks: tasks/add_lanes.yml
              vars:
                lanes_group: test_lanes
                lanes: {lanes}
        """) + "".join(
        textwrap.dedent(f"""
        - name: Phase {phase}
          hosts: test_lanes
          gather_facts: false
          strategy: free
          tasks:
            - name: Run the lane
              ansible.builtin.include_tasks: tasks/run_lane.yml
              vars:
                lane_phase: {phase}

        - name: Hand over phase {phase}
          hosts: localhost:test_lanes
          gather_facts: false
          any_errors_fatal: true
          tasks:
            - name: Take over
              ansible.builtin.include_tasks: tasks/take_over_lane_facts.yml
              vars:
                lanes_group: test_lanes
                lane_phase: {phase}
                lanes_published: ^network_
        """)
        for phase in (1, 2)
    )


@pytest.fixture
def run_lanes(tmp_path):
    """run_lanes(lanes) -> CompletedProcess of a playbook in tmp_path with the project's lane task files."""
    (tmp_path / "tasks" / "steps").mkdir(parents=True)
    for name in LANE_TASK_FILES:
        (tmp_path / "tasks" / name).symlink_to(REPO / "playbooks" / "tasks" / name)
    for name, body in STEPS.items():
        (tmp_path / "tasks" / "steps" / name).write_text(textwrap.dedent(body))

    def run(lanes, *args, inventory="localhost,"):
        (tmp_path / "lanes.yml").write_text(playbook(lanes))
        env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        return subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), str(tmp_path / "lanes.yml"),
             "-i", inventory, *args],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False,
        )

    return run


def test_facts_of_one_phase_reach_every_lane_in_the_next(run_lanes, tmp_path):
    result = run_lanes({
        "lane-a": [["publish"], [{"step": "record", "say": "hello"}]],
        "lane-b": [["publish"], ["record"]],
    })
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    both = "network_from_lane_a,network_from_lane_b"
    assert (tmp_path / "lane-a.txt").read_text() == f"{both} hello"
    assert (tmp_path / "lane-b.txt").read_text() == f"{both} -"


def test_a_failed_lane_stops_the_run_before_the_next_phase(run_lanes, tmp_path):
    result = run_lanes({"lane-a": [["publish"], ["record"]], "lane-b": [["fail"], ["record"]]})
    assert result.returncode != 0
    assert "AWS said no" in result.stdout and "lane-b did not finish" in result.stdout, result.stdout[-5000:]
    assert not list(tmp_path.glob("lane-*.txt"))


def test_an_unknown_step_is_refused_before_any_lane_starts(run_lanes, tmp_path):
    result = run_lanes({"lane-a": [["publish"], ["record"]], "lane-b": [["publsh"], [{"step": "recrd"}]]})
    assert result.returncode != 0
    assert "lanes: no such step publsh, recrd" in result.stdout, result.stdout[-5000:]
    assert "PLAY [Phase 1]" not in result.stdout


def test_variables_of_localhost_reach_every_lane(run_lanes, tmp_path):
    """localhost's host_vars and its groups' vars (not only group_vars/all) are the lanes' too."""
    inventory = tmp_path / "inventory"
    (inventory / "host_vars").mkdir(parents=True)
    (inventory / "group_vars").mkdir()
    (inventory / "hosts.yml").write_text("all:\n  children:\n    controller:\n      hosts:\n        localhost:\n")
    (inventory / "host_vars" / "localhost.yml").write_text("ansible_connection: local\naws_region: eu-west-1\n")
    (inventory / "group_vars" / "controller.yml").write_text("app_name: from-the-group\n")
    (tmp_path / "tasks" / "steps" / "show.yml").write_text(textwrap.dedent("""
        - name: Record localhost's variables as this lane sees them
          ansible.builtin.copy:
            dest: "{{ playbook_dir }}/{{ inventory_hostname }}.txt"
            content: "{{ aws_region }} {{ app_name }} {{ ansible_connection }}"
            mode: "0644"
    """))
    result = run_lanes({"lane-a": [["show"], ["publish"]], "lane-b": [["show"], ["publish"]]}, inventory=str(inventory))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    for lane in ("lane-a", "lane-b"):
        assert (tmp_path / f"{lane}.txt").read_text() == "eu-west-1 from-the-group local"


def test_a_limit_that_leaves_out_the_lanes_is_refused_before_any_lane_starts(run_lanes):
    result = run_lanes({"lane-a": [["publish"], ["record"]]}, "--limit", "localhost")
    assert result.returncode != 0
    assert "--limit localhost leaves out the lanes this playbook runs its roles on" in result.stdout, \
        result.stdout[-5000:]
    assert "--limit 'localhost:test_lanes'" in result.stdout
    assert "PLAY [Phase 1]" not in result.stdout


def test_a_limit_naming_the_lanes_runs_them(run_lanes, tmp_path):
    result = run_lanes({"lane-a": [["publish"], ["record"]]}, "--limit", "localhost:test_lanes")
    assert result.returncode == 0, result.stdout[-5000:]
    assert (tmp_path / "lane-a.txt").exists()
