"""Print the ECR registry credentials as JSON: {"username", "password", "registry"}.

Run by the service_image role with the playbook's Python (boto3 is an amazon.aws requirement).
Region, endpoint and credentials come from the usual AWS environment/configuration.
"""

import base64
import json

import boto3


def main():
    data = boto3.client("ecr").get_authorization_token()["authorizationData"][0]
    username, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    print(json.dumps({"username": username, "password": password, "registry": data["proxyEndpoint"]}))


if __name__ == "__main__":
    main()
