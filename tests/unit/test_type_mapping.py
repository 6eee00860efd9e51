"""The snapshot type of other engines' columns, and the COPY text their values become (no server needed)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy.dialects import mysql, oracle
from sqlalchemy.sql import sqltypes

from govdata.crawl.harvest import _raw_type
from govdata.crawl.sources import Copied, ValueNotCopyable, copy_text, formatter


@pytest.mark.parametrize(
    ("dialect", "sa_type", "expected"),
    [
        ("mysql", mysql.TINYINT(display_width=1), "boolean"),
        ("mysql", mysql.TINYINT(), "smallint"),
        ("mysql", mysql.INTEGER(unsigned=True), "bigint"),
        ("mysql", mysql.BIGINT(unsigned=True), "numeric(20)"),
        ("mysql", mysql.DATETIME(fsp=3), "timestamp"),
        ("mysql", mysql.TIMESTAMP(), "timestamp"),
        ("mysql", mysql.DECIMAL(12, 2), "numeric(12, 2)"),
        ("mysql", mysql.FLOAT(), "real"),
        ("mysql", mysql.DOUBLE(), "double precision"),
        ("mysql", mysql.LONGBLOB(), "bytea"),
        ("mysql", mysql.VARBINARY(16), "bytea"),
        ("mysql", mysql.ENUM("a", "b"), "text"),
        ("mysql", mysql.SET("a", "b"), "text"),
        ("mysql", mysql.JSON(), "jsonb"),
        ("mysql", mysql.YEAR(), "smallint"),
        ("mysql", mysql.BIT(1), "boolean"),
        ("mysql", mysql.BIT(8), "bit(8)"),
        ("mysql", mysql.LONGTEXT(), "text"),
        ("mysql", mysql.CHAR(3), "char(3)"),
        ("mysql", mysql.VARCHAR(64, collation="utf8mb4_bin"), "varchar(64)"),
        ("mysql", mysql.VARCHAR(4, collation="gbk_chinese_ci"), "varchar(4)"),
        ("oracle", oracle.NUMBER(), "numeric"),
        ("oracle", oracle.NUMBER(12, 2), "numeric(12, 2)"),
        ("oracle", oracle.DATE(), "timestamp"),
        ("oracle", oracle.CLOB(), "text"),
        ("oracle", oracle.NCLOB(), "text"),
        ("oracle", oracle.VARCHAR2(30), "varchar(30)"),
        ("oracle", oracle.RAW(16), "bytea"),
        ("oracle", oracle.BINARY_DOUBLE(), "double precision"),
        ("oracle", oracle.TIMESTAMP(timezone=True), "timestamp with time zone"),
        ("sqlite", sqltypes.NUMERIC(10, 2), "numeric(10, 2)"),
        ("sqlite", sqltypes.NullType(), None),
    ],
)
def test_foreign_types_map_to_postgresql(dialect, sa_type, expected):
    assert _raw_type(sa_type, dialect) == expected


def test_postgresql_types_are_unchanged():
    from sqlalchemy.dialects import postgresql

    assert _raw_type(postgresql.TIMESTAMP(precision=3)) == "timestamp(3) without time zone"
    assert _raw_type(sqltypes.VARCHAR()) == "varchar"


def test_values_become_copy_text_with_conversions_counted():
    columns = [
        ("b", "boolean"), ("d", "timestamp"), ("n", "numeric(10,2)"), ("t", "text"), ("x", "bytea"),
        ("j", "jsonb"), ("tm", "time"), ("bits", "bit(4)"),
    ]  # fmt: skip
    fmts = [formatter(name, kind) for name, kind in columns]
    rows = [
        (1, dt.datetime(2026, 1, 2, 3, 4, 5), Decimal("1.50"), "a\tb\\c\x00😀", b"\x00\xff", {"k": "值"},
         dt.timedelta(hours=9, minutes=30), b"\x05"),
        (0, "0000-00-00 00:00:00", None, None, None, None, None, None),
    ]  # fmt: skip
    copied = Copied(0)
    text = copy_text(rows, fmts, copied)
    first, second, _ = text.split("\n")
    assert first.split("\t") == [
        "t", "2026-01-02 03:04:05", "1.50", "a\\tb\\\\c😀", "\\\\x00ff", '{"k": "值"}', "09:30:00.000000", "0101",
    ]  # fmt: skip
    assert second == "f\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N"
    assert copied.conversions == Counter({("t", "nul_removed"): 1, ("d", "zero_date"): 1})


def test_a_value_that_does_not_fit_names_column_and_key():
    fmts = [formatter("id", "integer"), formatter("age", "integer")]
    with pytest.raises(ValueNotCopyable, match=r"column 'age', key \(7\): value 'abc' is not a number") as info:
        copy_text([(6, 30), (7, "abc")], fmts, Copied(0), key_positions=[0])
    assert info.value.column_name == "age"
