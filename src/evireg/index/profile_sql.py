"""The registry's profile in the index: the `studies` view's characteristic columns generated
from it, and the profile itself stored beside the tables so that analyses read the subgroup
order, labels and outcome directions from the same index they read the counts from.

views.sql holds the views with markers where the profile's columns go; the generated text is
made only of the profile's ids, which the profile model restricts to `[a-z][a-z0-9_]*`, and they
are quoted anyway (identifiers with double quotes, literals with single quotes, each doubled
inside), so no profile can change the statement around them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from evireg.errors import UserError
from evireg.index.connection import execute_script, sql_text
from evireg.records.profile import Profile
from evireg.records.vocab import CharacteristicType

if TYPE_CHECKING:
    import duckdb

SQL_TYPES = {
    CharacteristicType.category: "VARCHAR",
    CharacteristicType.text: "VARCHAR",
    CharacteristicType.integer: "BIGINT",
    CharacteristicType.number: "DOUBLE",
    CharacteristicType.boolean: "BOOLEAN",
}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def views_sql(profile: Profile) -> str:
    """views.sql with one `studies` column per characteristic (and the same in two_by_two)."""
    columns, joins, of_s = [], [], []
    for n, c in enumerate(profile.characteristics):
        alias = f"c{n}"
        columns.append(f", CAST({alias}.\"value\" AS {SQL_TYPES[c.type]}) AS {ident(c.id)}")
        joins.append(
            f"\nLEFT JOIN t_characteristics {alias} ON {alias}.study_id = s.study_id "
            f"AND {alias}.characteristic = {literal(c.id)}"
        )
        of_s.append(f", s.{ident(c.id)}")
    return (
        sql_text("views.sql")
        .replace("/*characteristic columns*/", "".join(columns))
        .replace("/*characteristic joins*/", "".join(joins))
        .replace("/*characteristic columns of s*/", "".join(of_s))
    )


def store_profile(con: duckdb.DuckDBPyConnection, profile: Profile) -> None:
    execute_script(con, "store_profile.sql", {"profile": profile.model_dump_json(by_alias=True)})


def read_profile(con: duckdb.DuckDBPyConnection) -> Profile:
    """The profile the index was built with."""
    row = con.execute(sql_text("profile.sql")).fetchone()
    if row is None:  # every build stores one; an index without it is from an older evireg
        raise UserError("the index holds no registry profile; run `evireg build`")
    return Profile.model_validate(json.loads(row[0]))
