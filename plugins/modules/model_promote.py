#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: model_promote
short_description: Promote a registered model version to an environment through gates, revert it, list promotions
version_added: 0.1.0
description:
  - Promotes a version of a SageMaker model package group (registered by M(mlops.aws_deploy.model_package))
    to an environment when its gates pass, reverts an environment to its previous version, or lists an
    environment's promotion history.
  - "Gates: metric thresholds (V(accuracy >= 0.95)), comparisons with the version live in the environment
    (V(roc_auc >= current), V(f1 >= current - 0.01)), O(gates.must_beat_current) with a tolerance,
    O(gates.require_approval) (an approver and a reason are recorded), the promotion order
    (O(promotion_order)), and the version's approval status (a Rejected version is never promoted).
    Every gate is reported in RV(gates), passed or not; when one fails nothing changes and the module fails."
  - "A promotion sets the version's approval status to Approved; when the version was registered in another bucket
    (another environment's model store), copies its bundle and C(metadata.json) to the same keys in O(bucket), so that
    the environment's roles read only their own bucket; copies the version's bundle to the environment's
    alias C(<prefix>/latest/<environment>/model.tar.gz) (and C(metadata.json)), writes the environment's pointer
    (the SSM parameter O(parameter_name), JSON C({version, uri, sha256, model_package_arn, promoted_at, promoted_by}),
    its C(uri) naming the bundle in O(bucket)) that the ML service follows, and appends a promotion record
    C(<prefix>/promotions/<environment>/<timestamp>-<version>.json)."
  - These steps run in that order; when one fails, the ones already done are undone (pointer, alias, approval status)
    and the module fails naming the step, so a pointer never moves without the approval and the reverse.
  - Promoting the version that is already live changes nothing.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  group:
    description:
      - Name of the model package group.
    type: str
    required: true
    aliases: ['model_package_group_name']
  version:
    description:
      - The version to promote, a number, V(latest) or V(latest_approved). Required with O(state=promoted).
      - With O(state=reverted), the version to revert away from; when it is not the live version nothing
        changes, which makes a revert safe to run twice. Without it, a revert always goes one step back.
    type: str
  environment:
    description:
      - The environment, for example V(dev), V(stage) or V(prod).
    type: str
    required: true
  state:
    description:
      - V(promoted) makes O(version) live in O(environment) when its gates pass.
      - V(reverted) returns O(environment) to the version that was live before the current one, in one step.
      - V(history) lists the environment's promotion records, newest first; it changes nothing. It is deprecated
        and will be removed in 2.0.0, use M(mlops.aws_deploy.model_promote_info) instead.
    type: str
    default: promoted
    choices: ['promoted', 'reverted', 'history']
  app:
    description:
      - Application name, used to build O(parameter_name).
    type: str
  parameter_name:
    description:
      - Name of the environment's pointer parameter; C({app}) and C({environment}) are replaced.
    type: str
    default: /{app}/{environment}/model-version
  bucket:
    description:
      - The environment's model store bucket (versions, aliases and promotion records).
      - The pointer names the version's bundle in this bucket; a version registered in another bucket is copied here
        first (the caller needs C(s3:GetObject) on the source and C(s3:PutObject) here; across accounts, the source
        bucket's policy must let this account read C(<prefix>/*)).
    type: str
    required: true
  prefix:
    description:
      - Key prefix of the model store in O(bucket).
    type: str
    default: models
  gates:
    description:
      - The conditions a version must meet to be promoted.
    type: dict
    default: {}
    suboptions:
      metrics:
        description:
          - Metric gates, C(<metric> <op> <number>) or C(<metric> <op> current [+|- <number>]), with C(<op>) one of
            C(>=), C(>), C(<=), C(<), C(==). C(current) is the metric of the version live in the environment; with none
            live, such a gate passes.
          - A metric the version does not record, or a malformed expression, fails the module before anything is read
            or changed.
        type: list
        elements: str
        default: []
      must_beat_current:
        description:
          - The version must not be worse than the live version on each of O(gates.compare_metrics) by more than
            O(gates.tolerance) (C(<metric> >= current - tolerance)).
        type: bool
        default: false
      compare_metrics:
        description:
          - Metrics that O(gates.must_beat_current) compares.
        type: list
        elements: str
        default: ['accuracy']
      tolerance:
        description:
          - How much worse than the live version a metric may be under O(gates.must_beat_current).
        type: float
        default: 0.0
      require_approval:
        description:
          - A promotion needs O(approver) and O(reason); both are recorded on the version and in the promotion record.
        type: bool
        default: false
  approver:
    description:
      - Who approves the promotion.
    type: str
  reason:
    description:
      - Why the promotion (or revert) is made.
    type: str
  promoted_by:
    description:
      - Who promotes, recorded in the pointer and the record. Defaults to O(approver), else the caller's AWS identity.
    type: str
  force:
    description:
      - Promote although the version was never promoted to the environment before this one in O(promotion_order).
        The promotion record says so. Other gates still apply.
    type: bool
    default: false
  promotion_order:
    description:
      - Environments in promotion order. A version reaches an environment of this list only after it was promoted to
        the one before it, that is when that environment's pointer held the version (its SSM parameter history, the last 100
        values) or a promotion record of that environment for the version is in O(bucket). Environments not in the
        list have no order.
    type: list
    elements: str
    default: ['dev', 'stage', 'prod']
  verify_artifact:
    description:
      - Before changing anything, download the version's bundle and check that the sha256 of its C(model.onnx) is the
        registered one.
    type: bool
    default: true
  history_limit:
    description:
      - How many records O(state=history) returns, newest first; V(0) for all.
      - Deprecated with O(state=history); see M(mlops.aws_deploy.model_promote_info) O(mlops.aws_deploy.model_promote_info#module:limit).
    type: int
    default: 20
notes:
  - Supports check mode (the gates are evaluated and RV(plan) says what would change, without one mutating call) and
    diff mode (the pointer before and after).
  - O(tags) and O(purge_tags) apply to the pointer parameter.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Promote version 7 to stage when it is good enough and not worse than what stage runs
  mlops.aws_deploy.model_promote:
    group: mobileml-model
    version: "7"
    environment: stage
    app: mobileml
    bucket: mobileml-stage-models
    gates:
      metrics:
        - accuracy >= 0.93
        - roc_auc >= current
      must_beat_current: true
      compare_metrics: [accuracy]
      tolerance: 0.005
  register: promotion

- name: Promote to prod with a recorded approval
  mlops.aws_deploy.model_promote:
    group: mobileml-model
    version: "7"
    environment: prod
    app: mobileml
    bucket: mobileml-prod-models
    gates:
      must_beat_current: true
      require_approval: true
    approver: alice
    reason: beats v6 on the March holdout, CHG-1234

- name: Return prod to the version it ran before, if 7 is still live
  mlops.aws_deploy.model_promote:
    group: mobileml-model
    version: "7"
    environment: prod
    app: mobileml
    bucket: mobileml-prod-models
    state: reverted
    reason: error rate up after the promotion
"""

RETURN = r"""
gates:
  description: One row per gate, passed or not (also returned when the module fails on a gate).
  returned: with state=promoted or state=reverted
  type: list
  elements: dict
  sample:
    - {"gate": "accuracy >= 0.93", "kind": "threshold", "passed": true, "metric": "accuracy", "operator": ">=",
       "candidate": 0.956, "threshold": 0.93, "current": null, "detail": "accuracy 0.956 >= 0.93: passed"}
    - {"gate": "promoted to stage before prod", "kind": "order", "passed": false, "required_environment": "stage",
       "detail": "the version was never promoted to stage: promote it there first (or force=true, which is recorded)"}
version:
  description: The version live in the environment after the run (or that would be, in check mode).
  returned: with state=promoted or state=reverted
  type: str
  sample: "7"
previous_version:
  description: The version that was live before.
  returned: with state=promoted or state=reverted
  type: str
  sample: "6"
environment:
  description: The environment.
  returned: always
  type: str
  sample: stage
model_package:
  description: The version made live (see M(mlops.aws_deploy.model_package_info) for the keys).
  returned: with state=promoted or state=reverted
  type: dict
  sample: {"version": 7, "approval_status": "Approved", "model_sha256": "3f1c0a6e...", "metrics": {"accuracy": 0.956}}
pointer:
  description: The pointer parameter, its value before and after.
  returned: with state=promoted or state=reverted
  type: dict
  sample:
    name: /mobileml/stage/model-version
    before: {"version": "6", "uri": "s3://mobileml-stage-models/models/6/model.tar.gz", "sha256": "9a8b...",
             "model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/6",
             "promoted_at": "2026-10-30T09:12:44.120000Z", "promoted_by": "alice"}
    after: {"version": "7", "uri": "s3://mobileml-stage-models/models/7/model.tar.gz", "sha256": "3f1c...",
            "model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/7",
            "promoted_at": "2026-11-02T10:00:00.000000Z", "promoted_by": "alice"}
plan:
  description: What the module did or, in check mode, would do; null entries are steps with nothing to do.
  returned: with state=promoted or state=reverted
  type: dict
  sample:
    approval: {"from": "PendingManualApproval", "to": "Approved"}
    copy_bundle: {"from": "s3://mobileml-dev-models/models/7/model.tar.gz", "to": "s3://mobileml-stage-models/models/7/model.tar.gz"}
    alias: {"uri": "s3://mobileml-stage-models/models/latest/stage/model.tar.gz", "from_sha256": "9a8b...", "to_sha256": "3f1c..."}
    pointer: {"name": "/mobileml/stage/model-version", "from_version": "6", "to_version": "7"}
    record: {"uri": "s3://mobileml-stage-models/models/promotions/stage/20261102T100000000000Z-7.json"}
    tags: {"add": {}, "remove": []}
record:
  description: The promotion record written (in check mode, the one that would be).
  returned: when a promotion or revert is made
  type: dict
  sample: {"action": "promote", "environment": "stage", "version": "7", "previous_version": "6", "promoted_by": "alice",
           "promoted_at": "2026-11-02T10:00:00.000000Z", "approver": "alice", "reason": "CHG-1234", "forced": false,
           "gates": [], "lineage": ["5", "6", "7"]}
history:
  description: The environment's promotion records, newest first, each with its S3 C(key) (deprecated, see
    M(mlops.aws_deploy.model_promote_info)).
  returned: with state=history
  type: list
  elements: dict
  sample:
    - {"action": "promote", "version": "7", "previous_version": "6", "promoted_by": "alice",
       "promoted_at": "2026-11-02T10:00:00.000000Z", "key": "models/promotions/stage/20261102T100000000000Z-7.json"}
rolled_back:
  description: When a step failed, the steps that were undone.
  returned: on failure after a first change
  type: list
  elements: str
  sample: ["pointer", "alias", "approval"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import promotion
from ansible_collections.mlops.aws_deploy.plugins.module_utils import registry
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import AWS_ERRORS
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import fail
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import tag_plan


class PromotionRun:
    """One run of the module: current state of the environment, plan (as data), apply with undo, result."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.sagemaker = retries.client(module, "sagemaker")
        self.s3 = retries.client(module, "s3")
        self.ssm = retries.client(module, "ssm")
        self.bucket = self.params["bucket"]
        self.prefix = registry.clean_prefix(self.params["prefix"])
        self.environment = self.params["environment"]
        self.name = promotion.parameter_name(self.params["parameter_name"], self.params["app"], self.environment)
        self.current = {}

    # -- current state -----------------------------------------------------------------------

    def read_current(self):
        """The environment as it is: its pointer, the version live there, its latest record, alias, tags."""
        pointer = promotion.read_pointer(self.ssm, self.name)
        live = None
        if pointer and pointer.get("model_package_arn"):
            try:
                live = registry.describe_package(self.sagemaker, pointer["model_package_arn"])
            except registry.VersionNotFound:
                live = None  # deleted from the registry while live: nothing to compare with or restore
        self.current = {
            "pointer": pointer,
            "live": live,
            "record": promotion.latest_record(self.s3, self.bucket, self.prefix, self.environment),
            "alias_sha256": promotion.alias_sha256(self.s3, self.bucket, self.prefix, self.environment),
            "tags": promotion.pointer_tags(self.ssm, self.name) if pointer is not None else {},
        }

    def promoted_by(self):
        if self.params["promoted_by"]:
            return self.params["promoted_by"]
        if self.params["approver"]:
            return self.params["approver"]
        sts = retries.client(self.module, "sts")
        return sts.get_caller_identity(aws_retry=True)["Arn"]

    # -- plans: {"action", "target", "gates", "plan", "after", "record_key", "record"} -----------

    def _tag_plan(self):
        return tag_plan(self.current["tags"], self.params["tags"], self.params["purge_tags"])

    def plan_change(self, action, target, gates, lineage):
        """The steps that make ``target`` live, and the record that tells the story."""
        pointer = self.current["pointer"]
        moment = promotion.now()
        by = self.promoted_by()
        after = promotion.pointer_value(target, promotion.iso(moment), by, self.bucket)
        target_sha = after["sha256"]
        status = target.get("ModelApprovalStatus")
        key = promotion.record_key(self.prefix, self.environment, moment, after["version"])
        alias_sha = self.current["alias_sha256"]
        plan = {
            # Approval is per version (not per environment): Approved once, then each approved promotion
            # records its approver in the version's ApprovalDescription.
            "approval": {"from": status, "to": "Approved"}
            if action == "promote" and (status != "Approved" or self.params["approver"]) else None,
            # A version registered in another environment's bucket is served from a copy in this one's.
            "copy_bundle": promotion.copy_plan(target, self.bucket),
            "alias": None if alias_sha == target_sha else {
                "uri": registry.s3_uri(self.bucket, promotion.alias_key(self.prefix, self.environment, registry.STORE_BUNDLE)),
                "from_sha256": alias_sha, "to_sha256": target_sha},
            "pointer": {"name": self.name, "from_version": pointer["version"] if pointer else None,
                        "to_version": after["version"]},
            "record": {"uri": registry.s3_uri(self.bucket, key)},
            # A new pointer is created with its tags; an existing one is brought to them.
            "tags": self._tag_plan() if pointer is not None else {"add": dict(self.params["tags"] or {}), "remove": []},
        }
        record = {
            "action": action,
            "environment": self.environment,
            "group": self.params["group"],
            "version": after["version"],
            "previous_version": pointer["version"] if pointer else None,
            "model_package_arn": after["model_package_arn"],
            "sha256": target_sha,
            "uri": after["uri"],
            "pointer": self.name,
            "promoted_at": after["promoted_at"],
            "promoted_by": by,
            "approver": self.params["approver"],
            "reason": self.params["reason"],
            "forced": any(row.get("forced") for row in gates),
            "gates": gates,
            "lineage": lineage[-promotion.LINEAGE_LENGTH:],
        }
        return {"action": action, "target": target, "gates": gates, "plan": plan, "after": after,
                "record_key": key, "record": record}

    def plan_repair(self, target, gates):
        """The version is already live: only an alias left behind by an interrupted run, and tags, may change."""
        pointer = self.current["pointer"]
        alias_sha = self.current["alias_sha256"]
        plan = {"approval": None, "copy_bundle": None, "pointer": None, "record": None,
                "alias": None if alias_sha == pointer["sha256"] else {"from_sha256": alias_sha,
                                                                      "to_sha256": pointer["sha256"]},
                "tags": self._tag_plan()}
        return {"action": "repair", "target": target, "gates": gates, "plan": plan, "after": None,
                "record_key": None, "record": None}

    @staticmethod
    def changes(change):
        plan = change["plan"]
        return any(plan[step] for step in ("approval", "copy_bundle", "alias", "pointer", "record")) or bool(
            plan["tags"]["add"] or plan["tags"]["remove"])

    # -- apply, undoing what was done when a step fails ---------------------------------------

    def apply(self, change):
        plan, target, after = change["plan"], change["target"], change["after"]
        pointer, live = self.current["pointer"], self.current["live"]
        undo = []
        step = None
        try:
            if plan["approval"]:
                step = "set the approval status"
                registry.set_approval(self.sagemaker, target["ModelPackageArn"], "Approved",
                                      self.approval_description(change["record"]))
                undo.append(("approval", lambda: registry.set_approval(
                    self.sagemaker, target["ModelPackageArn"], plan["approval"]["from"], target.get("ApprovalDescription"))))
            if plan["copy_bundle"]:
                # Not undone: the copy sits under the version's own key, which nothing else writes.
                step = f"copy the bundle to {plan['copy_bundle']['to']}"
                promotion.copy_bundle(self.s3, target, self.bucket)
            if plan["alias"]:
                step = "update the alias"
                undo.append(("alias", lambda: self.restore_alias(plan["alias"]["from_sha256"], live)))
                promotion.copy_alias(self.s3, self.bucket, self.prefix, self.environment, target)
            if plan["pointer"]:
                step = "write the pointer"
                promotion.write_pointer(self.ssm, self.name, after, exists=pointer is not None, tags=self.params["tags"])
                undo.append(("pointer", lambda: self.restore_pointer(pointer)))
            if pointer is not None and (plan["tags"]["add"] or plan["tags"]["remove"]):
                step = "tag the pointer"
                promotion.apply_pointer_tags(self.ssm, self.name, plan["tags"])
            if plan["record"]:
                step = "append the promotion record"
                promotion.write_record(self.s3, self.bucket, change["record_key"], change["record"])
        except (registry.RegistryError, promotion.PromotionError) + AWS_ERRORS as e:
            self.undo(change, step, undo, e)

    def undo(self, change, step, undo, error):
        rolled_back, undo_failures = [], []
        for name, action in reversed(undo):
            try:
                action()
                rolled_back.append(name)
            except (registry.RegistryError, promotion.PromotionError) + AWS_ERRORS as undo_error:
                undo_failures.append(f"{name}: {undo_error}")
        version = (change["after"] or self.current["pointer"])["version"]
        msg = f"Failed to {step} while making version {version} live in {self.environment}"
        msg += f"; undone: {', '.join(rolled_back) or 'nothing to undo'}"
        if undo_failures:
            msg += f"; COULD NOT UNDO: {'; '.join(undo_failures)}"
        extra = dict(rolled_back=rolled_back, changed=bool(undo_failures), plan=change["plan"])
        if isinstance(error, AWS_ERRORS):
            fail(self.module, error, msg=msg, **extra)
        self.module.fail_json(msg=f"{msg}: {error}", **extra)

    def approval_description(self, record):
        text = f"promoted to {self.environment} by {record['promoted_by']} at {record['promoted_at']}"
        if record["approver"]:
            text += f"; approved by {record['approver']}"
        if record["reason"]:
            text += f": {record['reason']}"
        return text

    def restore_alias(self, previous_sha, live):
        if previous_sha is None:
            promotion.delete_alias(self.s3, self.bucket, self.prefix, self.environment)
        elif live is not None:
            promotion.copy_alias(self.s3, self.bucket, self.prefix, self.environment, live)
        else:
            raise promotion.PromotionError("the previous version is no longer registered; the alias cannot be restored")

    def restore_pointer(self, pointer):
        if pointer is None:
            promotion.delete_pointer(self.ssm, self.name)
        else:
            promotion.write_pointer(self.ssm, self.name, pointer, exists=True)

    # -- result --------------------------------------------------------------------------------

    def finish(self, change, changed, msg, **extra):
        pointer, after, target = self.current["pointer"], change["after"], change["target"]
        record = change["record"] if change["record"] is not None else self.current["record"]
        result = dict(
            changed=changed,
            msg=msg,
            environment=self.environment,
            version=after["version"] if after else (pointer or {}).get("version"),
            # With a new pointer, the version it replaces; otherwise what the latest record says came before.
            previous_version=(pointer or {}).get("version") if after else (record or {}).get("previous_version"),
            model_package=registry.summarize(target) if target else {},
            pointer={"name": self.name, "before": pointer or {}, "after": after or pointer or {}},
            gates=change["gates"],
            plan=change["plan"],
            **extra,
        )
        if record is not None:
            result["record"] = record
        if self.module._diff:
            result["diff"] = {"before_header": self.name, "after_header": self.name,
                              "before": pointer or {}, "after": after or pointer or {}}
        self.module.exit_json(**result)

    def refuse(self, msg, gates, **extra):
        """Fail on a gate: nothing changed."""
        self.module.fail_json(msg=msg, changed=False, gates=gates, environment=self.environment, **extra)

    # -- the states ------------------------------------------------------------------------------

    def promote(self):
        params = self.params
        parsed = promotion.parse_gates(params["gates"])
        target = registry.find_version(self.sagemaker, params["group"], params["version"])
        target_metrics = registry.metrics_of(target)
        promotion.check_metrics_known(parsed, target_metrics)
        self.read_current()
        pointer = self.current["pointer"]
        version = str(target["ModelPackageVersion"])
        gates = self.promotion_gates(target, version, parsed, target_metrics)

        if promotion.same_version(pointer, target):
            change = self.plan_repair(target, gates)
            msg = f"version {version} is already live in {self.environment}"
        else:
            failed = [row for row in gates if not row["passed"]]
            if failed:
                self.refuse(
                    f"Refusing to promote version {version} of {params['group']} to {self.environment}: "
                    f"{len(failed)} gate(s) failed: " + "; ".join(f"{row['gate']}: {row['detail']}" for row in failed),
                    gates, version=version, pointer={"name": self.name, "before": pointer or {}, "after": pointer or {}},
                )
            if params["verify_artifact"]:
                promotion.verify_artifact(self.s3, target)
            change = self.plan_change("promote", target, gates, promotion.lineage_of(self.current["record"], pointer) + [version])
            msg = f"{'would promote' if self.module.check_mode else 'promoted'} version {version} to {self.environment}"
        changed = self.changes(change)
        if changed and not self.module.check_mode:
            self.apply(change)
            if change["after"]:
                change["target"] = registry.describe_package(self.sagemaker, target["ModelPackageArn"])
        self.finish(change, changed, msg)

    def promotion_gates(self, target, version, parsed, target_metrics):
        """Every gate of a promotion, passed or not: approval status, order, approval, metrics."""
        params = self.params
        pointer, live = self.current["pointer"], self.current["live"]
        current = {"version": pointer["version"], "metrics": registry.metrics_of(live) if live else {}} if pointer else None
        promoted_before = False
        order = params["promotion_order"]
        if self.environment in order and order.index(self.environment) > 0:
            previous_environment = order[order.index(self.environment) - 1]
            # Evidence: the previous environment's pointer history (SSM, bucket-independent, so it works when
            # each environment has its own bucket), else its records in this bucket.
            previous_pointer = promotion.parameter_name(params["parameter_name"], params["app"], previous_environment)
            promoted_before = int(version) in promotion.versions_in_pointer_history(self.ssm, previous_pointer)
            if not promoted_before:
                keys = promotion.record_keys(self.s3, self.bucket, self.prefix, previous_environment)
                promoted_before = int(version) in promotion.versions_in_history(keys)
        gates = [promotion.status_row(target.get("ModelApprovalStatus"))]
        gates += [row for row in (
            promotion.order_row(self.environment, order, promoted_before, params["force"]),
            promotion.approval_row(params["gates"].get("require_approval"), params["approver"], params["reason"]),
        ) if row]
        return gates + promotion.metric_rows(parsed, target_metrics, current)

    def revert(self):
        params = self.params
        self.read_current()
        pointer = self.current["pointer"]
        if pointer is None:
            raise promotion.PromotionError(f"no version is live in {self.environment} ({self.name} does not exist): nothing to revert")
        if params["version"] is not None:
            away_from = str(registry.parse_version_selector(params["version"]))
            if away_from != pointer["version"]:
                nothing = {"target": self.current["live"], "gates": [], "plan": None, "after": None, "record": None}
                self.finish(nothing, False, f"version {away_from} is not live in {self.environment} "
                            f"(version {pointer['version']} is): nothing to revert")
        lineage = promotion.lineage_of(self.current["record"], pointer)
        if len(lineage) < 2:
            raise promotion.PromotionError(
                f"no previous version to revert {self.environment} to: version {pointer['version']} is the first one promoted there")
        target_version = lineage[-2]
        try:
            target = registry.find_version(self.sagemaker, params["group"], target_version)
        except registry.VersionNotFound as e:
            raise promotion.PromotionError(
                f"cannot revert {self.environment} to version {target_version}: it is no longer registered ({e})") from e
        gates = [promotion.status_row(target.get("ModelApprovalStatus"))]
        if not gates[0]["passed"]:
            self.refuse(f"Refusing to revert {self.environment} to version {target_version}: {gates[0]['detail']}", gates)
        if params["verify_artifact"]:
            promotion.verify_artifact(self.s3, target)
        change = self.plan_change("revert", target, gates, lineage[:-1])
        if not self.module.check_mode:
            self.apply(change)
        verb = "would revert" if self.module.check_mode else "reverted"
        self.finish(change, True, f"{verb} {self.environment} from version {pointer['version']} to {target_version}")

    def history(self):
        """Deprecated: model_promote_info reads the history."""
        self.module.deprecate(
            "state=history is deprecated: read the promotion history with mlops.aws_deploy.model_promote_info",
            version="2.0.0", collection_name="mlops.aws_deploy",
        )
        records = promotion.read_history(self.s3, self.bucket, self.prefix, self.environment, self.params["history_limit"])
        self.module.exit_json(changed=False, environment=self.environment, history=records)


def main():
    argument_spec = dict(
        group=dict(type="str", required=True, aliases=["model_package_group_name"]),
        version=dict(type="str"),
        environment=dict(type="str", required=True),
        state=dict(type="str", default="promoted", choices=["promoted", "reverted", "history"]),
        app=dict(type="str"),
        parameter_name=dict(type="str", default=promotion.DEFAULT_PARAMETER_NAME),
        bucket=dict(type="str", required=True),
        prefix=dict(type="str", default="models"),
        gates=dict(
            type="dict",
            default={},
            options=dict(
                metrics=dict(type="list", elements="str", default=[]),
                must_beat_current=dict(type="bool", default=False),
                compare_metrics=dict(type="list", elements="str", default=["accuracy"]),
                tolerance=dict(type="float", default=0.0),
                require_approval=dict(type="bool", default=False),
            ),
        ),
        approver=dict(type="str"),
        reason=dict(type="str"),
        promoted_by=dict(type="str"),
        force=dict(type="bool", default=False),
        promotion_order=dict(type="list", elements="str", default=["dev", "stage", "prod"]),
        verify_artifact=dict(type="bool", default=True),
        history_limit=dict(type="int", default=20),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "promoted", ["version"])],
    )
    registry.require_conditional_writes(module)
    try:
        run = PromotionRun(module)
        {"promoted": run.promote, "reverted": run.revert, "history": run.history}[module.params["state"]]()
    except (registry.RegistryError, promotion.PromotionError) as e:
        module.fail_json(msg=str(e), changed=False, environment=module.params["environment"])
    except AWS_ERRORS as e:
        fail(module, e, msg=f"Failed to read the state of {module.params['environment']} "
                            f"(model package group {module.params['group']})")


if __name__ == "__main__":
    main()
