"""The local stack runs like AWS: components that act on the offline AWS's state as AWS's own
machinery does, in the server's process (started and stopped with it, by its PID).

- ``ecs_agent``: runs each ECS service's tasks as containers (podman) and reports them as ECS does.
- ``load_balancer``: a real load balancer (HAProxy) from the ELBv2 listeners, rules and target
  groups; health checks written back as target health; the ALB metrics sent to CloudWatch.

``runtime`` ticks them on one clock and answers the control endpoint ``/moto-api/live``. Off
until told (``POST /moto-api/live`` or the server's ``OFFLINE_AWS_LIVE``): a test that only
calls APIs must not start containers.
"""
