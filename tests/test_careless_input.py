"""Issue 13's careless input, through the command line as a user types it: typos are usage errors
naming the valid choices, a filter that matches nothing says so, headings name the filter, the
bundled registry refuses writes, and a second registry works from `init` to a forest plot."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evireg.cli.app import app

from .conftest import FIXTURES, REGISTRY
from .test_profile import PROFILE, trial


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env={"EVIREG_REGISTRY": "", "COLUMNS": "160", **(env or {})})
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("command", [["pool"], ["sensitivity"], ["plot", "forest", "-o", "x.svg"]])
def test_an_outcome_typo_is_a_usage_error_naming_the_outcome(command: list[str]) -> None:
    code, _, err = run(*command, "--outcome", "livebirth")
    assert code == 2 and "did you mean 'live_birth'" in err and "Traceback" not in err


def test_an_unknown_subgroup_variable_is_a_usage_error_listing_the_choices() -> None:
    code, _, err = run("pool", "--outcome", "live_birth", "--by", "foo")
    assert code == 2 and "rmc_type" in err and "min_prior_losses" in err


@pytest.mark.parametrize("command", ["pool", "sensitivity"])
def test_a_filter_that_matches_no_study_says_so(command: str) -> None:
    code, out, err = run(command, "--outcome", "live_birth", "--where", "year > 2030")
    assert code == 1 and "no study matches the filter" in err and out == ""


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_headings_name_the_filter(fmt: str) -> None:
    code, out, _ = run("pool", "--outcome", "live_birth", "--where", "year > 2010", "-f", fmt)
    assert code == 0 and "where year > 2010" in out.splitlines()[0]


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".evireg" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def test_add_without_a_registry_refuses_and_leaves_the_bundled_one_alone(tmp_path: Path) -> None:
    before = _tree_digest(REGISTRY)
    src = tmp_path / "trial.yaml"
    src.write_bytes((FIXTURES / "valid" / "smith-2001.yaml").read_bytes())
    code, _, err = run("add", str(src))
    assert code == 1 and "evireg init" in err
    assert _tree_digest(REGISTRY) == before


def test_a_new_registry_from_init_to_a_forest_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    root = tmp_path / "mine"
    assert run("init", str(root))[0] == 0
    (root / "evireg.yaml").write_text(PROFILE)  # the user declares mortality and setting
    for i, (setting, counts) in enumerate([("hospital", (8, 50, 14, 50)), ("community", (5, 60, 9, 58)),
                                           ("hospital", (3, 40, 6, 41))]):
        (tmp_path / f"in{i}.json").write_text(json.dumps(trial(f"syn-{i}-2001", setting, counts)))
    code, _, err = run("add", *(str(tmp_path / f"in{i}.json") for i in range(3)), "-r", str(root))
    assert code == 0, err
    code, out, err = run("pool", "--outcome", "mortality", "--by", "setting", "-f", "json", "-r", str(root))
    assert code == 0, err
    names = [s["name"] for s in json.loads(out)["subgroups"]]
    assert names == ["hospital", "community"]
    svg = tmp_path / "forest.svg"
    code, _, err = run("plot", "forest", "--outcome", "mortality", "-o", str(svg), "-r", str(root))
    assert code == 0, err
    text = svg.read_text()
    # mortality is higher-is-worse: an OR below 1 (left) favours the intervention
    assert "Favours Treatment" in text and "Favours Usual care" in text
    assert text.index("Favours Treatment") < text.index("Favours Usual care")


def test_a_registry_gets_its_own_schema_that_editors_can_check_records_with(tmp_path: Path) -> None:
    import shutil

    import jsonschema

    root = tmp_path / "copy"
    shutil.copytree(REGISTRY, root, ignore=shutil.ignore_patterns(".evireg"))
    code, _, err = run("schema", "--registry", str(root), "--out", str(tmp_path / "s"))
    assert code == 0, err
    schema = json.loads((tmp_path / "s" / "study.registry.schema.json").read_text())
    from evireg.records.yamlio import parse_file

    studies = sorted((root / "studies").glob("*.yaml"))
    for path in studies:
        jsonschema.validate(parse_file(path).data, schema)  # every bundled study passes
    bad = parse_file(root / "studies" / "yamada-2022.yaml").data
    assert bad["characteristics"]["rmc_type"]["value"] == "primary"
    bad["characteristics"]["rmc_type"]["value"] = "primry"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = parse_file(root / "studies" / "yamada-2022.yaml").data
    bad["outcomes"][0]["outcome"] = "livebirth"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_a_filtered_figure_says_so_in_its_title(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "f.svg"
    code, _, err = run("plot", "forest", "--outcome", "live_birth", "--where", "year > 2010", "-o", str(out))
    assert code == 0, err
    assert "where year &gt; 2010" in out.read_text() or "where year > 2010" in out.read_text()
