"""IAM authorization: evaluate a statement's Resource and Condition only where moto knows them.

moto's access control checks most services' actions against the resource `*` and without the
request's condition keys (only S3, IAM, STS and SQS name the resource). AWS evaluates the real
resource and context: a statement `Allow ssm:GetParameter on parameter/app/*` grants the call,
and a `Condition` the request meets applies. Under moto as shipped, both would be refused, so a
least-privilege policy could never pass. Here, when moto did not determine the resource (`*`) or
carries no condition values, an Allow statement whose Action matches applies, and a Deny applies
only when it names every resource (`*`) without conditions. The offline AWS therefore refuses every
action a policy does not grant (the class of defect AWS reports as AccessDenied), and never refuses
what AWS would allow; resource scoping is enforced where moto knows the resource (S3 objects and
buckets, IAM, STS, KMS keys for SSE-KMS: see s3_sse_kms_authorization).
"""

from moto.iam.access_control import IAMPolicyStatement, PermissionResult

_original = IAMPolicyStatement.is_action_permitted


def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    if principal is not None or (resource != "*" and "Condition" not in self._statement):
        return _original(self, action, resource, principal, incoming_condition_values)
    if "NotAction" in self._statement:
        concerned = not self._check_element_matches("NotAction", action)
    else:
        concerned = self._check_element_matches("Action", action)
    if not concerned:
        return PermissionResult.NEUTRAL
    resources = self._statement.get("Resource", "*")
    names_resource = resource == "*" or self._check_element_matches("Resource", resource)
    if self._statement["Effect"] == "Allow":
        return PermissionResult.PERMITTED if names_resource else PermissionResult.NEUTRAL
    applies_everywhere = resources in ("*", ["*"]) and "Condition" not in self._statement
    return PermissionResult.DENIED if applies_everywhere else PermissionResult.NEUTRAL


def apply():
    IAMPolicyStatement.is_action_permitted = is_action_permitted
