"""The SQL masks of whole columns (mask/functions.sql) equal the Python masks of mask/values.py, cell for cell."""

from __future__ import annotations

import random

import pytest
from faker import Faker
from psycopg import sql

from govdata import config, warehouse
from govdata.mask.sql import (
    column_expression,
    drop_lookups,
    ensure_mask_functions,
    lookup_expression,
    needs_lookup,
    normalize_expression,
)
from govdata.mask.values import mask_value

EDGE_CASES = [
    "", " ", "NULL", "null", "-", "无", "不详", "#N/A", "a", "ab", "abc", "abcd", "*", "  110101199003071234  ",
    "１１０１０１１９９００３０７１２３Ｘ", "110101 19900307 1234", "110101-19900307-123x", "110101900307123",
    "11010119900307", "110101199003O71234", "+8613812345678", "008613812345678", "138 1234 5678",
    "１３８－１２３４－５６７８", "0755-12345678", "6222021234567890123", "粤B12345", "京A·D1234", "张三",
    "欧阳娜娜", "欧阳", "司马懿", "阿依古丽·买买提", "John Smith", "张 三", "王", "1990-03-07",
    "１９９０年３月７日", "19900307", "0307", "2099-01-01", "1850/1/1", "zhangsan@example.cn", "a@b",
    "@example.cn", "zhang@", "x@y@z.com", "no-at-sign", "192.168.10.23", "10.0.0", "2001:db8::1", "fe80::1%eth0",
    "not an ip", "E12345678", "H1234567890", "C12345678", "粤(2020)深圳市不动产权第0012345号", "  欧阳 娜娜 ",
    "\u3000张三\u3000", "X", "91440300MA5DC1234X",
    # the plain shapes masked by SQL string functions alone (mask.sql._fast_path), and their neighbours
    "1234", "123", "12345", "1234567", "13812345678", "6222021234567890123", "0138123456", "暂无", "张三丰",
    "欧阳娜", "上官婉儿", "王", "㐀三",
]  # fmt: skip


def _corpus() -> list[str]:
    fake = Faker("zh_CN")
    Faker.seed(20261203)
    rng = random.Random(20261203)
    values = list(EDGE_CASES)
    for _ in range(150):
        values += [
            fake.ssn(), fake.phone_number(), fake.name(), fake.email(), fake.ipv4(), fake.ipv6(),
            fake.date_of_birth().isoformat(), fake.license_plate(), fake.credit_card_number(), fake.company(),
            fake.address(), fake.passport_number(),
            "".join(rng.choice("0123456789-X ＸＡ１") for _ in range(rng.randint(1, 20))),
        ]  # fmt: skip
    return values


@pytest.fixture(scope="module")
def masking(warehouse_conn):
    ensure_mask_functions(warehouse_conn)
    warehouse_conn.execute("drop table if exists pg_temp.mask_corpus")
    warehouse_conn.execute("create temporary table mask_corpus (i int primary key, v text)")
    values = [*_corpus(), None]
    with warehouse_conn.cursor().copy("copy mask_corpus (i, v) from stdin") as copy:
        for i, v in enumerate(values):
            copy.write_row((i, v))
    return warehouse_conn, values


POLICIES = [config.EVIDENCE_POLICY, config.PUBLICATION_POLICY]
ENTITIES = sorted(config.load_masking_config().policy(config.PUBLICATION_POLICY).entities) + ["UNKNOWN_ENTITY"]


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize("entity", ENTITIES)
def test_every_sql_mask_equals_the_python_mask(masking, policy_name, entity):
    conn, values = masking
    policy = config.load_masking_config().policy(policy_name)
    relation = ("pg_temp", "mask_corpus")
    if needs_lookup(entity, policy):
        expression = lookup_expression(conn, relation, "v", entity, policy, alias="c")
    else:
        expression = column_expression(entity, sql.Identifier("c", "v"), policy)
    rows = conn.execute(sql.SQL("select c.i, {} from mask_corpus as c order by c.i").format(expression)).fetchall()
    drop_lookups(conn)
    from govdata.classify.column import as_text

    mismatches = []
    for i, masked in rows:
        value = values[i]
        expected = value if value is None or as_text(value) is None else mask_value(entity, value, policy)
        if masked != expected:
            mismatches.append((value, expected, masked))
    assert not mismatches, f"{len(mismatches)} of {len(rows)} differ, e.g. {mismatches[:5]}"


def test_lookups_are_temporary_and_dropped(masking):
    conn, _ = masking
    policy = config.load_masking_config().policy(config.PUBLICATION_POLICY)
    lookup_expression(conn, ("pg_temp", "mask_corpus"), "v", "ADDRESS", policy)
    persistence = conn.execute(
        "select relpersistence from pg_class where relname like '\\_mask\\_lookup\\_%' and pg_table_is_visible(oid)"
    ).fetchall()
    assert persistence and {p for (p,) in persistence} == {"t"}
    drop_lookups(conn)
    assert not conn.execute(
        "select 1 from pg_class where relname like '\\_mask\\_lookup\\_%' and pg_table_is_visible(oid)"
    ).fetchall()


def test_installing_twice_runs_the_ddl_once(warehouse_conn):
    ensure_mask_functions(warehouse_conn)
    assert ensure_mask_functions(warehouse_conn) is False
    assert warehouse.scalar(warehouse_conn.execute("select mask.person_name('欧阳娜娜')")) == "欧阳**"


def test_functions_inlined_for_speed_still_give_null_for_null(warehouse_conn):
    # not STRICT (so PostgreSQL inlines them): their bodies must keep NULL → NULL themselves
    ensure_mask_functions(warehouse_conn)
    row = warehouse_conn.execute(
        "select mask.strip(null), mask.is_null_token(null), mask.half_width(null), mask.identifier(null),"
        " mask.redact(null), mask.redact('abc', null)"
    ).fetchone()
    assert row == (None,) * 6
    inlined = warehouse_conn.execute(
        "explain (verbose, costs off) select mask.strip(v), mask.is_null_token(v) from (values ('a')) as t (v)"
    ).fetchall()
    assert "mask." not in " ".join(line for (line,) in inlined)


def test_normalize_expression_is_the_dbt_macro(warehouse_conn):
    from govdata.classify.normalize import normalize_value

    for value in ["１１０１０１　１９９００３０７－１２３ｘ", "110101-19900307-123X", "9144 0300 ma5d c123 4x"]:
        got = warehouse.scalar(
            warehouse_conn.execute(sql.SQL("select {}").format(normalize_expression(sql.Literal(value))))
        )
        assert got == normalize_value(value).upper()
