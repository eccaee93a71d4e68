"""What ml-model-service and backend-api share: one error shape, JSON logs, the fast path, serve.

Both services install this package (their images copy its wheel, see scripts/images/wheels.sh).
"""

__version__ = "1.0.0"
