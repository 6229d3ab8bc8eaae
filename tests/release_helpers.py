"""The release steps as the engine runs them, against a local AWS (moto's server).

- `MotoAws`: moto's ThreadedMotoServer in this process; every boto3 call to it goes through
  botocore's own parameter validation on the caller's side and moto's request parsing.
- `DynamicProviderProcess`: the Python dynamic provider started the way the engine starts it
  (`python -u -m pulumi.dynamic` in the project directory, with this venv's python; it prints
  its port), driven over gRPC with the stubs of pulumi.runtime.proto. Inputs are serialized
  with the SDK's own `rpc.serialize_properties` (numbers become protobuf doubles) and carry the
  provider as `pulumi.dynamic.Resource` stores it (`serialize_provider`, key `__provider`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import grpc  # type: ignore[import-untyped]
from moto.server import ThreadedMotoServer
from pulumi.dynamic.dynamic import PROVIDER_KEY, ResourceProvider, serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class MotoAws:
    """A moto server on a free local port."""

    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def client(self, service: str, **credentials: str) -> Any:
        return boto3.session.Session(
            aws_access_key_id=credentials.get("key", "testing"),
            aws_secret_access_key=credentials.get("secret", "testing"),
            region_name=REGION,
        ).client(service, endpoint_url=self.url)  # type: ignore[call-overload]

    def environment(self) -> dict[str, str]:
        """What a shell pointed at this server would export (no profile, fake keys)."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_DEFAULT_REGION": REGION, **FAKE_CREDENTIALS}

    def stop(self) -> None:
        self.server.stop()


def _serialize(props: Mapping[str, Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def deserialize(struct: Any) -> dict[str, Any]:
    return dict(rpc.deserialize_properties(struct))


class DynamicProviderProcess:
    """`python -u -m pulumi.dynamic` in the project root, as the engine's launcher runs it."""

    def __init__(self, environment: Mapping[str, str]) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and key != "PYTHONSAFEPATH"
        }
        env.update(environment)
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.process.kill()
            _, err = self.process.communicate()
            raise RuntimeError(f"the provider printed {line!r}, not a port: {err.decode()}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.stub.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True))

    def close(self) -> None:
        self.channel.close()
        self.process.kill()
        self.process.communicate()


class EngineCalls:
    """Check, Diff, Create, Update, Delete of one dynamic resource, as the engine sends them."""

    def __init__(
        self, process: DynamicProviderProcess, provider: ResourceProvider | str, urn: str
    ) -> None:
        """`provider`: an instance (serialized here as pulumi.dynamic.Resource does) or the
        `__provider` string a resource registered (as the state stores it)."""
        self.stub = process.stub
        self.provider = provider if isinstance(provider, str) else serialize_provider(provider)
        self.urn = urn

    def _with_provider(self, props: Mapping[str, Any]) -> Any:
        return _serialize({**props, PROVIDER_KEY: self.provider})

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Check(
            provider_pb2.CheckRequest(
                urn=self.urn, olds=self._with_provider(olds), news=self._with_provider(news)
            )
        )

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Diff(
            provider_pb2.DiffRequest(
                id="id",
                urn=self.urn,
                olds=self._with_provider(olds),
                news=self._with_provider(news),
            )
        )

    def create(self, props: Mapping[str, Any]) -> Any:
        return self.stub.Create(
            provider_pb2.CreateRequest(urn=self.urn, properties=self._with_provider(props))
        )

    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Update(
            provider_pb2.UpdateRequest(
                id="id",
                urn=self.urn,
                olds=self._with_provider(olds),
                news=self._with_provider(news),
            )
        )

    def delete(self, props: Mapping[str, Any]) -> Any:
        return self.stub.Delete(
            provider_pb2.DeleteRequest(id="id", urn=self.urn, properties=self._with_provider(props))
        )


def failure_text(error: grpc.RpcError) -> str:
    """The details the engine shows for a failed call (the provider's formatted traceback)."""
    return str(error.details())


class FakeDocker:
    """Answers docker's commands; `cp` writes a small Next.js static tree."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.commands: list[list[str]] = []
        self.stdin: list[str | None] = []
        self.fail_on = fail_on

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.commands.append(argv)
        self.stdin.append(kwargs.get("input"))
        verb = argv[3]  # docker --config <dir> <verb> ...
        if verb == self.fail_on:
            return subprocess.CompletedProcess(argv, 1, "", f"Error response from daemon: {verb}")
        if verb == "cp":
            root = Path(argv[-1])
            (root / "chunks").mkdir(parents=True)
            (root / "chunks" / "app-3f9c2a1b.js").write_text("js")
            (root / "css").mkdir()
            (root / "css" / "a1b2c3.css").write_text("css")
            (root / "Bx7y_buildId").mkdir()
            (root / "Bx7y_buildId" / "_buildManifest.js").write_text("manifest")
        out = "c0ffee" if verb == "create" else ""
        return subprocess.CompletedProcess(argv, 0, out, "")
