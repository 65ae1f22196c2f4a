"""Pushing a folder and its card to the Hub, against a loopback stub of the Hub's endpoints.

``huggingface_hub`` reads ``HF_ENDPOINT`` when it is imported, so each push runs in a fresh
interpreter with the stub's address in its environment, as a user's process would.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hub_stub import HubStub, hub_environ

from embtaskgen import ConfigError, push_to_hub

TOKEN = "hf_test_token_5f1d0c"
PUSH = """
import json, sys
from embtaskgen import push_to_hub
try:
    print(json.dumps({"url": push_to_hub(sys.argv[1], sys.argv[2], private=sys.argv[3] == "private")}))
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
"""


def push(hub: HubStub, folder, repo: str, visibility: str = "private") -> dict:
    env = hub_environ(hub, TOKEN)
    done = subprocess.run([sys.executable, "-c", PUSH, str(folder), repo, visibility], env=env, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "examples.jsonl").write_text(json.dumps({"kind": "sts", "S1": "a"}) + "\n")
    (tmp_path / "examples.jsonl.failures.jsonl").write_text(json.dumps({"raw": "raw answer"}) + "\n")
    run = {"kind": "run", "seed": 1, "model_name": "openai/x", "api_base": "http://10.0.0.7:8000/v1"}
    (tmp_path / "examples.jsonl.progress.jsonl").write_text(json.dumps(run) + "\n")
    return tmp_path


def private(request: dict) -> bool:
    """Whether a create-repo request asks for a private repo (``visibility``, or ``private`` before 1.0)."""
    return request.get("visibility", "private" if request.get("private") else "public") == "private"


def test_push_creates_a_private_dataset_repo_and_uploads_the_card_and_data_only(folder):
    with HubStub() as hub:
        done = push(hub, folder, "me/rows")
    assert done["url"].startswith(hub.url) and "/datasets/me/rows/commit/" in done["url"], done
    assert len(hub.created) == 1 and hub.created[0]["type"] == "dataset" and private(hub.created[0])
    assert sorted(hub.files) == ["README.md", "examples.jsonl"]  # no journal, failures file or summary
    assert b'config_name: "examples"' in hub.files["README.md"]
    posts = [r for r in hub.requests if r["method"] == "POST"]
    assert all({k.lower(): v for k, v in r["headers"].items()}["authorization"] == f"Bearer {TOKEN}" for r in posts)
    assert all(TOKEN.encode() not in content for content in hub.files.values())
    assert TOKEN not in (folder / "README.md").read_text()


def test_public_on_request(folder):
    with HubStub() as hub:
        push(hub, folder, "me/rows", "public")
    assert not private(hub.created[0])


def test_a_refusing_hub_is_a_push_error_without_the_token(folder):
    with HubStub(status=401) as hub:
        done = push(hub, folder, "me/rows")
    assert done["error"] == "PushError" and "me/rows" in done["message"]
    assert TOKEN not in done["message"]


@pytest.mark.parametrize("repo", ["a/b/c", "", "me/two words"])
def test_a_bad_repo_id_is_refused_before_any_request(folder, repo):
    with pytest.raises(ConfigError, match="user/name"):
        push_to_hub(folder, repo)
