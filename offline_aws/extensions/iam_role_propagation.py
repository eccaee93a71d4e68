"""IAM eventual consistency: a role is refused for a moment after CreateRole.

AWS: "changes that you make [to IAM] are not always immediately visible" (IAM User Guide,
Troubleshooting: "Changes that I make are not always immediately visible"). A service handed a
role seconds after CreateRole cannot assume it yet and refuses the call:
- CodeBuild CreateProject: InvalidInputException "CodeBuild is not authorized to perform:
  sts:AssumeRole on <role arn>";
- CodePipeline CreatePipeline: InvalidStructureException "CodePipeline is not authorized to
  perform AssumeRole on role <role arn>";
- SageMaker CreateModel: ValidationException "Could not assume role <role arn>. Please ensure
  that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role."
The delay is `OFFLINE_AWS_IAM_PROPAGATION_SECONDS` in the server's environment (0, the default,
turns it off), changeable while it runs with `POST /moto-api/config
{"iam_propagation_seconds": N}` (tests switch it on around the calls they prove). On a loaded
machine wall time is a poor clock, so `{"iam_propagation_refusals": N}` refuses instead each role's
first N uses by these calls (counted from when it is set): a retry is then proven whatever the load.
"""

import os
from datetime import timedelta

from moto.codebuild.exceptions import InvalidInputException
from moto.codebuild.models import CodeBuildBackend
from moto.codepipeline.exceptions import InvalidStructureException
from moto.codepipeline.models import CodePipelineBackend
from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.moto_api._internal.models import MotoAPIBackend
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.utilities.utils import get_partition

SETTING = "iam_propagation_seconds"
REFUSALS = "iam_propagation_refusals"
delay = {SETTING: float(os.environ.get("OFFLINE_AWS_IAM_PROPAGATION_SECONDS", "0")), REFUSALS: 0}
refusals_left = {}  # role ARN -> how many more of its uses are refused

_create_project = CodeBuildBackend.create_project
_create_pipeline = CodePipelineBackend.create_pipeline
_create_model = SageMakerModelBackend.create_model
_set_config = MotoAPIBackend.set_config
_get_config = MotoAPIBackend.get_config


def too_young(backend, role_arn):
    """True when role_arn names a role IAM has not propagated yet (unknown roles: moto's checks)."""
    if not (delay[SETTING] or delay[REFUSALS]) or not role_arn:
        return False
    iam = iam_backends[backend.account_id][get_partition(backend.region_name)]
    role = next((role for role in iam.roles.values() if role.arn == role_arn), None)
    if role is None:
        return False
    left = refusals_left.setdefault(role_arn, delay[REFUSALS])
    if left > 0:
        refusals_left[role_arn] = left - 1
        return True
    return utcnow() - role.create_date < timedelta(seconds=delay[SETTING])


def create_project(self, project_name, description, project_source, artifacts, environment, service_role, *args, **kw):
    if too_young(self, service_role):
        raise InvalidInputException(f"CodeBuild is not authorized to perform: sts:AssumeRole on {service_role}")
    return _create_project(
        self, project_name, description, project_source, artifacts, environment, service_role, *args, **kw
    )


def create_pipeline(self, pipeline, *args, **kwargs):
    if too_young(self, pipeline.get("roleArn")):
        raise InvalidStructureException(
            f"CodePipeline is not authorized to perform AssumeRole on role {pipeline['roleArn']}"
        )
    return _create_pipeline(self, pipeline, *args, **kwargs)


def create_model(self, model_name, execution_role_arn, *args, **kwargs):
    if too_young(self, execution_role_arn):
        raise ValidationError(
            message=f"Could not assume role {execution_role_arn}. Please ensure that the role exists and allows "
            "principal 'sagemaker.amazonaws.com' to assume the role."
        )
    return _create_model(self, model_name, execution_role_arn, *args, **kwargs)


def set_config(self, config):
    if SETTING in config:
        delay[SETTING] = float(config[SETTING])
    if REFUSALS in config:
        delay[REFUSALS] = int(config[REFUSALS])
        refusals_left.clear()
    return _set_config(self, config)


def get_config(self):
    return {**_get_config(self), SETTING: delay[SETTING], REFUSALS: delay[REFUSALS]}


def apply():
    CodeBuildBackend.create_project = create_project
    CodePipelineBackend.create_pipeline = create_pipeline
    SageMakerModelBackend.create_model = create_model
    MotoAPIBackend.set_config = set_config
    MotoAPIBackend.get_config = get_config
