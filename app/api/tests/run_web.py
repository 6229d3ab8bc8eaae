"""Run the web container as a stack's rendered task definition says, for the end-to-end test.

    python -m tests.run_web --stack dev --api-url http://127.0.0.1:8123 --port 3456 \
        [--env NAME=VALUE ...]

Starts `.next/standalone` in the Fargate stand-in (tests/fargate.py) with the internal load
balancer routed to `--api-url`, waits for the container health check, prints `READY <url>`, and
keeps running until SIGTERM/SIGINT or until its standard input is closed; then it stops the
container like ECS does (SIGTERM) and cleans up. `--env` replaces a value of the definition the
way the other stand-ins do (the stack's user pool by a moto pool: its client id, issuer and
endpoint).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from tests.fargate import (
    Container,
    FakeNetwork,
    FakeSecretStore,
    app_secret_values,
    load_taskdefs,
    start_serving,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.run_web")
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--api-url", required=True, help="where the internal ALB's /api/* leads")
    parser.add_argument("--port", type=int, required=True, help="local port for the container port")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    extra_env = dict(item.split("=", 1) for item in args.env)

    stop = threading.Event()

    def _handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)

    def _watch_stdin() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=_watch_stdin, daemon=True).start()

    taskdefs = load_taskdefs(args.stack)
    api = urlsplit(args.api_url)
    network = FakeNetwork()
    alb = taskdefs["endpoints"]["loadBalancer"]["host"]
    network.route(alb, None, (api.hostname or "127.0.0.1", api.port or 80))
    # The web task injects only the app's own secrets it declares (contract.json `appSecrets`);
    # a store without anything else makes any other secret it gained fail loudly.
    container = Container(taskdefs, "web", FakeSecretStore(app_secret_values(taskdefs)), network, extra_env)
    log = Path(tempfile.mkdtemp(prefix="run-web-")) / "web.log"
    serving = start_serving(container, args.port, log)
    running = next(serving)
    print(f"READY {running.base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            if running.proc.poll() is not None:
                print(f"web container exited:\n{log.read_text()[-4000:]}", file=sys.stderr, flush=True)
                return 1
    finally:
        serving.close()  # SIGTERM to the server, then the volumes go
        sys.stderr.write(log.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
