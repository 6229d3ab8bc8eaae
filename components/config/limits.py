"""AWS's own limit tables that settings and components check values against.

Each table is a fact of AWS with its source in docs/aws-facts.md. Nothing here reads config or
creates resources; settings validate against these before any resource exists, and the tests
check the graph against them.
"""

from __future__ import annotations

# CloudWatch Logs accepts exactly these retention periods, in days
# (aws-facts#log-retention).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Fargate task sizes: cpu units -> the memory sizes (MiB) allowed with it
# (aws-facts#fargate-sizes).
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# Oldest minor version per Aurora PostgreSQL major that supports a minimum capacity of 0 ACU
# (auto-pause; aws-facts#auto-pause).
AUTO_PAUSE_MIN_MINOR: dict[int, int] = {13: 15, 14: 12, 15: 7, 16: 3, 17: 0}

# Aurora Serverless v2 capacity: 0 to 256 ACU in steps of 0.5
# (aws-facts#serverless-v2-shape).
MAX_ACU = 256.0


def memory_range(values: tuple[int, ...]) -> str:
    """`512, 1024, 2048` or `1024 to 4096 in steps of 1024`: an allowed-memory list for people."""
    if len(values) <= 3:
        return ", ".join(str(v) for v in values)
    step = values[1] - values[0]
    return f"{values[0]} to {values[-1]} in steps of {step}"
