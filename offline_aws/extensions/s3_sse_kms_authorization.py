"""S3 GetObject/PutObject of SSE-KMS objects need the KMS key, as on AWS.

AWS: reading an object encrypted with a customer-managed key needs `kms:Decrypt` on that key,
writing one (an explicit `x-amz-server-side-encryption: aws:kms` or the bucket's default
encryption) needs `kms:GenerateDataKey`; otherwise S3 answers 403 AccessDenied naming the KMS
action and key (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
"Permissions"). moto checks only the S3 action. When access control is on, this adds the KMS
check with the caller's own credentials after moto's S3 check passed.
"""

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMPolicy, PermissionResult, S3IAMRequest
from moto.kms.models import kms_backends
from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

_original_get = S3Response._key_response_get
_original_put = S3Response._key_response_put
# Sub-resources of an object that do not read or write its data.
NOT_DATA = ("acl", "tagging", "uploadId", "uploads", "retention", "legal-hold", "attributes", "restore")


class KMSAccessDenied(S3ClientError):
    def __init__(self, caller, action, key_arn):
        super().__init__(
            "AccessDenied",
            f"User: {caller} is not authorized to perform: {action} on resource: {key_arn} "
            f"because no identity-based policy allows the {action} action",
        )


def enforced():
    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def key_arn(response, key_id):
    backend = kms_backends[response.current_account][response.region]
    try:
        return backend.describe_key(key_id).arn
    except Exception:  # noqa: BLE001 (a key moto cannot resolve: AWS would fail elsewhere)
        return None


def authorize_kms(response, action, key_id):
    arn = key_arn(response, key_id)
    if arn is None or ":alias/aws/" in str(key_id):
        return
    request = S3IAMRequest(
        account_id=response.current_account,
        method=response.method,
        path=response.raw_path,
        data=response.data,
        body=response.raw_body,
        headers=response.headers,
        action="GetObject",
    )
    request._action = action
    policies = request._access_key.collect_policies()
    results = [IAMPolicy(policy).is_action_permitted(action, arn) for policy in policies]
    if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
        raise KMSAccessDenied(request._access_key.arn, action, arn)


def stored_kms_key(response, key_name, query):
    version = (query.get("versionId") or [None])[0]
    try:
        stored = response.backend.get_object(response.bucket_name, key_name, version_id=version)
    except Exception:  # noqa: BLE001 (missing object: moto answers NoSuchKey itself)
        return None
    if stored is None or stored.encryption != "aws:kms":
        return None
    return stored.kms_key_id


def requested_kms_key(response):
    encryption = response.headers.get("x-amz-server-side-encryption")
    key_id = response.headers.get("x-amz-server-side-encryption-aws-kms-key-id")
    if encryption is None:
        bucket = response.backend.get_bucket(response.bucket_name)
        default = ((bucket.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
        encryption, key_id = default.get("SSEAlgorithm"), default.get("KMSMasterKeyID")
    return key_id if encryption == "aws:kms" else None


def key_response_get(self, query, key_name):
    result = _original_get(self, query, key_name)  # moto's S3 authorization first
    if enforced() and not any(name in query for name in NOT_DATA) and self.method == "GET":
        key_id = stored_kms_key(self, key_name, query)
        if key_id:
            authorize_kms(self, "kms:Decrypt", key_id)
    return result


def key_response_put(self, query, key_name):
    if enforced() and not any(name in query for name in NOT_DATA if name != "uploadId"):
        key_id = requested_kms_key(self)
        if key_id:
            self._authenticate_and_authorize_s3_action(bucket_name=self.bucket_name, key_name=key_name)
            authorize_kms(self, "kms:GenerateDataKey", key_id)
    return _original_put(self, query, key_name)


def apply():
    S3Response._key_response_get = key_response_get
    S3Response._key_response_put = key_response_put
