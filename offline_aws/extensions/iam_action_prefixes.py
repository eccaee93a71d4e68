"""IAM authorization: name each action with its IAM service prefix, not the request's signing name.

moto builds the action it authorizes from the SigV4 credential scope (`<signing name>:<Action>`).
For most services the two agree; where they differ a policy written as AWS documents it could
never match: CloudWatch signs as `monitoring` but its actions are `cloudwatch:*`
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html),
the Resource Groups Tagging API signs as `tagging` but its actions are `tag:*`.
"""

from moto.iam.access_control import IAMRequestBase

IAM_PREFIX_OF_SIGNING_NAME = {"monitoring": "cloudwatch", "tagging": "tag"}
_original_init = IAMRequestBase.__init__


def __init__(self, *args, **kwargs):  # noqa: N807 (replaces moto's constructor)
    _original_init(self, *args, **kwargs)
    prefix, _, action = self._action.partition(":")
    if prefix in IAM_PREFIX_OF_SIGNING_NAME:
        self._action = f"{IAM_PREFIX_OF_SIGNING_NAME[prefix]}:{action}"


def apply():
    IAMRequestBase.__init__ = __init__
