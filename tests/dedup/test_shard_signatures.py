"""The Ray Data step of dedup: the same result as the local executor, and a bad shard line
is the reader's ConfigError. Runs a local Ray instance (2 CPUs, loopback), so slow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embtaskgen import ConfigError, dedup_rows

TASKS = [
    "Given a question about home repairs, retrieve how-to articles that answer it.",
    "Classify customer emails by how urgent the request is.",
    "Retrieve how-to articles that answer a given question about home repairs!",
    "Match a song title to the artist who recorded it.",
    "Classify the customer emails by how urgent each request is.",
    "Find legal statutes that govern a dispute between a landlord and a tenant.",
]


def _shards(folder: Path, rows: list[dict], size: int) -> Path:
    folder.mkdir()
    for k in range(0, len(rows), size):
        (folder / f"part-{k // size:06d}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows[k : k + size]), encoding="utf-8"
        )
    return folder


@pytest.mark.slow
def test_ray_signatures_give_the_local_result(tmp_path, local_ray):
    rows = [{"category": "c", "task": t, "n": i} for i, t in enumerate(TASKS * 3)]
    folder = _shards(tmp_path / "shards", rows, 5)
    local = dedup_rows(folder, tmp_path / "local.jsonl")
    on_ray = dedup_rows(folder, tmp_path / "ray.jsonl", executor="ray")
    assert (tmp_path / "local.jsonl").read_text() == (tmp_path / "ray.jsonl").read_text()
    assert on_ray.removed == local.removed == 14
    reports = [json.loads((tmp_path / f"{n}.jsonl.dedup-report.json").read_text()) for n in ("local", "ray")]
    assert reports[0]["duplicates"] == reports[1]["duplicates"]
    assert reports[1]["executor"] == "ray"
    assert local_ray.is_initialized()  # a Ray the caller started is left running

    (folder / "part-000001.jsonl").write_text('{"task": "x"}\n[1]\n')
    with pytest.raises(ConfigError, match=r"part-000001.jsonl:2: expected a JSON object"):
        dedup_rows(folder, tmp_path / "bad.jsonl", executor="ray")
    assert not (tmp_path / "bad.jsonl").exists()
