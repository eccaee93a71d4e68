"""ListTagsForResource answers an empty `tags` list for an untagged ECS cluster, as AWS does."""

import boto3


def test_untagged_cluster_has_an_empty_tag_list(aws):
    ecs = boto3.client("ecs")
    arn = ecs.create_cluster(clusterName="untagged")["cluster"]["clusterArn"]
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_tags_are_still_listed(aws):
    ecs = boto3.client("ecs")
    arn = ecs.create_cluster(clusterName="tagged")["cluster"]["clusterArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "Project", "value": "p"}])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "Project", "value": "p"}]
