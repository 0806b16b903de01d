"""Hostile input to the readers: duplicate JSON keys, deep nesting, huge files and lines, bad CSV
cells and labels, Ctrl-C at any point, and `--version` (issue 11: defects 7, 10 and 11)."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import evireg.cli.app as cli_app
from evireg.cli.main import main as cli_main
from evireg.errors import Problem, UserError
from evireg.extraction import load_extraction
from evireg.records.yamlio import MAX_FILE_BYTES, MAX_NESTING
from evireg.registry.loading import validate_paths
from evireg.registry.validate import load_file
from evireg.review.analysis import answer_from_csv
from evireg.review.question import Question

from .conftest import FIXTURES

LEE = json.loads((FIXTURES / "valid" / "lee-2010.json").read_text())
SMITH = yaml.safe_load((FIXTURES / "valid" / "smith-2001.yaml").read_text())
GiB = 1 << 30


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli_app.app, list(args), env={"COLUMNS": "200"})
    return r.exit_code, r.stdout, r.stderr


def run(*args: str, memory: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`evireg ARGS` in a fresh interpreter, optionally with its address space capped, so that a
    file read whole (rather than refused by its size) fails with MemoryError."""

    def cap() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "evireg", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
    )


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def lee(study_id: str) -> dict[str, Any]:
    d = copy.deepcopy(LEE)
    d["id"] = study_id
    return d


def with_duplicate_events(text: str) -> str:
    """The issue's case: `"events": 27, "events": 0` in one arm (the last one would win)."""
    old = '"events": 14'
    assert old in text
    return text.replace(old, '"events": 27, "events": 0', 1)


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


# --- 7: duplicate keys in JSON and JSON Lines --------------------------------------------


def test_duplicate_key_in_a_json_record_is_refused_with_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "dup-2010.json"
    path.write_text(with_duplicate_events(json.dumps(lee("dup-2010"), indent=2)))
    rec, problems = load_file(path)
    assert rec is None
    (p,) = problems
    assert "duplicate key 'events'" in p.message
    lines = path.read_text().splitlines()
    assert p.line is not None and '"events": 0' in lines[p.line - 1]


def test_duplicate_top_level_key_in_one_line_json_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"id": "x", "notes": "a", "id": "y"}')
    _, (p,) = load_file(path)
    assert "duplicate key 'id'" in p.message and p.line == 1


def test_same_key_in_sibling_objects_is_not_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "lee-2010.json"
    path.write_text(json.dumps(LEE, indent=2))  # "events" in every arm, once each
    rec, problems = load_file(path)
    assert problems == [] and rec is not None


def test_duplicate_key_in_a_json_lines_shard_is_refused_at_its_line(tmp_path: Path) -> None:
    shard = tmp_path / "shard.jsonl"
    lines = [json.dumps(lee(f"lee-{i}")) for i in range(3)]
    lines[1] = with_duplicate_events(lines[1])
    shard.write_text("\n".join(lines) + "\n")
    report = validate_paths([shard])
    assert report.records == 2
    (p,) = report.problems
    assert p.line == 2 and "duplicate key 'events'" in p.message


def test_add_refuses_a_shard_with_a_duplicate_key(fixture_registry: Path, tmp_path: Path) -> None:
    shard = tmp_path / "shard.jsonl"
    shard.write_text(with_duplicate_events(json.dumps(lee("lee-2099"))) + "\n")
    before = snapshot(fixture_registry)
    code, _, err = invoke("add", str(shard), "-r", str(fixture_registry))
    assert code == 1 and "duplicate key 'events'" in err and "Traceback" not in err
    assert snapshot(fixture_registry) == before


def test_duplicate_key_in_a_json_extraction_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ext.json"
    path.write_text(with_duplicate_events(json.dumps(LEE, indent=2)))
    ext, problems = load_extraction(path, in_registry=False)
    assert ext is None
    assert any("duplicate key 'events'" in p.message for p in problems), messages(problems)


