"""Redis connection and the RQ queue shared by the API and the worker.

Redis only carries job ids: the job itself is a row in PostgreSQL (backend/jobs.py), so a Redis
that restarts empty loses nothing; the worker's re-enqueue loop puts recorded jobs back.
"""

from __future__ import annotations

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

from backend.config import Settings

QUEUE_NAME = "notes"
# Fargate Spot gives 2 minutes between SIGTERM and SIGKILL. A job may run at
# most 90 s, so a worker that received SIGTERM can always finish it.
JOB_TIMEOUT_SECONDS = 90
RESULT_TTL_SECONDS = 3600
FAILURE_TTL_SECONDS = 24 * 3600


class RedisNotConfiguredError(RuntimeError):
    """Raised when a job feature is used but REDIS_HOST is not set."""


def redis_connection(settings: Settings, *, blocking: bool = False, retries: int = 0) -> Redis:
    """A client whose connect and reads give up after ``REDIS_TIMEOUT`` (0.5 s) with no retry by
    default: redis-py would otherwise retry a dead server with back-off for seconds, and a
    request would wait that long. The worker passes ``blocking=True`` (no read timeout) for its
    blocking dequeue."""
    if not settings.redis_configured:
        raise RedisNotConfiguredError("REDIS_HOST is not set")
    assert settings.redis_host is not None
    return Redis(
        host=settings.redis_host,
        port=settings.redis_port,
        password=settings.redis_auth_token,
        ssl=settings.redis_tls,
        socket_connect_timeout=settings.redis_timeout,
        socket_timeout=None if blocking else settings.redis_timeout,
        retry=Retry(NoBackoff(), retries),
        health_check_interval=30,
    )


def job_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection, default_timeout=JOB_TIMEOUT_SECONDS)
