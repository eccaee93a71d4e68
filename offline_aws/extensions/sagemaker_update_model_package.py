"""Fix SageMaker UpdateModelPackage: leave what the request does not name alone.

moto 5.2 assigns every field of the request, so an approval-only update (the common case:
`ModelApprovalStatus=Approved`) wipes `CustomerMetadataProperties` and `ApprovalDescription`.
AWS merges: `CustomerMetadataProperties` adds or replaces the given keys,
`CustomerMetadataPropertiesToRemove` removes keys, and fields that are absent keep their value
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html).
"""

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend


def update_model_package(
    self,
    model_package_arn,
    model_approval_status,
    approval_description,
    customer_metadata_properties,
    customer_metadata_properties_to_remove,
    additional_inference_specifications_to_add,
):
    mapped = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
    package = self.model_packages.get(mapped)
    if package is None:
        raise ValidationError(f"Model package {model_package_arn} not found")
    if model_approval_status is not None:
        package.set_model_approval_status(model_approval_status)
    if approval_description is not None:
        package.approval_description = approval_description
    if customer_metadata_properties:
        merged = dict(package.customer_metadata_properties or {})
        merged.update(customer_metadata_properties)
        package.customer_metadata_properties = merged
    if customer_metadata_properties_to_remove and package.customer_metadata_properties:
        package.remove_customer_metadata_property(customer_metadata_properties_to_remove)
    if additional_inference_specifications_to_add:
        package.add_additional_inference_specifications(additional_inference_specifications_to_add)
    package.modifications_done()
    return package.arn


def apply():
    SageMakerModelBackend.update_model_package = update_model_package
