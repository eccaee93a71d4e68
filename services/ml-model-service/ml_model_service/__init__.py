"""ml-model-service: serves an ONNX model bundle over HTTP (app API, SageMaker, Open Inference V2)."""

__version__ = "1.0.0"
