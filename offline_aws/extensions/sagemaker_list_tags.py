"""SageMaker ListTags/AddTags/DeleteTags on model package versions.

moto 5.2 resolves a tagged resource by splitting its ARN on the one "/" it expects, so a model
package version (`...:model-package/<group>/<version>`) fails with a 500, and a package created
without tags holds None. AWS tags model packages like any other resource
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html).
"""

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

_original = SageMakerModelBackend._get_resource_from_arn


def _get_resource_from_arn(self, arn):
    resource_part = arn.split(":", 5)[-1]
    if resource_part.startswith("model-package/"):
        mapped = self.model_package_name_mapping.get(arn, arn)
        package = self.model_packages.get(mapped)
        if package is None:
            raise ValidationError(message=f"Could not find model-package with ARN {arn}")
        if package.tags is None:
            package.tags = []
        return package
    return _original(self, arn)


def apply():
    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
