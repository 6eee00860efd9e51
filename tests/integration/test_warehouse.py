"""The warehouse's row helpers against the test PostgreSQL: a query that must return a row says so when it does not."""

from __future__ import annotations

import pytest

from govdata import warehouse

pytestmark = pytest.mark.integration


def test_scalar_and_one_row_read_the_first_row(warehouse_conn):
    assert warehouse.scalar(warehouse_conn.execute("select count(*) from generate_series(1, 3)")) == 3
    assert warehouse.one_row(warehouse_conn.execute("select 1, 'a'")) == (1, "a")
    assert warehouse.scalar(warehouse_conn.execute("select to_regclass('no_such_schema.t')")) is None


def test_no_row_is_a_lookup_error_naming_the_columns(warehouse_conn):
    with pytest.raises(LookupError, match=r"got none \(columns: crawl_run_id, status\)"):
        warehouse.one_row(warehouse_conn.execute("select 1 as crawl_run_id, 'x' as status where false"))
    with pytest.raises(LookupError, match=r"columns: n"):
        warehouse.scalar(warehouse_conn.execute("select 1 as n where false"))
