"""SageMaker CreateModel: keep `EnableNetworkIsolation`.

moto 5.2 ignores the request's `EnableNetworkIsolation` and always describes the model with
`false`; AWS stores what was asked for
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html).
"""

from moto.sagemaker.responses import SageMakerResponse

_original = SageMakerResponse.create_model


def create_model(self):
    result = _original(self)
    isolation = self._get_param("EnableNetworkIsolation")
    if isolation is not None:
        self.sagemaker_backend.describe_model(self._get_param("ModelName")).enable_network_isolation = bool(isolation)
    return result


def apply():
    SageMakerResponse.create_model = create_model
