"""Background worker: ``python -m backend.worker`` on the API image.

With Redis configured, runs an RQ ``SimpleWorker``: jobs run in the worker process itself, not
in a fork per job, so the process keeps one database pool (``DB_POOL_SIZE``) and one credential
provider; credentials refreshed after a rotation serve every later job (a forked job would start
from the stale ones and fail to log in first). The job timeout (90 s) is enforced with SIGALRM.

Beside it, a thread runs the re-enqueue loop every ``JOB_REQUEUE_SECONDS``: jobs recorded in
PostgreSQL but unknown to Redis (Redis restarted empty, or was down when the API accepted them)
are pushed again, and a job whose worker died mid-run is retried once ``JOB_STALE_SECONDS`` have
passed (backend/jobs.py). It also deletes idempotency keys older than 24 hours.

RQ's SIGTERM handling is a warm shutdown: the worker stops taking new jobs and exits once the
current job has finished (jobs are capped at 90 s, less than the 2 minutes Fargate Spot gives
between SIGTERM and SIGKILL).

Without Redis, the worker idles, logs why, and exits cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import sys
import threading
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy.exc import SQLAlchemyError

from backend import idempotency, jobs
from backend.config import Settings, load_settings
from backend.db import Database
from backend.queue import job_queue, redis_connection

log = logging.getLogger("backend.worker")

MAINTENANCE_INTERVAL_SECONDS = 120
IDLE_MESSAGE = "worker idle: Redis is not configured (REDIS_HOST is unset); no jobs will be processed"


def run_idle(stop: threading.Event, interval: float) -> int:
    def _handle(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping idle worker", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    while not stop.is_set():
        log.info(IDLE_MESSAGE)
        stop.wait(interval)
    log.info("idle worker stopped")
    return 0


def requeue_loop(db: Database, redis: Redis, settings: Settings, stop: threading.Event) -> None:
    """Re-enqueue recorded jobs until ``stop`` is set; a failing pass is logged and retried."""
    while not stop.is_set():
        try:
            jobs.requeue(db, redis, settings.job_stale_seconds)
            with db.transaction() as session:
                idempotency.purge(session)
        except (SQLAlchemyError, RedisError, OSError) as exc:
            log.warning("re-enqueue pass failed (%s); retrying", jobs.short_error(exc))
        stop.wait(settings.job_requeue_seconds)


def run_worker(settings: Settings) -> int:
    # No read timeout: the worker blocks on Redis waiting for jobs; redis-py retries a lost
    # connection a few times.
    connection = redis_connection(settings, blocking=True, retries=3)
    db = Database(settings, application_name="notes-worker")
    jobs.configure(db)
    # Unique even when a replacement container reuses a hostname and PID 1.
    name = f"{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(3)}"
    worker = SimpleWorker(
        [job_queue(connection)],
        connection=connection,
        name=name,
        maintenance_interval=MAINTENANCE_INTERVAL_SECONDS,
    )
    stop = threading.Event()
    loop = threading.Thread(
        target=requeue_loop,
        args=(db, redis_connection(settings, retries=1), settings, stop),
        name="requeue",
        daemon=True,
    )
    loop.start()
    log.info("worker %s listening on queue(s): %s", name, ", ".join(worker.queue_names()))
    try:
        worker.work(with_scheduler=False, logging_level="INFO")
    finally:
        stop.set()
        loop.join(timeout=5)
        db.dispose()
    log.info("worker %s stopped", name)
    return 0


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stdout
    )
    settings = load_settings()
    if not settings.redis_configured:
        interval = float(os.environ.get("WORKER_IDLE_LOG_INTERVAL", "300"))
        return run_idle(threading.Event(), interval)
    return run_worker(settings)


if __name__ == "__main__":
    sys.exit(main())
