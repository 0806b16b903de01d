"""The registry path on a platform without POSIX extras: no `fcntl` module (Windows) and no
`os.sched_getaffinity` (macOS, Windows). Run in a fresh interpreter where both are hidden."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, REGISTRY

PRELUDE = """
import os, sys
sys.modules["fcntl"] = None          # `import fcntl` now raises ImportError, as on Windows
if hasattr(os, "sched_getaffinity"):
    del os.sched_getaffinity         # as on macOS and Windows
"""

SCRIPT = PRELUDE + """
import json
from pathlib import Path
import evireg
import evireg.registry.loading as loading

loading.PARALLEL_FROM = 1            # validate through the process pool even for a few records
root = Path(sys.argv[1])
reg = evireg.init(root)
(root / "evireg.yaml").write_text(Path(sys.argv[2]).read_text())  # the bundled profile
added = reg.add(*sys.argv[3:])
ans = reg.pool(outcome="live_birth")
import filelock
print(json.dumps({
    "added": sorted(a.id for a in added.added),
    "k": ans.k,
    "estimate": ans.estimate,
    "valid": reg.validate().problems == [],
    "fcntl_loaded": sys.modules.get("fcntl") is not None,
    "lock": filelock.FileLock.__name__,
    "workers": loading._workers(),
}))
"""


def test_registry_works_without_fcntl_and_sched_getaffinity(tmp_path: Path) -> None:
    files = [str(p) for p in sorted((FIXTURES / "valid").iterdir())]
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "reg"), str(REGISTRY / "evireg.yaml"), *files],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["added"] == ["lee-2010", "smith-2001", "test-2020"]
    assert out["k"] == 2 and out["valid"] is True
    assert out["fcntl_loaded"] is False and out["lock"] != "UnixFileLock"
    assert out["workers"] >= 1


def test_the_same_answer_with_and_without_the_posix_extras(tmp_path: Path) -> None:
    files = [str(p) for p in sorted((FIXTURES / "valid").iterdir())]
    plain = SCRIPT.replace(PRELUDE, "\nimport sys\n")
    outs = []
    for i, script in enumerate((SCRIPT, plain)):
        args = [str(tmp_path / f"r{i}"), str(REGISTRY / "evireg.yaml"), *files]
        res = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120
        )
        assert res.returncode == 0, res.stderr[-3000:]
        outs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    assert outs[0]["estimate"] == outs[1]["estimate"]
