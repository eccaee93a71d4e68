"""Add SageMaker DeleteModelPackageGroup.

AWS: `DeleteModelPackageGroup(ModelPackageGroupName)` returns an empty body; a group that still
holds model versions cannot be deleted (ConflictException: delete the versions first); an
unknown group is a ValidationException
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteModelPackageGroup.html).
"""

from moto.core.responses import EmptyResult
from moto.sagemaker.exceptions import ConflictException, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse


def delete_model_package_group(self, model_package_group_name):
    name = model_package_group_name
    if name.startswith("arn:"):
        name = name.split("/")[-1]
    if name not in self.model_package_groups:
        raise ValidationError(f"ModelPackageGroup {name} does not exist.")
    if any(p.model_package_group_name == name for p in self.model_packages.values()):
        raise ConflictException(f"Model package group {name} still holds model versions; delete them first.")
    del self.model_package_groups[name]
    if hasattr(self, "_model_package_high_water"):
        self._model_package_high_water.pop(name, None)


def _respond_delete_model_package_group(self):
    self.sagemaker_backend.delete_model_package_group(self._get_param("ModelPackageGroupName"))
    return EmptyResult()


def apply():
    SageMakerModelBackend.delete_model_package_group = delete_model_package_group
    SageMakerResponse.delete_model_package_group = _respond_delete_model_package_group
