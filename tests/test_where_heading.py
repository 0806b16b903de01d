"""A --where filter is shown in table and Markdown headings with the studies it removed."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _evireg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evireg", *args], capture_output=True, text=True)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_pool_heading_names_the_excluded(fmt: str) -> None:
    p = _evireg("pool", "--outcome", "live_birth", "--where", "randomised", "--format", fmt)
    assert p.returncode == 0, p.stderr
    assert "live_birth, where randomised: excluded peero-2024" in p.stdout.splitlines()[0]


def test_sensitivity_heading_says_when_nothing_was_excluded() -> None:
    p = _evireg("sensitivity", "--outcome", "live_birth", "--where", "year > 1990", "--format", "markdown")
    assert p.returncode == 0, p.stderr
    assert "where year > 1990: excluded none" in p.stdout


def test_unfiltered_heading_is_unchanged() -> None:
    p = _evireg("pool", "--outcome", "live_birth", "--format", "markdown")
    assert p.stdout.splitlines()[0] == "### live_birth"
