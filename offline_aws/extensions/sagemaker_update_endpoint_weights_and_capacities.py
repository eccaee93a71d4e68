"""SageMaker UpdateEndpointWeightsAndCapacities: change only what the request names.

moto 5.2 writes `DesiredInstanceCount: None` (so the counts vanish from DescribeEndpoint) when a
request sets only `DesiredWeight`, and the other way round. AWS leaves an omitted property as it
is (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DesiredWeightAndCapacity.html).
The validation (unknown endpoint, unknown or repeated variant) stays moto's.
"""

from moto.sagemaker.models import SageMakerModelBackend

_original = SageMakerModelBackend.update_endpoint_weights_and_capacities


def update_endpoint_weights_and_capacities(self, endpoint_name, desired_weights_and_capacities):
    endpoint = self.endpoints.get(endpoint_name)
    before = {v["VariantName"]: dict(v) for v in endpoint.production_variants} if endpoint else {}
    arn = _original(self, endpoint_name, desired_weights_and_capacities)
    requested = {item["VariantName"]: item for item in desired_weights_and_capacities}
    for variant in endpoint.production_variants:
        item = requested.get(variant["VariantName"])
        if item is None:
            continue
        old = before[variant["VariantName"]]
        for field, targets in (
            ("DesiredWeight", ("CurrentWeight", "DesiredWeight")),
            ("DesiredInstanceCount", ("CurrentInstanceCount", "DesiredInstanceCount")),
        ):
            for target in targets:
                if item.get(field) is not None:
                    variant[target] = item[field]
                elif target in old:
                    variant[target] = old[target]
                else:
                    variant.pop(target, None)
    return arn


def apply():
    SageMakerModelBackend.update_endpoint_weights_and_capacities = update_endpoint_weights_and_capacities
