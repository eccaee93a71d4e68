"""SageMaker AddTags: a key that is already there gets the new value, not a second entry.

moto 5.2 appends every tag, so changing a tag's value leaves the old and the new pair on the
resource. AWS overwrites: "If you add a tag with a key that is already associated with the
resource, the new value replaces the old one"
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html).
"""

from moto.sagemaker.models import SageMakerModelBackend


def add_tags(self, arn, tags):
    resource = self._get_resource_from_arn(arn)
    new_keys = {tag["Key"] for tag in tags}
    resource.tags = [tag for tag in resource.tags if tag["Key"] not in new_keys] + list(tags)
    return resource.tags


def apply():
    SageMakerModelBackend.add_tags = add_tags
