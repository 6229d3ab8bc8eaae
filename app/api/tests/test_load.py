"""200 concurrent clients against one API process (the image's own command), for ~20 s.

Properties, not timings: no 5xx at all (not even deliberate 503 shedding: at this load the
bounded pool's wait stays far below DB_POOL_TIMEOUT), every 201 is a stored row, and the
process never holds more PostgreSQL connections than DB_POOL_SIZE (sampled from
pg_stat_activity every 10 ms). NOTES_LOAD_SECONDS changes the duration.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from tests.api_process import api_server
from tests.conftest import DbInfo
from tests.load import ConnectionSampler, note_mix, run_load
from tests.servers import PostgresServer

CLIENTS = 200
POOL = 5


def test_two_hundred_clients(pg: PostgresServer, migrated_db: DbInfo, tmp_path: Path) -> None:
    seconds = float(os.environ.get("NOTES_LOAD_SECONDS", "20"))
    log = tmp_path / "api.log"
    with api_server({"DB_POOL_SIZE": str(POOL)}, log) as base:
        url = urlsplit(base)
        host, port = url.hostname or "127.0.0.1", url.port or 80
        seed = run_load(host, port, 1, 0.0, note_mix([1], 10))  # warm-up: nothing yet
        assert seed.total == 0
        with pg.admin(migrated_db.name) as conn:
            conn.execute("INSERT INTO notes (title, body) SELECT 'seed', 'text' FROM generate_series(1, 50)")
        with ConnectionSampler(pg.admin, migrated_db.user) as sampler:
            results = run_load(host, port, CLIENTS, seconds, note_mix(list(range(1, 51)), 200))
        with pg.admin(migrated_db.name) as conn:
            row = conn.execute("SELECT count(*) FROM notes WHERE title = 'load'").fetchone()
    assert row is not None
    print(
        f"\n{results.total} requests in {results.elapsed:.1f} s ({results.total / results.elapsed:.0f}/s), "
        f"statuses {dict(results.statuses)}, p50/p99 list "
        f"{results.percentile('list', 0.5) * 1000:.0f}/{results.percentile('list', 0.99) * 1000:.0f} ms, "
        f"max connections {sampler.maximum} over {sampler.samples} samples"
    )
    assert results.total > CLIENTS
    assert not results.errors, results.errors
    assert set(results.statuses) <= {200, 201}, results.statuses
    assert row[0] == results.created == results.statuses[201]
    assert sampler.samples > 10
    assert 1 <= sampler.maximum <= POOL
    assert "Traceback" not in log.read_text()
