#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: s3_bucket_eventbridge
short_description: Turn an S3 bucket's delivery of events to Amazon EventBridge on or off
version_added: 0.1.0
description:
  - Turns on (or off) the bucket's C(EventBridgeConfiguration), so that S3 sends every event of the bucket
    (C(Object Created), ...) to the account's default event bus, where EventBridge rules match them.
  - This is how a CodePipeline S3 source action detects a change without polling and without a CloudTrail
    trail ("Connecting to Amazon S3 source actions with a source enabled for events" in the CodePipeline
    user guide).
  - The bucket's other notification configurations (topics, queues, Lambda functions) are kept as they are.
  - Why a module - neither amazon.aws nor community.aws sets C(EventBridgeConfiguration)
    (M(community.aws.s3_bucket_notification) covers Lambda, SQS and SNS targets only).
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  bucket:
    description: Name of the bucket.
    type: str
    required: true
  state:
    description: C(present) sends the bucket's events to EventBridge; C(absent) stops it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Support for check mode and diff mode (C(eventbridge) before and after).
  - S3 delivers events to EventBridge at least once, usually within seconds; a rule that starts a pipeline may
    see a duplicate, which CodePipeline's source action handles as one more run of the same object version.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send the pipeline source bucket's events to EventBridge
  mlops.aws_deploy.s3_bucket_eventbridge:
    bucket: mobileml-prod-pipeline-artifacts

- name: Start the pipeline when a new source bundle is uploaded
  amazon.aws.cloudwatchevent_rule:
    name: mobileml-prod-pipeline-source
    event_pattern:
      source: ["aws.s3"]
      detail-type: ["Object Created"]
      detail:
        bucket: {name: ["mobileml-prod-pipeline-artifacts"]}
        object: {key: ["source/mobileml-prod.zip"]}
    targets:
      - id: pipeline
        arn: arn:aws:codepipeline:us-east-1:123456789012:mobileml-prod-pipeline
        role_arn: arn:aws:iam::123456789012:role/mobileml-prod-pipeline-events
"""

RETURN = r"""
eventbridge:
  description: Whether the bucket sends its events to EventBridge after the run.
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors, retries


class S3NotificationErrorHandler(errors.ErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchBucket")


@S3NotificationErrorHandler.list_error_handler("read the notification configuration of bucket {bucket}")
def read_configuration(client, bucket):
    """The bucket's notification configuration, or None when the bucket does not exist."""
    configuration = client.get_bucket_notification_configuration(Bucket=bucket, aws_retry=True)
    configuration.pop("ResponseMetadata", None)
    return configuration


@S3NotificationErrorHandler.common_error_handler("write the notification configuration of bucket {bucket}")
def write_configuration(client, bucket, configuration):
    # PutBucketNotificationConfiguration replaces the whole configuration: what is not sent is removed.
    client.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration, aws_retry=True)


def planned(configuration, state):
    """The whole configuration to write, with EventBridge on or off and the rest untouched."""
    wanted = {k: v for k, v in configuration.items() if k != "EventBridgeConfiguration"}
    if state == "present":
        wanted["EventBridgeConfiguration"] = {}
    return wanted


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    bucket, state = module.params["bucket"], module.params["state"]
    client = retries.client(module, "s3")
    try:
        current = read_configuration(client, bucket)
        if current is None and not module.check_mode:
            module.fail_json(msg=f"bucket: {bucket} does not exist (create it first)")
        # In check mode a bucket the same run would create first has no configuration yet.
        current = current or {}
        before = "EventBridgeConfiguration" in current
        after = state == "present"
        changed = before != after
        if changed and not module.check_mode:
            write_configuration(client, bucket, planned(current, state))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    result = dict(changed=changed, eventbridge=after)
    if module._diff:
        result["diff"] = {"before": {"eventbridge": before}, "after": {"eventbridge": after}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