# --- 10: nesting ---------------------------------------------------------------------------


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_100000_deep_json_is_refused_as_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nested_json(100_000))
    rec, (p,) = load_file(path)
    assert rec is None and "nested more than" in p.message


def test_nesting_limit_is_exact(tmp_path: Path) -> None:
    ok, deep = tmp_path / "ok.json", tmp_path / "deep.json"
    ok.write_text('{"id": ' + nested_json(MAX_NESTING - 1) + "}")
    deep.write_text('{"id": ' + nested_json(MAX_NESTING) + "}")
    _, problems = load_file(ok)
    assert problems and not any("nested" in p.message for p in problems)
    _, (p,) = load_file(deep)
    assert "nested more than" in p.message


def test_deep_json_lines_line_is_refused_at_its_line(tmp_path: Path) -> None:
    shard = tmp_path / "shard.jsonl"
    shard.write_text(json.dumps(lee("lee-1")) + "\n" + nested_json(100_000) + "\n")
    report = validate_paths([shard])
    (p,) = report.problems
    assert p.line == 2 and "nested more than" in p.message and report.records == 1


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "- " * 100_000 + "x\n",
        "a:\n" + "".join(" " * i + "a:\n" for i in range(1, 1500)),
    ],
    ids=["flow", "block-sequence", "block-mapping"],
)
def test_deeply_nested_yaml_is_refused_without_crashing(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    r = run("validate", str(path))  # a subprocess: libyaml's C composer overflowed the stack here
    assert r.returncode == 1, r.stderr[-500:]
    assert "nested more than" in r.stdout + r.stderr and "Traceback" not in r.stderr


def test_yaml_nesting_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("id: x\nnotes:\n" + "".join(" " * i + "- \n" for i in range(2, MAX_NESTING + 5)))
    _, (p,) = load_file(path)
    assert "nested more than" in p.message and p.line is not None and p.line > 2


# --- 10: values that raised ValueError inside the readers ----------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_5000_digit_number_is_a_clear_problem(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    path.write_text('{"id": "x", "notes": ' + "1" * 5000 + "}")
    rec, problems = load_file(path)
    assert rec is None and any("digits" in p.message for p in problems), messages(problems)


def test_an_impossible_yaml_date_is_a_clear_problem_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("id: x\nnotes: a\naccessed: 2001-02-30\n")
    rec, (p,) = load_file(path)
    assert rec is None and "day is out of range" in p.message and p.line == 3


def test_nan_is_not_a_json_number(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"id": "x", "events": NaN}')
    _, (p,) = load_file(path)
    assert "NaN" in p.message


# --- 10: size checked before reading --------------------------------------------------------


@pytest.mark.parametrize("name", ["big.json", "big.yaml"])
def test_a_3_gb_record_is_refused_before_it_is_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as fh:
        fh.truncate(3 * GiB)  # sparse: no disk used, but reading it would need 3 GB of memory
    r = run("validate", str(path), memory=GiB)
    assert r.returncode == 1, r.stderr[-500:]
    assert f"larger than {MAX_FILE_BYTES:,} bytes" in r.stdout and "MemoryError" not in r.stderr


def test_a_huge_json_lines_line_is_refused_and_the_next_line_still_read(tmp_path: Path) -> None:
    shard = tmp_path / "shard.jsonl"
    with shard.open("wb") as fh:
        fh.write(json.dumps(lee("lee-1")).encode() + b"\n")
        fh.seek(2 * GiB, os.SEEK_CUR)  # line 2: a 2 GB hole of NUL bytes
        fh.write(b"\n" + json.dumps(lee("lee-3")).encode() + b"\n")
    r = run("validate", str(shard), memory=GiB)
    assert r.returncode == 1, r.stderr[-500:]
    assert f"{shard}:2: (file): line is longer than {MAX_FILE_BYTES:,} bytes" in r.stdout
    assert len(r.stdout.splitlines()) == 1 and "MemoryError" not in r.stderr


def test_a_huge_file_in_a_registry_is_refused_by_build(fixture_registry: Path) -> None:
    with (fixture_registry / "studies" / "huge-2001.yaml").open("wb") as fh:
        fh.truncate(3 * GiB)
    r = run("build", "-r", str(fixture_registry), memory=GiB)
    assert r.returncode == 1, r.stderr[-500:]
    assert "larger than" in r.stderr and "MemoryError" not in r.stderr


# --- 10 and 11: pool --csv --------------------------------------------------------------------

HEADER = "study,events_treat,total_treat,events_ctrl,total_ctrl"


def csv_problems(tmp_path: Path, body: str, header: str = HEADER) -> list[tuple[str, str]]:
    path = tmp_path / "t.csv"
    path.write_text(header + "\n" + body, newline="")
    with pytest.raises(UserError) as e:
        answer_from_csv(path, Question("csv"))
    return [(p.path, p.message) for p in e.value.problems] or [("", e.value.message)]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("nan", "is not a number ('nan')"),
        ("inf", "is not a number ('inf')"),
        ("-inf", "is not a number ('-inf')"),
        ("Infinity", "is not a number ('Infinity')"),
        ("1e400", "is larger than 10,000,000 ('1e400')"),
        ("1e300", "is larger than 10,000,000 ('1e300')"),
        pytest.param("9" * 500, "is larger than 10,000,000", id="500-digits"),
        ("1_000", "is not a number ('1_000')"),
        ("٣", "is not a number ('٣')"),
    ],
)
def test_csv_counts_that_are_not_counts_are_named_by_row_and_column(
    tmp_path: Path, cell: str, reason: str
) -> None:
    problems = csv_problems(tmp_path, f"A,1,50,2,50\nB,{cell},50,2,50\n")
    assert len(problems) == 1
    where, message = problems[0]
    assert where == "row 3" and message.startswith(f"events_treat {reason}")


