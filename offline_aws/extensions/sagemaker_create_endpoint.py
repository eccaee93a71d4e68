"""SageMaker CreateEndpoint: keep a variant weight of 0.0 (and an instance count of 0).

moto 5.2 copies `InitialVariantWeight` into the endpoint's `CurrentWeight`/`DesiredWeight` only
when it is truthy, so a variant created with weight 0.0 (a staged or shadow variant that takes no
traffic yet) has no weight at all in DescribeEndpoint. AWS reports 0.0. The endpoint configuration
itself keeps 0.0 (DescribeEndpointConfig is right); the loss happens when an endpoint is built
from it, which is shared by CreateEndpoint and UpdateEndpoint.
"""

from moto.sagemaker.models import FakeEndpoint

COPIED = (
    ("InitialInstanceCount", ("CurrentInstanceCount", "DesiredInstanceCount")),
    ("InitialVariantWeight", ("CurrentWeight", "DesiredWeight")),
    ("ServerlessConfig", ("CurrentServerlessConfig", "DesiredServerlessConfig")),
)


def _process_production_variants(self, production_variants):
    variants = []
    for production_variant in production_variants:
        variant = {"VariantName": production_variant["VariantName"]}
        for source, targets in COPIED:
            if production_variant.get(source) is not None:
                for target in targets:
                    variant[target] = production_variant[source]
        if production_variant.get("ManagedInstanceScaling"):
            variant["ManagedInstanceScaling"] = production_variant["ManagedInstanceScaling"]
        variants.append(variant)
    return variants


def apply():
    FakeEndpoint._process_production_variants = _process_production_variants
