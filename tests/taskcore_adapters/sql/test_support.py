"""Query helpers shared by the SQL repositories: a list of ids as one array on
PostgreSQL, and the same rows on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select

from taskcore_adapters.sql.support import among

NUMBERS = Table("support_numbers", MetaData(), Column("n", Integer, primary_key=True))


@pytest.fixture
def numbers(engine: Engine) -> Iterator[Engine]:
    """A table of the numbers 1 to 20, dropped afterwards (the PostgreSQL database is
    shared by the tests of a worker)."""
    NUMBERS.create(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(NUMBERS), [{"n": n} for n in range(1, 21)])
        yield engine
    finally:
        NUMBERS.drop(engine)


@pytest.mark.parametrize("ids", [[], [7], [3, 5, 19, 40], list(range(15, 30))])
def test_among_finds_the_rows_of_the_ids(numbers: Engine, ids: list[int]) -> None:
    with numbers.connect() as conn:
        found = conn.execute(
            select(NUMBERS.c.n).where(among(conn, NUMBERS.c.n, ids)).order_by(NUMBERS.c.n)
        ).scalars()
        assert [n for n in range(1, 21) if n in ids] == list(found)


def test_postgresql_binds_one_array_whatever_the_count(numbers: Engine) -> None:
    """One statement text for any number of ids on PostgreSQL (psycopg can cache and
    prepare it); an IN list elsewhere."""
    with numbers.connect() as conn:
        texts = {
            str(
                select(NUMBERS.c.n)
                .where(among(conn, NUMBERS.c.n, ids))
                .compile(conn, compile_kwargs={"render_postcompile": True})
            )
            for ids in ([1], [1, 2, 3], list(range(50)))
        }
        if conn.dialect.name == "postgresql":
            assert 1 == len(texts)
            assert "= ANY (" in texts.pop()
        else:
            assert 3 == len(texts)
            assert all(" IN (" in t for t in texts)