def test_a_csv_cell_over_131072_characters_is_named_by_row_and_column(tmp_path: Path) -> None:
    problems = csv_problems(tmp_path, f"A,1,50,2,50\n{'x' * 140_000},1,50,2,50\n")
    assert len(problems) == 1
    where, message = problems[0]
    assert where == "row 3" and message.startswith("study is 140,000 characters long")


def test_a_huge_cell_fails_the_cli_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{HEADER}\nA,1,50,2,50\nB,1,50,2,{'9' * 200_000}\n")
    code, _, err = invoke("pool", "--csv", str(path))
    assert code == 1 and "row 3: total_ctrl is 200,000 characters long" in err
    assert "internal error" not in err


def test_a_bad_year_is_a_problem_not_an_internal_error(tmp_path: Path) -> None:
    problems = csv_problems(tmp_path, "A,1,50,2,50,2001\nB,1,50,2,50,²\n", header=HEADER + ",year")
    assert problems == [("row 3", "year is not a four-digit year ('²')")]


def test_a_csv_with_nul_bytes_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(f"{HEADER}\nA,1,50,2,50\n".encode() + b"B\x00,1,50,2,50\n")
    with pytest.raises(UserError, match="binary"):
        answer_from_csv(path, Question("csv"))


def test_a_3_gb_csv_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    with path.open("wb") as fh:
        fh.truncate(3 * GiB)
    r = run("pool", "--csv", str(path), memory=GiB)
    assert r.returncode == 1 and "larger than" in r.stderr and "MemoryError" not in r.stderr


def test_duplicate_study_labels_in_a_subgroup_are_refused_naming_both_rows(tmp_path: Path) -> None:
    body = "A,1,50,2,50,x\nB,3,50,4,50,x\nA,5,50,6,50,x\nA,7,50,8,50,y\n"
    problems = csv_problems(tmp_path, body, header=HEADER + ",subgroup")
    assert len(problems) == 1
    where, message = problems[0]
    assert where == "row 4" and "'A'" in message and "row 2" in message


