"""Services as data: one spec per service, from app/contract.json and the stack's settings.

The contract says what each service is (image, port and health route, command, the data stores
it uses, the services it calls, whether CPU target tracking may scale it, its stop timeout);
the settings say how big and how many (the dial named after the service, `api`, `web`,
`worker`, or `DEFAULT_SIZE` for a service that has no dial of its own), and the stack-wide
operational dials (Spot, autoscaling, sleep, whether images exist yet). `service_specs` joins
the two; the wiring (`__main__.py`) makes every resource of every service from these specs in
one loop, so no line of it names a service.

Rules applied here, each once:
- a service whose size says `enabled: false` is left out (the lab's worker);
- no image to run yet (`Settings.parked`): every count is 0, scaling bounds too;
- Spot per service: its own `spot`, else `fargateSpot`;
- in the mvp profile, a service that serves traffic and runs on Spot keeps one on-demand task
  first: Fargate Spot is never replaced by on-demand capacity (aws-facts#spot-not-replaced);
- CPU target tracking only where the contract allows it and `autoscaling` is on; a scalable
  target owns the desired count when it tracks CPU or when a sleep schedule moves it.

Cost: none of its own (components/compute/fargate_service.py prices a task).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from components.config.app_contract import AppContract, Image, Workload
from components.config.dials import field_name
from components.config.settings import Settings
from components.config.values import ServiceSize

# The size of a service that has no dial of its own (a service added to the contract only).
DEFAULT_SIZE = ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=1)


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the program needs to build one service."""

    workload: Workload
    size: ServiceSize
    spot: bool
    on_demand_base: int
    desired_count: int
    min_count: int
    max_count: int
    target_tracking: bool
    owns_desired_count: bool

    @property
    def name(self) -> str:
        return self.workload.name

    @property
    def image(self) -> Image:
        return self.workload.image

    @property
    def serves(self) -> bool:
        return self.workload.serves

    @property
    def port(self) -> int | None:
        return self.workload.port

    @property
    def health_path(self) -> str | None:
        return self.workload.health_path


def size_of(settings: Settings, service: str) -> ServiceSize:
    """The stack's size of a service: its own dial, or DEFAULT_SIZE when it has none."""
    value = getattr(settings, field_name(service), None)
    return value if isinstance(value, ServiceSize) else DEFAULT_SIZE


def service_specs(contract: AppContract, settings: Settings) -> list[ServiceSpec]:
    """One spec per enabled service, in the contract's order."""
    specs = []
    for workload in contract.services.values():
        size = size_of(settings, workload.name)
        if not size.enabled:
            continue
        spot = size.runs_on_spot(settings.fargate_spot)
        target_tracking = settings.autoscaling and workload.autoscaling
        parked = settings.parked
        specs.append(
            ServiceSpec(
                workload=workload,
                size=size,
                spot=spot,
                on_demand_base=1 if spot and settings.profile == "mvp" and workload.serves else 0,
                desired_count=0 if parked else size.count,
                min_count=0 if parked else size.min_count,
                max_count=0 if parked else size.max_count,
                target_tracking=target_tracking,
                owns_desired_count=target_tracking or settings.sleep is not None,
            )
        )
    for spec in specs:
        for called in spec.workload.calls:
            if not any(other.name == called for other in specs):
                raise ValueError(f"{spec.name} calls {called}, which this stack does not run")
    return specs


def host_of(task: Workload, services: Sequence[ServiceSpec]) -> ServiceSpec:
    """The service a one-off task borrows its roles, group and logs from: the first that runs
    the same image (the migration runs with the api's permissions and network)."""
    for spec in services:
        if spec.image.name == task.image.name:
            return spec
    raise ValueError(f"task {task.name}: no service runs the {task.image.name} image")
