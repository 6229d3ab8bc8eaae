"""Redis connection and the RQ queue shared by the API and the worker."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Retry

from backend.config import Settings

QUEUE_NAME = "notes"
# Fargate Spot gives 2 minutes between SIGTERM and SIGKILL. A job may run at
# most 90 s, so a worker that received SIGTERM can always finish it.
JOB_TIMEOUT_SECONDS = 90
# Retry failed jobs three times with growing back-off (seconds).
RETRY = Retry(max=3, interval=[5, 20, 60])
RESULT_TTL_SECONDS = 24 * 3600
FAILURE_TTL_SECONDS = 7 * 24 * 3600


class RedisNotConfiguredError(RuntimeError):
    """Raised when a job feature is used but REDIS_HOST is not set."""


def redis_connection(settings: Settings, *, socket_timeout: float | None = 5.0) -> Redis:
    if not settings.redis_configured:
        raise RedisNotConfiguredError("REDIS_HOST is not set")
    assert settings.redis_host is not None
    return Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        password=settings.redis_auth_token,
        ssl=settings.redis_tls,
        socket_connect_timeout=5,
        socket_timeout=socket_timeout,
        health_check_interval=30,
    )


def job_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection, default_timeout=JOB_TIMEOUT_SECONDS)