def test_duplicate_labels_in_different_subgroups_keep_their_own_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{HEADER},subgroup\nA,1,50,2,50,x\nB,3,50,4,50,x\nA,5,50,6,50,y\nC,7,50,8,50,y\n")
    doc = answer_from_csv(path, Question("csv")).to_dict()
    sources = {
        (s["study"], g["name"]): s["source"]["locator"] for g in doc["subgroups"] for s in g["studies"]
    }
    assert sources[("A", "x")] == "t.csv, row 2" and sources[("A", "y")] == "t.csv, row 4"


@pytest.mark.parametrize("label", ['"Smith\n2001"', '"Smith\r\n2001"', '"Smith\t2001"', "Smith\u200b2001"])
def test_a_label_with_a_control_character_is_refused_not_altered(tmp_path: Path, label: str) -> None:
    problems = csv_problems(tmp_path, f"A,1,50,2,50\n{label},1,50,2,50\nC,1,50,2,50\n")
    assert len(problems) == 1
    where, message = problems[0]
    assert where == "row 3" and message.startswith("study contains a control or invisible character")


def test_row_numbers_follow_the_line_where_a_record_starts(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f'{HEADER},notes\nA,1,50,2,50,"two\nlines"\n\nB,1,50,2,50,x\nC,60,50,2,50,x\n')
    with pytest.raises(UserError) as e:
        answer_from_csv(path, Question("csv"))
    assert [p.path for p in e.value.problems] == ["row 6"]


def test_a_quoted_label_with_a_comma_is_kept_exactly(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f'{HEADER}\n"Smith, 2001",1,50,2,50\n"Lee ""B"" 2003",3,50,4,50\n')
    ans = answer_from_csv(path, Question("csv"))
    assert [i.study for i in ans.inputs] == ["Smith, 2001", 'Lee "B" 2003']


# --- 11: --version ---------------------------------------------------------------------------


def test_version_prints_the_version_and_exits_0() -> None:
    from evireg import __version__

    r = run("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"evireg {__version__}"


# --- 10: Ctrl-C -------------------------------------------------------------------------------


class _Interrupting(dict[str, bool]):
    """Raises KeyboardInterrupt where the CLI's root callback records --debug: outside any command."""

    def __setitem__(self, key: str, value: bool) -> None:
        raise KeyboardInterrupt


def test_an_interrupt_outside_a_command_gives_the_message_and_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_app, "_state", _Interrupting(debug=False))
    monkeypatch.setattr(sys, "argv", ["evireg", "--debug", "views"])
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as e:
            cli_main()
    finally:
        signal.signal(signal.SIGINT, previous)  # main() ignores a second Ctrl-C on its way out
    assert e.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted; nothing was changed" in err and "Traceback" not in err


def _library_that_catches_ctrl_c(swallow: bool) -> Callable[..., Any]:
    """Like DuckDB: a KeyboardInterrupt raised while it runs becomes RuntimeError("Query
    interrupted"), or is lost when the query ends first."""

    def build(*args: Any, **kwargs: Any) -> Any:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            if not swallow:
                raise RuntimeError("Query interrupted") from None
        return type("Info", (), {"path": "x", "studies": 0, "reviews": 0})()

    return build


