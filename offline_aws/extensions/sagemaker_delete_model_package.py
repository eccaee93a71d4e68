"""Add SageMaker DeleteModelPackage, and keep deleted version numbers from being reused.

AWS: `DeleteModelPackage(ModelPackageName)` takes a name or ARN (a versioned package by ARN) and
returns an empty body; an unknown package is a ValidationException. Version numbers in a group
only grow: after version 3 is deleted the next registration is 4, never 3 again. moto numbers a
new version `len(group) + 1`, so this extension also renumbers on create when that would reuse
a number (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteModelPackage.html).
"""

from moto.core.responses import EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

_original_create = SageMakerModelBackend.create_model_package


def _high_water(backend):
    if not hasattr(backend, "_model_package_high_water"):
        backend._model_package_high_water = {}
    return backend._model_package_high_water


def delete_model_package(self, model_package_name):
    arn = self.model_package_name_mapping.get(model_package_name, model_package_name)
    package = self.model_packages.pop(arn, None)
    if package is None:
        raise ValidationError(f"Model package {model_package_name} not found")
    group = package.model_package_group_name
    if group and package.model_package_version:
        marks = _high_water(self)
        marks[group] = max(marks.get(group, 0), package.model_package_version)
    for key in [k for k, v in self.model_package_name_mapping.items() if v == arn]:
        del self.model_package_name_mapping[key]
    if group:  # the group name resolves to its newest remaining version, as after a create
        remaining = [p for p in self.model_packages.values() if p.model_package_group_name == group]
        if remaining:
            newest = max(remaining, key=lambda p: p.model_package_version or 0)
            self.model_package_name_mapping[group] = newest.arn


def create_model_package(self, *args, **kwargs):
    arn = _original_create(self, *args, **kwargs)
    package = self.model_packages[arn]
    group = package.model_package_group_name
    if not group or not package.model_package_version:
        return arn
    used = [
        p.model_package_version
        for p in self.model_packages.values()
        if p.model_package_group_name == group and p is not package
    ]
    wanted = max([_high_water(self).get(group, 0), *used]) + 1
    if wanted == package.model_package_version:
        return arn
    # Renumber: the ARN embeds the version.
    del self.model_packages[arn]
    for key in [k for k, v in self.model_package_name_mapping.items() if v == arn]:
        del self.model_package_name_mapping[key]
    package.model_package_version = wanted
    package.arn = arn_formatter("model-package", f"{group.lower()}/{wanted}", self.account_id, self.region_name)
    for status in package.model_package_status_details.values():
        for entry in status:
            entry["Name"] = package.arn
    self.model_packages[package.arn] = package
    self.model_package_name_mapping[package.arn] = package.arn
    self.model_package_name_mapping[group] = package.arn
    return package.arn


def _respond_delete_model_package(self):
    self.sagemaker_backend.delete_model_package(self._get_param("ModelPackageName"))
    return EmptyResult()


def apply():
    SageMakerModelBackend.delete_model_package = delete_model_package
    SageMakerModelBackend.create_model_package = create_model_package
    SageMakerResponse.delete_model_package = _respond_delete_model_package
