"""sagemaker_endpoint_info with botocore's Stubber.

The answers are those of SageMaker's API reference (DescribeEndpoint, DescribeEndpointConfig,
ListTags, ListEndpoints, DescribeModel), including its documented error for a missing endpoint
(ValidationException "Could not find endpoint ..."), which moto words differently.
"""

import datetime

from ansible_collections.mlops.aws_deploy.plugins.modules import sagemaker_endpoint_info

ACCOUNT = "123456789012"
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
NAME = "mobileml-prod-model"
CONFIG = f"{NAME}-3f9a1c2e"


def endpoint_arn(name):
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{name}"


def endpoint(name=NAME, status="InService"):
    return {
        "EndpointName": name,
        "EndpointArn": endpoint_arn(name),
        "EndpointConfigName": CONFIG,
        "EndpointStatus": status,
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
        "ProductionVariants": [
            {"VariantName": "main", "CurrentWeight": 1.0, "DesiredWeight": 1.0, "CurrentInstanceCount": 2,
             "DesiredInstanceCount": 2, "VariantStatus": [{"Status": "Baking"}]},
        ],
    }


def config():
    return {
        "EndpointConfigName": CONFIG,
        "EndpointConfigArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint-config/{CONFIG}",
        "CreationTime": NOW,
        "ProductionVariants": [
            {"VariantName": "main", "ModelName": f"{NAME}-main-8b1d0c7a", "InitialInstanceCount": 2,
             "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0},
        ],
    }


def not_found(stub, operation, what):
    stub.add_client_error(operation, "ValidationException", f"Could not find {what}.", 400)


def expect_one(stub, name=NAME):
    stub.add_response("describe_endpoint", endpoint(name), {"EndpointName": name})
    stub.add_response("describe_endpoint_config", config(), {"EndpointConfigName": CONFIG})
    stub.add_response("list_tags", {"Tags": [{"Key": "Environment", "Value": "prod"}]},
                      {"ResourceArn": endpoint_arn(name)})


def test_a_named_endpoint_comes_with_its_variants_configuration_and_tags(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_one(stub)
    result = run_module(sagemaker_endpoint_info, {"name": NAME})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    (found,) = result["endpoints"]
    assert found["endpoint_status"] == "InService"
    assert found["tags"] == {"Environment": "prod"}
    assert found["variants"][0]["model_name"] == f"{NAME}-main-8b1d0c7a"
    assert found["variants"][0]["instance_type"] == "ml.m5.large"
    assert found["variants"][0]["current_instance_count"] == 2
    assert found["endpoint_config"]["endpoint_config_name"] == CONFIG


def test_a_missing_endpoint_is_an_empty_list(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    not_found(stub, "describe_endpoint", f'endpoint "{endpoint_arn(NAME)}"')
    result = run_module(sagemaker_endpoint_info, {"name": NAME})
    assert not result["failed"], result
    assert result["endpoints"] == []


def test_an_endpoint_deleted_between_the_list_and_the_describe_is_left_out(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    gone = "mobileml-dev-model"
    stub.add_response("list_endpoints", {"Endpoints": [
        {"EndpointName": NAME, "EndpointArn": endpoint_arn(NAME), "CreationTime": NOW, "LastModifiedTime": NOW,
         "EndpointStatus": "InService"},
        {"EndpointName": gone, "EndpointArn": endpoint_arn(gone), "CreationTime": NOW, "LastModifiedTime": NOW,
         "EndpointStatus": "Deleting"},
    ]}, {"NameContains": "mobileml"})
    not_found(stub, "describe_endpoint", f'endpoint "{endpoint_arn(gone)}"')
    expect_one(stub)
    result = run_module(sagemaker_endpoint_info, {"name_contains": "mobileml"})
    stub.assert_no_pending_responses()
    assert [e["endpoint_name"] for e in result["endpoints"]] == [NAME]


def test_include_models_describes_each_model_of_the_live_configuration(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_one(stub)
    model = f"{NAME}-main-8b1d0c7a"
    stub.add_response("describe_model", {
        "ModelName": model, "ModelArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/{model}", "CreationTime": NOW,
        "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/mobileml-sagemaker",
        "PrimaryContainer": {"Image": "img:1", "Environment": {"MODEL_VERSION": "7"}},
    }, {"ModelName": model})
    result = run_module(sagemaker_endpoint_info, {"name": NAME, "include_models": True})
    stub.assert_no_pending_responses()
    described = result["endpoints"][0]["models"][model]
    assert described["primary_container"]["environment"] == {"MODEL_VERSION": "7"}  # user data kept as it is


def test_access_denied_names_the_permissions(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    stub.add_client_error("describe_endpoint", "AccessDeniedException", "not authorized", 400)
    result = run_module(sagemaker_endpoint_info, {"name": NAME})
    assert result["failed"]
    assert "Failed to describe SageMaker endpoints" in result["msg"]
    assert "sagemaker:Describe*" in result["msg"]
    assert result["error"]["code"] == "AccessDeniedException"
