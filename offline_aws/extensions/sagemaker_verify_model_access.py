"""SageMaker CreateEndpoint/UpdateEndpoint: the execution role must be able to read the model.

AWS: the instances download `ModelDataUrl` with the model's execution role; when the role may not
`s3:GetObject` the object (or `kms:Decrypt` its SSE-KMS key), a new endpoint ends `Failed` and an
update rolls back to the previous configuration (the endpoint stays `InService`), with the
FailureReason "Failed to download model data(bucket: <b>, key: <k>). Please ensure that there is
an object located at the URL and that the role passed to CreateModel has permissions to download
the model." (DescribeEndpoint, FailureReason). moto never downloads anything, so this checks the
role's policies against the object when IAM is enforced (offline_aws/authorization.py).
"""

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.sagemaker.models import SageMakerModelBackend
from moto.utilities.utils import get_partition

from offline_aws.extensions.s3_sse_kms_authorization import enforced

FAILURE = (
    "Failed to download model data(bucket: {bucket}, key: {key}). Please ensure that there is an object located at "
    "the URL and that the role passed to CreateModel has permissions to download the model."
)
# The operations this wraps, as the extensions applied before it left them (set by apply()).
_create_endpoint = None
_update_endpoint = None


def role_allows(backend, role_arn, action, resource):
    iam = iam_backends[backend.account_id][get_partition(backend.region_name)]
    role = next((role for role in iam.roles.values() if role.arn == role_arn), None)
    if role is None:
        return False
    policies = [iam.get_role_policy(role.name, name)[1] for name in iam.list_role_policies(role.name)]
    policies += iam.list_attached_role_policies(role.name)[0]
    results = [IAMPolicy(policy).is_action_permitted(action, resource) for policy in policies]
    return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results


def model_read_failure(backend, endpoint_config_name):
    """SageMaker's FailureReason when a variant's execution role cannot read its model, else None."""
    config = backend.describe_endpoint_config(endpoint_config_name)
    for variant in config["ProductionVariants"]:
        model = backend.describe_model(variant["ModelName"])
        for container in [model.primary_container or {}] + list(model.containers or []):
            url = container.get("ModelDataUrl") or ""
            if not url.startswith("s3://"):
                continue
            bucket, _, key = url[len("s3://"):].partition("/")
            failure = FAILURE.format(bucket=bucket, key=key)
            if not role_allows(backend, model.execution_role_arn, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"):
                return failure
            try:
                stored = s3_backends[backend.account_id][get_partition(backend.region_name)].get_object(bucket, key)
            except Exception:  # noqa: BLE001 (no such bucket or key: SageMaker cannot download it either)
                return failure
            if stored is None:
                return failure
            if stored.encryption == "aws:kms" and stored.kms_key_id:
                key_arn = kms_backends[backend.account_id][backend.region_name].describe_key(stored.kms_key_id).arn
                if not role_allows(backend, model.execution_role_arn, "kms:Decrypt", key_arn):
                    return failure
    return None


def create_endpoint(self, endpoint_name, endpoint_config_name, *args, **kwargs):
    endpoint = _create_endpoint(self, endpoint_name, endpoint_config_name, *args, **kwargs)
    failure = model_read_failure(self, endpoint_config_name) if enforced() else None
    if failure:
        endpoint.endpoint_status = "Failed"
        endpoint.failure_reason = failure
    return endpoint


def update_endpoint(self, endpoint_name, endpoint_config_name, *args, **kwargs):
    failure = model_read_failure(self, endpoint_config_name) if enforced() else None
    if failure and endpoint_name in self.endpoints:
        endpoint = self.endpoints[endpoint_name]  # rolled back: the previous config stays live
        endpoint.failure_reason = failure
        endpoint.endpoint_status = "InService"
        return endpoint
    return _update_endpoint(self, endpoint_name, endpoint_config_name, *args, **kwargs)


def apply():
    # Applied after sagemaker_create_endpoint and sagemaker_update_endpoint (extensions apply in name
    # order): it wraps those, so it reads them here, not when it is imported.
    global _create_endpoint, _update_endpoint
    _create_endpoint = SageMakerModelBackend.create_endpoint
    _update_endpoint = SageMakerModelBackend.update_endpoint
    SageMakerModelBackend.create_endpoint = create_endpoint
    SageMakerModelBackend.update_endpoint = update_endpoint
