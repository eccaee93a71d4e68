"""Switch on the offline AWS's IAM access control and act as AWS's actors under it.

moto checks every request against IAM once `POST /moto-api/reset-auth` sets the number of
unchecked requests to 0; from then on only known identities pass, so an identity is created
first (`operator`, an IAM user with an access key and its policy). Services act as on AWS: a
user standing in for the service principal (extensions/sts_assume_role_as_service.py) assumes
the role the service would assume (a task role for ECS, the project's role for CodeBuild) and
the caller gets the temporary credentials, as ECS hands them to a container.
"""

import json
import urllib.request

import boto3

from offline_aws import REGION
from offline_aws.extensions.sts_assume_role_as_service import SERVICE_PRINCIPAL_TAG

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}


def _reset_auth(endpoint, unchecked_requests):
    request = urllib.request.Request(  # noqa: S310 (our loopback server)
        f"{endpoint}/moto-api/reset-auth", data=str(unchecked_requests).encode(), method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our loopback server)
        return json.loads(response.read())


def enforce(endpoint):
    """From the next request on, every call is authenticated and authorized."""
    _reset_auth(endpoint, 0)


def relax(endpoint):
    """Back to moto's default: every call is allowed."""
    _reset_auth(endpoint, "inf")


def credentials_env(access_key_id, secret_access_key, session_token=None):
    """The variables a process uses to call with these credentials (no session token for a user key)."""
    env = {"AWS_ACCESS_KEY_ID": access_key_id, "AWS_SECRET_ACCESS_KEY": secret_access_key}
    if session_token:
        env["AWS_SESSION_TOKEN"] = session_token
    return env


def session(endpoint, env):
    return boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
        region_name=REGION,
    )


def create_user(endpoint, admin_env, name, policy, tags=None):
    """An IAM user with one inline policy and an access key; returns its credentials_env."""
    iam = session(endpoint, admin_env).client("iam", endpoint_url=endpoint)
    iam.create_user(UserName=name, Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return credentials_env(key["AccessKeyId"], key["SecretAccessKey"])


def assume_role_as_service(endpoint, admin_env, service, role_arn, session_name=None):
    """Temporary credentials of role_arn, assumed by `service` (e.g. ecs-tasks.amazonaws.com)."""
    user = f"offline-aws-{service.split('.')[0]}"
    iam = session(endpoint, admin_env).client("iam", endpoint_url=endpoint)
    try:
        iam.get_user(UserName=user)
        keys = None
    except iam.exceptions.NoSuchEntityException:
        keys = create_user(endpoint, admin_env, user, ASSUME_ANY_ROLE, {SERVICE_PRINCIPAL_TAG: service})
    if keys is None:
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys = credentials_env(key["AccessKeyId"], key["SecretAccessKey"])
    sts = session(endpoint, keys).client("sts", endpoint_url=endpoint)
    assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name or user)["Credentials"]
    return credentials_env(assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"])


def bootstrap(endpoint, policy=None, name="offline-aws-operator"):
    """Create the operator identity (under `policy`, default every action), then enforce IAM.

    Returns the operator's credentials_env and the admin identity used to create actors later.
    """
    unchecked = credentials_env("testing", "testing")
    admin = create_user(endpoint, unchecked, "offline-aws-admin", ALLOW_ALL)
    operator = admin if policy is None else create_user(endpoint, unchecked, name, policy)
    enforce(endpoint)
    return operator, admin
