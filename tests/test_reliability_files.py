"""Nothing lost, nothing escapes: registry paths, the journal, the lock, pool workers, write
errors and file modes (issue 11, defects 1-4, 8, and the file parts of 10 and 11)."""

from __future__ import annotations

import copy
import ctypes
import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from evireg.errors import UserError
from evireg.registry.journal import JOURNAL
from evireg.registry.lock import lock
from evireg.registry.paths import Registry

from .conftest import FIXTURES, give_profile

V = FIXTURES / "valid"
BASE = yaml.safe_load((V / "smith-2001.yaml").read_text())
LEE = json.loads((V / "lee-2010.json").read_text())
MARK = "EVIREG_TEST_RUN"


def evireg(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "evireg", *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec,
    )


def study_yaml(d: Path, sid: str) -> Path:
    p = d / f"{sid}.yaml"
    p.write_text(yaml.safe_dump({**copy.deepcopy(BASE), "id": sid}))
    return p


def jsonl(path: Path, n: int, prefix: str = "line") -> Path:
    rec = {k: v for k, v in LEE.items() if k != "$schema"}
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({**rec, "id": f"{prefix}-{i}"}) + "\n")
    return path


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def temp_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name.endswith(".tmp"))


def rel(p: Path) -> str:
    """A path as the journal names it: relative to the registry root."""
    return p.relative_to(p.parent.parent).as_posix()


def study_ids(root: Path) -> set[str]:
    r = evireg("query", "select study_id from studies", "-f", "csv", "-r", str(root))
    assert r.returncode == 0, r.stderr
    return set(r.stdout.split()[1:])


# --- 1: paths in the index are relative to the registry root --------------------------------