@pytest.mark.parametrize("swallow", [False, True], ids=["converted", "swallowed"])
def test_a_ctrl_c_that_a_library_catches_still_gives_the_message_and_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fixture_registry: Path, swallow: bool
) -> None:
    import evireg.index.build

    monkeypatch.setattr(evireg.index.build, "build", _library_that_catches_ctrl_c(swallow))
    monkeypatch.setattr(sys, "argv", ["evireg", "build", "-r", str(fixture_registry)])
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as e:
            cli_main()
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert e.value.code == 130, err
    assert "interrupted; nothing was changed" in err and "internal error" not in err


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the worker processes")
def test_ctrl_c_while_add_validates_on_all_cores(fixture_registry: Path, tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group (the CLI and its pool workers) as in a terminal."""
    shard = tmp_path / "many.jsonl"
    shard.write_text("".join(json.dumps(lee(f"lee-{i:05d}")) + "\n" for i in range(8000)))
    before = snapshot(fixture_registry)
    env = {**os.environ, "EVIREG_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evireg", "add", str(shard), "-r", str(fixture_registry)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        # as a terminal would: a runner that ignores SIGINT would pass that on to the child
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the add finished before the pool started; make the input larger"
    time.sleep(0.2)  # let the workers take their first chunks
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; nothing was changed" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert {k: v for k, v in snapshot(fixture_registry).items() if k != ".evireg/lock"} == {
        k: v for k, v in before.items() if k != ".evireg/lock"
    }
    lee_file = str(FIXTURES / "valid" / "lee-2010.json")
    code, _, err = invoke("add", lee_file, "-r", str(fixture_registry), "--replace")
    assert code == 0, err  # the lock was released


def _ignores_sigint(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(mask & (1 << (signal.SIGINT - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see the worker processes")
def test_pool_workers_leave_ctrl_c_to_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Otherwise a worker waiting for work dies of the group's SIGINT with its own traceback."""
    import evireg.registry.loading as loading

    monkeypatch.setattr(loading, "PARALLEL_FROM", 1)
    monkeypatch.setattr(loading, "_workers", lambda: 2)
    shard = tmp_path / "many.jsonl"
    shard.write_text("".join(json.dumps(lee(f"lee-{i:05d}")) + "\n" for i in range(3000)))
    stream = loading.entries([shard])
    next(stream)  # the pool is running
    try:
        deadline = time.monotonic() + 10
        while True:
            workers = _children(os.getpid())
            if workers and all(_ignores_sigint(w) for w in workers):
                break
            assert time.monotonic() < deadline, f"workers {workers} still act on SIGINT"
            time.sleep(0.05)
    finally:
        stream.close()


def test_an_interrupt_during_the_commit_leaves_all_files_or_none(
    fixture_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT while the journal's renames run: the commit completes (the interrupt waits for it),
    so the registry never holds part of an add."""
    new = tmp_path / "new"
    new.mkdir()
    ids = [f"kim-200{i}" for i in range(4)]
    for i in ids:
        (new / f"{i}.yaml").write_text(yaml.safe_dump({**copy.deepcopy(SMITH), "id": i}))
    studies = fixture_registry / "studies"
    real_replace = os.replace
    renames: list[str] = []

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).parent == studies:
            renames.append(str(dst))
            if len(renames) == 2:
                os.kill(os.getpid(), signal.SIGINT)  # as from the terminal, mid-commit
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code, _, err = invoke("add", str(new), "-r", str(fixture_registry))
    monkeypatch.setattr(os, "replace", real_replace)
    assert code == 130, err
    assert "Traceback" not in err
    present = {i for i in ids if (studies / f"{i}.yaml").exists()}
    assert present == set(ids), f"half an add was committed: {sorted(present)}"
    assert "interrupted after the change was saved" in err
    assert not list(studies.glob(".*.tmp"))
    assert validate_paths([fixture_registry]).problems == []


def test_an_interrupt_before_the_commit_changes_nothing(
    fixture_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evireg.registry.journal as registry

    before = snapshot(fixture_registry)
    real: Callable[..., Any] = registry.stage  # what Staging.write stages each record with
    calls: list[Path] = []

    def stage(target: Path, text: str) -> Path:
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(target, text)

    monkeypatch.setattr(registry, "stage", stage)
    new = tmp_path / "new"
    new.mkdir()
    for i in ("kim-2001", "kim-2002", "kim-2003"):
        (new / f"{i}.yaml").write_text(yaml.safe_dump({**copy.deepcopy(SMITH), "id": i}))
    code, _, err = invoke("add", str(new), "-r", str(fixture_registry))
    assert code == 130 and "interrupted; nothing was changed" in err
    after = snapshot(fixture_registry)
    assert {k for k in after if k.startswith("studies/")} == {k for k in before if k.startswith("studies/")}
