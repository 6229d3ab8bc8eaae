"""Background worker: ``python -m backend.worker`` on the API image.

With Redis configured, runs an RQ worker (plus RQ's scheduler, which moves
retried jobs back onto the queue once their back-off has elapsed). RQ's own
SIGTERM handling is a warm shutdown: the worker stops taking new jobs and exits
once the current job has finished. Jobs are capped at 90 s, less than the
2 minutes Fargate Spot gives between SIGTERM and SIGKILL. If a worker is killed
anyway, the job stays in RQ's started-job registry; once its heartbeat has
expired (at most 90 s), a worker's registry maintenance (every 2 minutes here)
moves it back onto the queue while it has retries left.

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

from rq import Worker

from backend.config import Settings, load_settings
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


def run_worker(settings: Settings) -> int:
    # No socket timeout: the worker blocks on Redis waiting for jobs.
    connection = redis_connection(settings, socket_timeout=None)
    # Unique even when a replacement container reuses a hostname and PID 1.
    name = f"{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(3)}"
    # Registry maintenance every 2 minutes (RQ's default is 10): a job whose
    # worker was killed is requeued soon after its heartbeat expires (<= 90 s).
    worker = Worker(
        [job_queue(connection)],
        connection=connection,
        name=name,
        maintenance_interval=MAINTENANCE_INTERVAL_SECONDS,
    )
    log.info("worker %s listening on queue(s): %s", name, ", ".join(worker.queue_names()))
    worker.work(with_scheduler=True, logging_level="INFO")
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
