"""A registry's profile on disk: `evireg.yaml` at its root, read and validated.

Every command that reads a registry needs its profile (which outcomes and characteristics its
records may name), so a missing or invalid profile is refused here with one message per
problem, and the message says how to get one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evireg.errors import InvalidRecords, Problem, UserError
from evireg.records.profile import PROFILE_FILE, Profile
from evireg.records.yamlio import ParseError, parse_file
from evireg.registry.paths import Registry
from evireg.registry.validate import dotted, message


def profile_path(reg: Registry) -> Path:
    return reg.root / PROFILE_FILE


def profile_problems(path: Path) -> tuple[Profile | None, list[Problem]]:
    """The profile in `path` and its problems (each named by field path and line)."""
    file = str(path)
    try:
        parsed = parse_file(path)
    except FileNotFoundError:
        msg = (f"the registry has no profile ({PROFILE_FILE}: its outcomes, characteristics and arm "
               "labels); `evireg init` writes a commented one to start from")
        return None, [Problem(file, "", msg)]
    except OSError as e:
        return None, [Problem(file, "", f"cannot read: {e.strerror}")]
    except ParseError as e:
        return None, [Problem(file, "", e.message, e.line)]
    if not isinstance(parsed.data, dict):
        got = type(parsed.data).__name__
        msg = f"expected a mapping of fields at the top, got {got}"
        return None, [Problem(file, "", msg, parsed.line_of(()))]
    try:
        return Profile.model_validate(parsed.data), []
    except ValidationError as e:
        return None, [
            Problem(file, dotted(err["loc"]), message(err, Profile), parsed.line_of(tuple(err["loc"])))
            for err in e.errors()
        ]


def load_profile(reg: Registry) -> Profile:
    """The registry's profile; a missing or invalid one is a UserError naming each problem."""
    profile, problems = profile_problems(profile_path(reg))
    if profile is None:
        if len(problems) == 1 and not problems[0].path:
            raise UserError(f"{problems[0].file}: {problems[0].message}")
        raise InvalidRecords(f"{profile_path(reg)}: the registry's profile has {len(problems)} problem(s)",
                             problems)
    return profile


def check_profile(reg: Registry) -> tuple[Profile | None, list[Problem]]:
    """For `validate`: the profile and its problems, never raising."""
    if not reg.root.is_dir():
        raise UserError(f"{reg.root}: no such folder")
    return profile_problems(profile_path(reg))
