"""Output paths: refused before anything is written; a failed write ends the run cleanly."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from run_helpers import FaultyModel, generations_in, read_lines

import embtaskgen.runs.files as files_module
from embtaskgen import EmbeddingTaskGenerator
from embtaskgen.cli.main import main
from embtaskgen.errors import ConfigError, EmbtaskgenError, RunAborted
from embtaskgen.runs.files import LineWriter, RunFiles, WriteError, write_json_atomic
from embtaskgen.runs.runner import run

CATS = ["text-retrieval", "text-classification"]
SIDECARS = (".progress.jsonl", ".failures.jsonl", ".summary.json")


def make(model: FaultyModel, generations: int = 4, **kwargs) -> EmbeddingTaskGenerator:
    return EmbeddingTaskGenerator(CATS, seed=5, lm=model.lm, num_generations=generations, concurrency=1, **kwargs)


@pytest.fixture
def no_device_sidecars():
    """Remove sidecars an old version would create in /dev, and check none appeared."""
    paths = [Path(f"/dev/{name}{suffix}") for name in ("null", "full") for suffix in SIDECARS]
    existed = {path for path in paths if path.exists()}
    yield
    created = [path for path in paths if path.exists() and path not in existed]
    for path in created:
        path.unlink()
    assert created == []


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        (lambda tmp: Path("/dev/null"), "a device"),
        (lambda tmp: Path("/dev/full"), "a device"),
        (lambda tmp: tmp, "a folder"),
        (_fifo, "a pipe"),
    ],
)
@pytest.mark.parametrize("resume", [False, True])
def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path, no_device_sidecars, target, kind, resume):
    """Issue case 10: /dev/full gave a traceback and sidecars appeared in /dev."""
    path = target(tmp_path)
    if not path.exists():
        pytest.skip(f"{path} does not exist here")
    before = sorted(tmp_path.iterdir())
    model = FaultyModel(seed=5, generations=2)
    with pytest.raises(ConfigError, match=f"is {kind}, not a regular file"):
        run(make(model), path, resume=resume, progress=False)
    assert sorted(tmp_path.iterdir()) == before
    assert sum(model.attempts.values()) == 0


def test_a_sidecar_that_is_not_a_regular_file_is_refused(tmp_path):
    out = tmp_path / "tasks.jsonl"
    (tmp_path / "tasks.jsonl.progress.jsonl").mkdir()
    with pytest.raises(ConfigError, match="progress.jsonl is a folder"):
        run(make(FaultyModel(seed=5, generations=2)), out, progress=False)
    assert not out.exists()


def _deny_writes_to(monkeypatch, denied: Path) -> None:
    real = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == denied and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(files_module.os, "access", access)


def test_a_read_only_folder_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    _deny_writes_to(monkeypatch, folder)
    with pytest.raises(ConfigError, match="is not writable"):
        run(make(FaultyModel(seed=5, generations=2)), folder / "tasks.jsonl", progress=False)
    assert list(folder.iterdir()) == []


def test_a_read_only_output_file_is_refused(tmp_path, monkeypatch):
    model = FaultyModel(seed=5, generations=4)
    out = tmp_path / "tasks.jsonl"
    run(make(model, generations=2), out, progress=False)
    before = out.read_bytes()
    _deny_writes_to(monkeypatch, out)
    with pytest.raises(ConfigError, match="tasks.jsonl is not writable"):
        run(make(model), out, resume=True, progress=False)
    assert out.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="is not writable"):
            run(make(FaultyModel(seed=5, generations=2)), folder / "tasks.jsonl", progress=False)
    finally:
        folder.chmod(0o755)


# ------------------------------------------------------------------ failing writes


class DiskFull:
    """``os.write`` that fills the disk on the ``nth`` write to ``path``: half the bytes, then ENOSPC."""

    def __init__(self, path: Path, nth: int) -> None:
        self.path = str(path)
        self.nth = nth
        self.count = 0
        self.real = os.write
        self.full = False

    def __call__(self, fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target == self.path:
            self.count += 1
            if self.full or self.count == self.nth:
                if not self.full:
                    self.full = True
                    return self.real(fd, bytes(data)[: max(1, len(data) // 2)])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real(fd, data)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
@pytest.mark.parametrize("flatten", [False, True])
def test_a_full_disk_ends_the_run_with_whole_lines_and_resume_completes(tmp_path, monkeypatch, flatten):
    out = tmp_path / "tasks.jsonl"
    disk = DiskFull(out, nth=4)
    monkeypatch.setattr(files_module.os, "write", disk)
    model = FaultyModel(seed=5, generations=4)
    with pytest.raises(RunAborted, match="No space left on device") as aborted:
        run(make(model, flatten_tasks=flatten), out, progress=False)
    assert isinstance(aborted.value, EmbtaskgenError)
    summary = aborted.value.summary
    assert summary.status == "aborted" and summary.ok == 3 and str(out) in summary.message
    rows = read_lines(out)  # whole lines only
    assert len(generations_in(rows)) == 3
    monkeypatch.setattr(files_module.os, "write", disk.real)
    done = run(make(model, flatten_tasks=flatten), out, resume=True, progress=False)
    per = 3 if flatten else 1
    assert done.status == "complete"
    assert generations_in(read_lines(out)) == {(c, g): per for c in CATS for g in range(4)}


def test_a_failed_write_cuts_the_file_back_to_whole_lines(tmp_path, monkeypatch):
    path = tmp_path / "x.jsonl"
    with LineWriter(path) as writer:
        writer.write_lines(['{"a": 1}'])
        monkeypatch.setattr(files_module.os, "write", DiskFull(path, nth=1))
        with pytest.raises(WriteError, match="No space left on device"):
            writer.write_lines(['{"b": 2}', '{"c": 3}'])
    assert path.read_text() == '{"a": 1}\n'


# ------------------------------------------------------------------------ the CLI


@pytest.fixture
def scripted_cli(monkeypatch):
    model = FaultyModel(seed=5, generations=4)
    monkeypatch.setattr("embtaskgen.lm.resolve.resolve_lm", lambda spec, **kwargs: model.lm)
    return model


def test_cli_refuses_dev_full_with_exit_2_and_no_sidecars(scripted_cli, no_device_sidecars):
    result = CliRunner().invoke(
        main, ["generate", "-c", "text-retrieval", "--seed", "5", "--model", "openai/x", "-o", "/dev/full"]
    )
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_cli_full_disk_exits_1_with_a_message(tmp_path, scripted_cli, monkeypatch):
    out = tmp_path / "tasks.jsonl"
    monkeypatch.setattr(files_module.os, "write", DiskFull(out, nth=2))
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "-c",
            "text-retrieval",
            "-c",
            "text-classification",
            "-n",
            "4",
            "--seed",
            "5",
            "--model",
            "openai/x",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "No space left on device" in result.output
    assert len(read_lines(out)) == 1
    assert json.loads(RunFiles.for_output(out).summary.read_text())["status"] == "aborted"


# ------------------------------------------------------------------------ links (issue 21, case 7)


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    return victim


@pytest.mark.parametrize("points_to", ["a file", "nothing"])
@pytest.mark.parametrize("suffix", ["", *SIDECARS])
def test_a_run_file_that_is_a_link_is_refused_and_never_followed(tmp_path, suffix, points_to):
    """Before: a failures-file link truncated its target, a journal link overwrote it, an -o link was followed."""
    target = _victim(tmp_path) if points_to == "a file" else tmp_path / "elsewhere.jsonl"
    link = tmp_path / f"tasks.jsonl{suffix}"
    link.symlink_to(target)
    before = sorted(p.name for p in tmp_path.iterdir())
    model = FaultyModel(seed=5, generations=2)
    with pytest.raises(ConfigError, match=f"{link.name} is a symbolic link, not a regular file"):
        run(make(model), tmp_path / "tasks.jsonl", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == before and link.is_symlink()
    assert not target.exists() or target.read_text() == "precious\n"
    assert sum(model.attempts.values()) == 0


@pytest.mark.parametrize("kind", ["link", "pipe"])
@pytest.mark.parametrize("sidecar", ["_progress.jsonl", "_failures.jsonl", "_summary.json"])
def test_a_ray_folders_sidecar_that_is_a_link_or_a_pipe_is_refused(tmp_path, sidecar, kind):
    folder = tmp_path / "shards"
    folder.mkdir()
    victim = _victim(tmp_path)
    if kind == "link":
        (folder / sidecar).symlink_to(victim)
    else:
        os.mkfifo(folder / sidecar)
    model = FaultyModel(seed=5, generations=2)
    expected = "a symbolic link" if kind == "link" else "a pipe"
    with pytest.raises(ConfigError, match=f"{sidecar} is {expected}, not a regular file"):
        run(make(model, avoid_archive=0), folder, executor="ray", progress=False)
    assert victim.read_text() == "precious\n" and [p.name for p in folder.iterdir()] == [sidecar]


def test_a_link_planted_at_the_summarys_temporary_name_is_not_followed(tmp_path):
    victim = _victim(tmp_path)
    target = tmp_path / "x.jsonl.summary.json"
    (tmp_path / f".{target.name}.tmp-{os.getpid()}").symlink_to(victim)
    write_json_atomic(target, '{"ok": 1}')
    assert victim.read_text() == "precious\n"
    assert not target.is_symlink() and json.loads(target.read_text()) == {"ok": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.txt", "x.jsonl.summary.json"]