def test_replace_with_the_registry_spelled_differently_keeps_the_record(tmp_path: Path) -> None:
    assert evireg("init", "reg", cwd=tmp_path).returncode == 0
    give_profile(tmp_path / "reg")
    assert evireg("add", str(V), "-r", "reg", cwd=tmp_path).returncode == 0
    r = evireg("add", "--replace", str(V / "smith-2001.yaml"), "-r", str(tmp_path / "reg"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "reg" / "studies" / "smith-2001.yaml").is_file()
    assert "smith-2001" in study_ids(tmp_path / "reg")
    r = evireg("validate", "-r", "reg", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_replace_in_a_copied_registry_never_touches_the_original(
    fixture_registry: Path, tmp_path: Path
) -> None:
    (fixture_registry / "studies" / "smith-2001.yaml").rename(fixture_registry / "studies" / "smith-2001.yml")
    assert evireg("build", "-r", str(fixture_registry)).returncode == 0  # index names the .yml file
    copy_ = tmp_path / "copy"
    shutil.copytree(fixture_registry, copy_, symlinks=True)  # like `cp -a`, index included
    before = files_under(fixture_registry)
    r = evireg("add", "--replace", str(V / "smith-2001.yaml"), "-r", str(copy_))
    assert r.returncode == 0, r.stderr
    assert files_under(fixture_registry) == before  # the original is untouched
    assert (copy_ / "studies" / "smith-2001.yaml").is_file()
    assert not (copy_ / "studies" / "smith-2001.yml").exists()  # the copy's old file went
    assert "smith-2001" in study_ids(copy_)


def test_the_index_names_files_relative_to_the_registry(fixture_registry: Path) -> None:
    r = evireg("query", "select file from studies order by 1", "-f", "csv", "-r", str(fixture_registry))
    assert r.stdout.split()[1:] == ["studies/lee-2010.json", "studies/smith-2001.yaml"]  # JSON kept


def test_a_copied_or_moved_registry_rebuilds_its_index(fixture_registry: Path, tmp_path: Path) -> None:
    from evireg.index.build import db_path
    from evireg.index.fresh import ensure

    original = Registry(fixture_registry)
    ensure(original)
    ino = db_path(original).stat().st_ino
    ensure(original)
    assert db_path(original).stat().st_ino == ino  # fresh: kept
    moved = Registry(tmp_path / "moved")
    fixture_registry.rename(moved.root)
    ino = db_path(moved).stat().st_ino
    ensure(moved)
    assert db_path(moved).stat().st_ino != ino  # another place: rebuilt, not trusted


def test_an_index_naming_a_file_outside_is_not_acted_on(fixture_registry: Path, tmp_path: Path) -> None:
    """A crafted index whose hash matches cannot make --replace delete a file elsewhere."""
    import duckdb

    from evireg.index.build import db_path
    from evireg.index.fresh import ensure

    victim = tmp_path / "victim.yaml"
    victim.write_text("keep me\n")
    reg = Registry(fixture_registry)
    ensure(reg)
    con = duckdb.connect(str(db_path(reg)))
    con.execute("UPDATE t_studies SET file = ? WHERE study_id = 'smith-2001'", [str(victim)])
    con.close()
    r = evireg("add", "--replace", str(V / "smith-2001.yaml"), "-r", str(fixture_registry))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "refusing" in r.stderr and str(victim) in r.stderr
    assert victim.read_text() == "keep me\n"


# --- 3: a journal shipped with a registry ------------------------------------------------------


def _outside(tmp_path: Path) -> Path:
    victim = tmp_path / "elsewhere" / "victim.yaml"
    victim.parent.mkdir()
    victim.write_text("not the registry's\n")
    return victim


JOURNALS: dict[str, Callable[[Path, Path], dict[str, list[object]]]] = {
    "absolute delete": lambda root, victim: {"renames": [], "deletes": [str(victim)]},
    "relative delete": lambda root, victim: {"renames": [], "deletes": ["../elsewhere/victim.yaml"]},
    "climbing delete": lambda root, victim: {
        "renames": [],
        "deletes": ["studies/../../elsewhere/victim.yaml"],
    },
    "delete outside the record folders": lambda root, victim: {"renames": [], "deletes": ["schemas/x.json"]},
    "rename over a file outside": lambda root, victim: {
        "renames": [["studies/.evil.yaml.1.tmp", str(victim)]],
        "deletes": [],
    },
    "rename through a linked folder": lambda root, victim: {
        "renames": [["studies/.evil.yaml.1.tmp", "studies/out/victim.yaml"]],
        "deletes": [],
    },
    "delete through a linked folder": lambda root, victim: {
        "renames": [],
        "deletes": ["studies/out/victim.yaml"],
    },
}


@pytest.mark.parametrize("case", sorted(JOURNALS))
def test_a_journal_naming_files_outside_is_refused(case: str, fixture_registry: Path, tmp_path: Path) -> None:
    victim = _outside(tmp_path)
    (fixture_registry / "studies" / ".evil.yaml.1.tmp").write_text("overwritten\n")
    (fixture_registry / "studies" / "out").symlink_to(victim.parent)
    reg = Registry(fixture_registry)
    journal = reg.state_dir / JOURNAL
    journal.write_text(json.dumps(JOURNALS[case](fixture_registry, victim)))
    (reg.state_dir / "registry.duckdb").unlink()  # so that `query` takes the lock to rebuild
    for args in (["query", "select 1"], ["add", str(V / "smith-2001.yaml"), "--replace"]):
        r = evireg(*args, "-r", str(fixture_registry))
        assert r.returncode == 1, r.stdout
        assert "Traceback" not in r.stderr
        assert str(journal) in r.stderr and "delete" in r.stderr  # what to do
        assert victim.read_text() == "not the registry's\n"
        assert journal.exists()  # not dropped silently either


def test_a_journal_of_relative_paths_is_rolled_forward(fixture_registry: Path) -> None:
    from evireg.registry.journal import _stage as stage

    reg = Registry(fixture_registry)
    target = fixture_registry / "studies" / "journal-2020.yaml"
    tmp = stage(target, yaml.safe_dump({**copy.deepcopy(BASE), "id": "journal-2020"}))
    gone = study_yaml(fixture_registry / "studies", "gone-2019")
    plan = {"renames": [[rel(tmp), rel(target)]], "deletes": [rel(gone)]}
    (reg.state_dir / JOURNAL).write_text(json.dumps(plan))
    r = evireg("query", "select study_id from studies", "-f", "csv", "-r", str(fixture_registry))
    assert r.returncode == 0, r.stderr
    assert target.is_file() and not gone.exists() and not (reg.state_dir / JOURNAL).exists()
    assert "journal-2020" in r.stdout and "gone-2019" not in r.stdout


# --- 8: validate never sees a half-applied commit ----------------------------------------------


@pytest.mark.parametrize("how", ["-r", "path"])
def test_validate_finishes_a_half_applied_commit_first(how: str, fixture_registry: Path) -> None:
    from evireg.registry.journal import _stage as stage

    reg = Registry(fixture_registry)
    review = yaml.safe_load((V / "test-2020.yaml").read_text())
    review = {k: v for k, v in review.items() if k not in ("totals", "claims")}
    review |= {"id": "half-2021", "included_studies": ["half-2020"]}
    study_t = fixture_registry / "studies" / "half-2020.yaml"
    review_t = fixture_registry / "reviews" / "half-2021.yaml"
    study_tmp = stage(study_t, yaml.safe_dump({**copy.deepcopy(BASE), "id": "half-2020"}))
    review_tmp = stage(review_t, yaml.safe_dump(review))
    plan = {"renames": [[rel(study_tmp), rel(study_t)], [rel(review_tmp), rel(review_t)]]}
    (reg.state_dir / JOURNAL).write_text(json.dumps(plan))
    os.replace(review_tmp, review_t)  # killed after the first rename
    r = evireg("validate", *(["-r"] if how == "-r" else []), str(fixture_registry))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok: 5 record(s)" in r.stderr
    assert study_t.is_file() and not (reg.state_dir / JOURNAL).exists()


# --- 4: what add accepts the loader reads ------------------------------------------------------


def test_a_dot_named_shard_is_refused_not_lost(fixture_registry: Path, tmp_path: Path) -> None:
    shard = jsonl(tmp_path / ".h.jsonl", 1, "hidden")
    before = files_under(fixture_registry)
    r = evireg("add", str(shard), "-r", str(fixture_registry))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert ".h.jsonl" in r.stderr and "rename" in r.stderr
    assert files_under(fixture_registry) == before


def test_everything_add_accepts_survives_a_rebuild(fixture_registry: Path, tmp_path: Path) -> None:
    shard = jsonl(tmp_path / "h.jsonl", 3, "shown")
    assert evireg("add", str(shard), "-r", str(fixture_registry)).returncode == 0
    added = study_ids(fixture_registry)
    assert evireg("build", "-r", str(fixture_registry)).returncode == 0
    assert study_ids(fixture_registry) == added >= {"shown-0", "shown-1", "shown-2"}


# --- 11: links that leave the registry ---------------------------------------------------------


@pytest.mark.parametrize("how", ["file link", "folder link"])
def test_a_record_linked_from_outside_is_reported_and_not_read(
    how: str, fixture_registry: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = study_yaml(elsewhere, "linked-2019")
    if how == "file link":
        link = fixture_registry / "studies" / "linked-2019.yaml"
        link.symlink_to(outside)
    else:
        extra = fixture_registry / "reviews"
        shutil.rmtree(extra)
        extra.symlink_to(elsewhere)
        link = extra / "linked-2019.yaml"
    r = evireg("validate", "-r", str(fixture_registry))
    assert r.returncode == 1
    assert any(
        line.startswith(str(link)) and "outside the registry" in line for line in r.stdout.splitlines()
    )
    r = evireg("build", "-r", str(fixture_registry))
    assert r.returncode == 1 and "outside the registry" in r.stderr
    assert "linked-2019" not in r.stdout


def test_an_extraction_linked_from_outside_is_reported(fixture_registry: Path, tmp_path: Path) -> None:
    outside = tmp_path / "alice.yaml"
    shutil.copy(FIXTURES / "extractions" / "smith-2001" / "alice.yaml", outside)
    folder = fixture_registry / "extractions" / "smith-2001"
    folder.mkdir(parents=True)
    (folder / "alice.yaml").symlink_to(outside)
    r = evireg("validate", "-r", str(fixture_registry))
    assert r.returncode == 1 and "outside the registry" in r.stdout


# --- 11: modes follow the umask ----------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o002, 0o022])
def test_files_get_the_umask_mode(mask: int, tmp_path: Path) -> None:
    def with_umask() -> None:
        os.umask(mask)

    root = tmp_path / "reg"
    for args in (["init", str(root)], ["add", str(V), "-r", str(root)]):
        r = evireg(*args, preexec=with_umask)
        assert r.returncode == 0, r.stderr
        if args[0] == "init":
            os.chmod(give_profile(root) / "evireg.yaml", 0o666 & ~mask)  # as if written under the umask
    r = evireg("add", "--replace", str(V / "smith-2001.yaml"), "-r", str(root), preexec=with_umask)
    assert r.returncode == 0, r.stderr
    want = 0o666 & ~mask
    written = [p for p in root.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"smith-2001.yaml", "test-2020.yaml", "registry.duckdb", "README.md"}
    modes = {str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert set(modes.values()) == {oct(want)}, modes


# --- 2: the lock and the pool workers ----------------------------------------------------------


def _marked(mark: str) -> list[int]:
    """Live processes started with our marker in their environment (workers inherit it)."""
    needle = f"{MARK}={mark}".encode()
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if needle in (d / "environ").read_bytes().split(b"\0"):
                    state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        out.append(int(d.name))
            except OSError:
                continue
    return out


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


@pytest.fixture
def marker() -> Iterator[str]:
    mark = uuid.uuid4().hex
    yield mark
    for pid in _marked(mark):  # only processes this test started
        os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
@pytest.mark.parametrize("command", ["add", "build"])
def test_killing_the_main_pid_leaves_no_worker_and_frees_the_lock(
    command: str, fixture_registry: Path, tmp_path: Path, marker: str
) -> None:
    from evireg.registry.loading import PARALLEL_FROM

    big = jsonl(tmp_path / "big.jsonl", max(20_000, 2 * PARALLEL_FROM), "big")
    if command == "build":
        shutil.copy(big, fixture_registry / "studies" / "big.jsonl")
        args = ["build", "-r", str(fixture_registry)]
    else:
        args = ["add", str(big), "-r", str(fixture_registry)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "evireg", *args],
        env={**os.environ, MARK: marker, "EVIREG_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _children(proc.pid):  # the pool has started: kill the main pid alone
        assert proc.poll() is None, "finished before its process pool started"
        assert time.monotonic() < deadline, "no pool worker appeared"
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _marked(marker) == [], "pool workers outlived the killed main process"
    with lock(Registry(fixture_registry), timeout=1.0):  # the next writer gets the lock at once
        pass
    if command == "add":
        late = study_yaml(tmp_path, "late-2022")
        r = evireg("add", str(late), "-r", str(fixture_registry), env={"EVIREG_LOCK_TIMEOUT": "2"})
        assert r.returncode == 0, r.stderr
        assert temp_files(fixture_registry) == []  # the killed writer's staged shard was dropped
        assert "big-0" not in study_ids(fixture_registry)


def test_a_lock_is_exclusive_and_a_killed_holder_frees_it(fixture_registry: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from evireg.registry.lock import lock\n"
            "from evireg.registry.paths import Registry\n"
            "with lock(Registry(Path(sys.argv[1]))):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
            str(fixture_registry),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with pytest.raises(UserError, match="registry lock"), lock(Registry(fixture_registry), timeout=0.3):
            pass
        r = evireg(
            "add",
            str(V / "smith-2001.yaml"),
            "--replace",
            "-r",
            str(fixture_registry),
            env={"EVIREG_LOCK_TIMEOUT": "0.3"},
        )
        assert r.returncode == 1 and "EVIREG_LOCK_TIMEOUT" in r.stderr
    finally:
        holder.kill()
        holder.wait()
    with lock(Registry(fixture_registry), timeout=1.0):
        pass


def test_workers_count_without_sched_getaffinity(monkeypatch: pytest.MonkeyPatch) -> None:
    from evireg.registry import loading

    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setenv("EVIREG_WORKERS", "8")
    assert loading._workers() == 3


# --- 10: write errors --------------------------------------------------------------------------


def _drop_dac_override() -> None:
    """Let root feel file permissions, as every other user does (no CAP_DAC_OVERRIDE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0 and os.geteuid() == 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl")


def _can_drop() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    r = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_drop_dac_override)
    return r.returncode == 0


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    r = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return r.returncode == 0


@pytest.mark.skipif(not _can_drop(), reason="cannot make permissions bite")
@pytest.mark.parametrize("folder", ["studies", ".evireg"])
def test_a_read_only_folder_gives_one_clear_message(folder: str, fixture_registry: Path) -> None:
    before = files_under(fixture_registry)
    d = fixture_registry / folder
    d.chmod(0o555)
    try:
        r = evireg(
            "add",
            str(V / "smith-2001.yaml"),
            "--replace",
            "-r",
            str(fixture_registry),
            preexec=_drop_dac_override,
        )
    finally:
        d.chmod(0o755)
    assert r.returncode == 1, r.stdout
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert str(d) in r.stderr and "permission denied" in r.stderr
    assert files_under(fixture_registry) == before


def test_a_file_where_a_folder_belongs_gives_one_clear_message(
    fixture_registry: Path, tmp_path: Path
) -> None:
    shutil.rmtree(fixture_registry / "reviews")
    (fixture_registry / "reviews").write_text("not a folder\n")
    r = evireg("add", str(V), "-r", str(fixture_registry), "--replace")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert str(fixture_registry / "reviews") in r.stderr
    assert temp_files(fixture_registry) == []


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare -m (mount namespaces)")
def test_a_full_disk_gives_one_clear_message_and_leaves_no_temp_file(
    fixture_registry: Path, tmp_path: Path
) -> None:
    """A real ENOSPC: the registry on a 24 MB tmpfs, then a 40 MB JSON Lines file."""
    big = jsonl(tmp_path / "big.jsonl", 20_000, "full")
    script = (
        'set -e; mount -t tmpfs -o size=24m tmpfs "$1"; cp -a "$2"/. "$1"/; '
        'set +e; "$3" -m evireg add "$4" -r "$1"; echo "rc=$?"; '
        'find "$1" -name "*.tmp" -o -name ".build-*" | sed "s/^/left: /"; '
        '"$3" -m evireg validate -r "$1" >/dev/null 2>&1; echo "validate=$?"'
    )
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            script,
            "sh",
            str(mnt),
            str(fixture_registry),
            sys.executable,
            str(big),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "rc=1" in r.stdout, r.stdout + r.stderr
    assert "no space left" in r.stderr and "Traceback" not in r.stderr
    assert "left:" not in r.stdout  # no temp file stays behind
    assert "validate=0" in r.stdout


@pytest.mark.skipif(not _unshare_works(), reason="needs unshare -m (mount namespaces)")
def test_a_read_only_file_system_gives_one_clear_message(fixture_registry: Path) -> None:
    studies = fixture_registry / "studies"
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    r = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            script,
            "sh",
            str(studies),
            sys.executable,
            "-m",
            "evireg",
            "add",
            str(V / "smith-2001.yaml"),
            "--replace",
            "-r",
            str(fixture_registry),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert "read-only file system" in r.stderr and "Traceback" not in r.stderr
    assert str(studies) in r.stderr


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EEXIST, errno.EDQUOT])
def test_every_write_error_names_the_path(
    code: int, fixture_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the OS says when a staged record is synced, one message and no temp file."""
    from evireg.index.add import add_files

    def failing(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    before = files_under(fixture_registry)
    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(UserError) as e:
        add_files(Registry(fixture_registry), [V / "smith-2001.yaml"], replace=True)
    monkeypatch.undo()
    assert str(fixture_registry / "studies" / "smith-2001.yaml") in e.value.message
    assert "Nothing was changed" in e.value.message
    assert temp_files(fixture_registry) == []
    assert files_under(fixture_registry) == before
