"""Guided entry of one study, field by field, with rich prompts (`evireg add` in a terminal).

Each answer is checked at once against the smallest piece of the record format that holds it (a
constrained string type such as `Pmid`, or a sub-model such as `ArmResult` or `ReportedCount`) and
re-asked with the problem in plain words. The record is built in memory only: nothing touches the
registry until the summary is confirmed, and then it is filed the same way as `evireg add FILE`.
Ctrl-C or end of input before that leaves the registry as it was.

What is asked follows the registry's profile (evireg.yaml): its study characteristics, its
outcome ids, and its category characteristics as subgroup variables; the package names no topic.

checks.py checks one answer; characteristics.py asks and checks one profile characteristic;
asker.py reads answers; questions.py holds the session's state and the questions its sections
share; study.py and results.py are the sections; summary.py shows the study before it is
written; session.py runs the sections and holds the entry point, run_guided.
"""

from evireg.cli.guided.checks import propose_id
from evireg.cli.guided.session import run_guided

__all__ = ["propose_id", "run_guided"]
