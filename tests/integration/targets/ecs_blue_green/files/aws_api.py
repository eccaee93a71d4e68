#!/usr/bin/env python
"""Call one AWS API operation and print its answer as JSON: aws_api.py SERVICE OPERATION [JSON-PARAMS].

What a test does "the way AWS would" and no module does: set an alarm's state (CloudWatch evaluates
alarms; moto does not), move rule weights as a crashed deployment left them, list revisions.
The endpoint comes from AWS_ENDPOINT_URL (the offline AWS) like every other client.
"""

import json
import sys

import boto3


def main(argv):
    service, operation = argv[1], argv[2]
    params = json.loads(argv[3]) if len(argv) > 3 else {}
    response = getattr(boto3.client(service), operation)(**params)
    response.pop("ResponseMetadata", None)
    print(json.dumps(response, default=str))


if __name__ == "__main__":
    main(sys.argv)
