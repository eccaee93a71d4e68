"""SageMaker CreateEndpoint/UpdateEndpoint: the execution role must be able to read the model and pull its image.

AWS: the instances download `ModelDataUrl` with the model's execution role; when the role may not
`s3:GetObject` the object (or `kms:Decrypt` its SSE-KMS key), a new endpoint ends `Failed` and an
update rolls back to the previous configuration (the endpoint stays `InService`), with the
FailureReason "Failed to download model data(bucket: <b>, key: <k>). Please ensure that there is
an object located at the URL and that the role passed to CreateModel has permissions to download
the model." (DescribeEndpoint, FailureReason). moto never downloads anything, so this checks the
role's policies against the object when IAM is enforced (offline_aws/authorization.py).

The image is pulled with the same role: an ECR image of the account needs ecr:BatchGetImage on its
repository, or the endpoint fails with "The role '<arn>' does not have BatchGetImage permission for
the image: '<image>'."; an image the repository does not hold fails it with "Please make sure all
images included in the model for the production variant <variant> exist, and that the execution
role used to create the model has permissions to access them." (the FailureReasons SageMaker gives).
Images outside this account's ECR are not checked: the offline AWS cannot see another registry.
"""

import re

from moto.ecr.models import ecr_backends
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
IMAGE_PERMISSION = "The role '{role}' does not have BatchGetImage permission for the image: '{image}'."
IMAGE_MISSING = (
    "Please make sure all images included in the model for the production variant {variant} exist, and that the "
    "execution role used to create the model has permissions to access them."
)
# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag | @digest]
ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repository>[^:@]+)"
    r"(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
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


def image_pull_failure(backend, role_arn, image, variant):
    """SageMaker's FailureReason when ``role_arn`` cannot pull ``image`` (an ECR image of this account), else None."""
    found = ECR_IMAGE.match(image or "")
    if not found or found["account"] != backend.account_id:
        return None
    repository_arn = f"arn:aws:ecr:{found['region']}:{found['account']}:repository/{found['repository']}"
    if not role_allows(backend, role_arn, "ecr:BatchGetImage", repository_arn):
        return IMAGE_PERMISSION.format(role=role_arn, image=image)
    repositories = ecr_backends[backend.account_id][found["region"]].repositories
    held = repositories.get(found["repository"])
    wanted_tag = found["tag"] or (None if found["digest"] else "latest")
    if held is None or not any(
        (not wanted_tag or wanted_tag in held_image.image_tags)
        and (not found["digest"] or held_image.image_digest == found["digest"])
        for held_image in held.images
    ):
        return IMAGE_MISSING.format(variant=variant)
    return None


def model_read_failure(backend, endpoint_config_name):
    """SageMaker's FailureReason when a variant's execution role cannot read its model or pull its image, else None."""
    config = backend.describe_endpoint_config(endpoint_config_name)
    for variant in config["ProductionVariants"]:
        model = backend.describe_model(variant["ModelName"])
        for container in [model.primary_container or {}] + list(model.containers or []):
            failure = image_pull_failure(
                backend, model.execution_role_arn, container.get("Image"), variant["VariantName"]
            )
            if failure:
                return failure
            url = container.get("ModelDataUrl") or ""
            if not url.startswith("s3://"):
                continue
            bucket, _, key = url[len("s3://") :].partition("/")
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
