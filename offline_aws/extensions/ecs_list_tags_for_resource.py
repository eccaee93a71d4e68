"""ECS ListTagsForResource: answer `tags: []` for a resource without tags, as AWS does.

moto leaves `tags` out of the answer for a cluster created without tags, and
community.aws.ecs_tag (which reads `response["tags"]`) fails with KeyError: 'tags'.
AWS API reference, ListTagsForResource: `tags` is always returned (an empty array when there are none).
"""

import json


def apply():
    from moto.ecs.responses import EC2ContainerServiceResponse

    def list_tags_for_resource(self):
        tags = self.ecs_backend.list_tags_for_resource(self._get_param("resourceArn"))
        return json.dumps({"tags": tags or []})

    EC2ContainerServiceResponse.list_tags_for_resource = list_tags_for_resource
