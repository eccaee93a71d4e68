"""backend-api: the public /api, forwarding predictions to ml-model-service or SageMaker."""

__version__ = "1.0.0"
