"""Figures: per actor, the AWS API calls made and the distinct IAM actions used, against what its
policy grants. Reads the log the offline AWS writes with OFFLINE_AWS_ACTION_LOG=<file>
(offline_aws/extensions/iam_action_log.py):

    OFFLINE_AWS_ACTION_LOG=$PWD/.build/iam-actions.jsonl .venv/bin/python -m pytest tests/playbooks/test_iam_actors.py
    .venv/bin/python benchmarks/iam/report.py .build/iam-actions.jsonl [--policy deployer=policies/deployer.json]
    (make bench-iam runs both)

An actor is a user or a role (every session of an assumed role counts for the role); calls made
with the shared `testing` key before IAM is enforced are the operator's. A role's or user's
granted actions come from the policies put on it in the same log (the last PutRolePolicy of each
policy name wins), or from --policy NAME=FILE. "used, not granted" would be AccessDenied on AWS;
"granted, never used" is privilege no call of the run needed (an exception is said in docs/iam.md).
"""

import argparse
import fnmatch
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path


def actor_of(entry):
    arn = entry.get("identity") or ""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    if ":user/" in arn:
        return arn.rsplit("/", 1)[1]
    return "operator (testing key, IAM not enforced)"


def granted_actions(document):
    """The Allow statements' Action patterns of a policy document (a JSON string or a dict)."""
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    patterns = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") == "Allow":
            actions = statement.get("Action", [])
            patterns.update([actions] if isinstance(actions, str) else actions)
    return patterns


def read(log_paths):
    calls, grants = defaultdict(Counter), defaultdict(dict)
    for path in log_paths:
        for line in Path(path).read_text().splitlines():
            entry = json.loads(line)
            calls[actor_of(entry)][entry["action"]] += 1
            if entry.get("granted_to") and entry.get("document"):
                grants[entry["granted_to"]][entry.get("policy_name")] = entry["document"]
    return calls, {name: set().union(*map(granted_actions, docs.values())) for name, docs in grants.items()}


def matches(action, patterns):
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)


def report(calls, grants, out=sys.stdout):
    for actor in sorted(calls, key=lambda name: -sum(calls[name].values())):
        used = calls[actor]
        print(f"{actor}: {sum(used.values())} API calls, {len(used)} distinct actions", file=out)
        patterns = grants.get(actor)
        if patterns is None:
            print("  granted: (no policy known for this actor)", file=out)
            continue
        not_granted = sorted(action for action in used if not matches(action, patterns))
        unused = sorted(pattern for pattern in patterns if not any(matches(action, [pattern]) for action in used))
        print(
            f"  granted: {len(patterns)} action patterns; used, not granted: {len(not_granted)}; "
            f"granted, never used: {len(unused)}",
            file=out,
        )
        for action in not_granted:
            print(f"    NOT GRANTED {action} ({used[action]} calls)", file=out)
        for pattern in unused:
            print(f"    unused      {pattern}", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--policy", action="append", default=[], metavar="ACTOR=FILE")
    args = parser.parse_args(argv)
    calls, grants = read(args.logs)
    for item in args.policy:
        actor, _, path = item.partition("=")
        grants[actor] = granted_actions(Path(path).read_text())
    report(calls, grants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
