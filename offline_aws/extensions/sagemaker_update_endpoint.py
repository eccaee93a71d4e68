"""SageMaker UpdateEndpoint, which moto 5.2 lacks (it answers NotImplementedError, a 500).

Follows https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html:
the endpoint switches to `EndpointConfigName` (its variants and data capture come from that
config), `RetainAllVariantProperties` keeps the current weights and instance counts of variants
that keep their name (minus `ExcludeRetainedVariantProperties`), and the `DeploymentConfig` is
reported back as `LastDeploymentConfig`. Like every endpoint in moto, it is InService at once.
"""

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

# An endpoint in one of these states cannot be updated (AWS: "Cannot update in-progress endpoint").
IN_PROGRESS = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting")
RETAINABLE = ("DesiredInstanceCount", "DesiredWeight", "DataCaptureConfig")


def update_endpoint(
    self,
    endpoint_name,
    endpoint_config_name,
    retain_all_variant_properties=False,
    exclude_retained_variant_properties=None,
    deployment_config=None,
    retain_deployment_config=False,
):
    endpoint = self.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
        raise ValidationError(message=f"Could not find endpoint '{arn}'.")
    if endpoint.endpoint_status in IN_PROGRESS:
        raise ValidationError(message=f"Cannot update in-progress endpoint '{endpoint.arn}'.")
    config = self.describe_endpoint_config(endpoint_config_name)  # ValidationException when missing

    excluded = {item["VariantPropertyType"] for item in exclude_retained_variant_properties or []}
    retained = set(RETAINABLE) - excluded if retain_all_variant_properties else set()
    previous = {variant["VariantName"]: variant for variant in endpoint.production_variants}

    variants = endpoint._process_production_variants(config["ProductionVariants"])
    for variant in variants:
        old = previous.get(variant["VariantName"])
        if old is None:
            continue
        if "DesiredWeight" in retained and "DesiredWeight" in old:
            variant["CurrentWeight"] = variant["DesiredWeight"] = old["DesiredWeight"]
        if "DesiredInstanceCount" in retained and "DesiredInstanceCount" in old:
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = old["DesiredInstanceCount"]

    endpoint.endpoint_config_name = endpoint_config_name
    endpoint.production_variants = variants
    if "DataCaptureConfig" not in retained:
        endpoint.data_capture_config = config.get("DataCaptureConfig")
    if deployment_config or not retain_deployment_config:
        endpoint.last_deployment_config = deployment_config
    endpoint.failure_reason = None
    endpoint.endpoint_status = "InService"
    endpoint.last_modified_time = utcnow()
    return endpoint


def update_endpoint_response(self):
    endpoint = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=self._get_param("RetainAllVariantProperties", False),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties"),
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=self._get_param("RetainDeploymentConfig", False),
    )
    return ActionResult({"EndpointArn": endpoint.arn})


def apply():
    SageMakerModelBackend.update_endpoint = update_endpoint
    SageMakerResponse.update_endpoint = update_endpoint_response
