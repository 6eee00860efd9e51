"""The demo departments hold exactly the identifiers, defects and conflicts their manifest claims."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import re
from collections import Counter, defaultdict

import pytest
from stdnum import luhn
from stdnum.cn import ric, uscc

from govdata.config import load_catalog_config
from govdata.demo import generate
from govdata.demo import identifiers as ids
from govdata.demo.build import database_ref
from govdata.demo.context import Context
from govdata.demo.departments import BUILDERS
from govdata.demo.manifest import AUTHORITIES, ManifestBuilder
from govdata.demo.model import HEALTH
from govdata.demo.pools import build_companies, build_people

SEED = 20261122
SCALE = 0.05
AS_OF = dt.date(2026, 11, 22)
PII_VOCABULARY = {
    "CN_RESIDENT_ID", "CN_MOBILE", "CN_LANDLINE", "CN_USCC", "CN_BANK_CARD", "CN_PASSPORT", "CN_HK_MACAO_PERMIT",
    "CN_LICENSE_PLATE", "EMAIL_ADDRESS", "IP_ADDRESS", "PERSON", "ADDRESS", "FREE_TEXT_WITH_PII",
}  # fmt: skip
MOBILE = re.compile(r"1[3-9]\d{9}")
PATTERNS = {
    "CN_LANDLINE": re.compile(r"0\d{2,3}-\d{7,8}"),
    "CN_PASSPORT": re.compile(r"[EG]\d{8}"),
    "CN_HK_MACAO_PERMIT": re.compile(r"C\d{8}"),
    "CN_LICENSE_PLATE": re.compile(r"粤B·?[A-HJ-NP-Z0-9]{5,6}"),
    "EMAIL_ADDRESS": re.compile(r"[a-z0-9._]+@[a-z0-9.]+\.[a-z]{2,}"),
    "PERSON": re.compile(r"[\u4e00-\u9fff]{2,4}"),
    "ADDRESS": re.compile(r"[\u4e00-\u9fff]+(省|市).*\d+号.*"),
}


@pytest.fixture(scope="module")
def generated():
    """All departments at a small scale, and the manifest built from them."""
    departments = list(generate(SEED, SCALE, AS_OF))
    builder = ManifestBuilder(SEED, SCALE, AS_OF)
    for data in departments:
        builder.add(data, database_ref(data), f"drop/{data.code}" if data.files else None)
    return departments, builder.result()


def _defects(manifest, kind):
    return {(d["department"], d["table"], d["column"]): d["count"] for d in manifest["defects"] if d["kind"] == kind}


def _columns(departments):
    for data in departments:
        for table in data.all_tables():
            for column in table.columns:
                yield data.code, table, column


# -- identifier generators ---------------------------------------------------------------


def test_identifier_generators_are_valid_or_broken_as_named():
    rng = random.Random(1)
    for year in range(1935, 2026):
        for local in (True, False):
            region = rng.choice(ids.regions_for_year(year, local) or ids.regions_for_year(year, not local))
            number = ids.resident_id(rng, region, dt.date(year, 3, 1), female=year % 2 == 0)
            assert ric.is_valid(number), number
            assert int(number[16]) % 2 == (0 if year % 2 == 0 else 1)
            assert not ric.is_valid(ids.corrupt_id_checksum(number))
            assert ids.legacy_id_15(number) == number[:6] + number[8:17]
            assert ids.normalise_key(ids.fullwidth(number)) == number
            assert ids.normalise_key(ids.spaced_id(number)) == number
            assert ids.normalise_key(number.lower()) == number
    for _ in range(500):
        body = "".join(str(rng.randrange(10)) for _ in range(17))
        assert ids.ric_check_char(body) == ric.calc_check_digit(body + "0")
        code = ids.uscc(rng, rng.choice(("91", "92", "12", "52")))
        assert uscc.is_valid(code), code
        assert ids.normalise_key(ids.fullwidth(code).lower()) == code
        card = ids.bank_card(rng)
        assert card.startswith("62") and len(card) == 19 and luhn.is_valid(card)
        number = ids.mobile(rng)
        assert MOBILE.fullmatch(number)
        assert not MOBILE.fullmatch(ids.malformed_mobile(rng, number))
        assert PATTERNS["CN_PASSPORT"].fullmatch(ids.passport(rng))
        assert PATTERNS["CN_HK_MACAO_PERMIT"].fullmatch(ids.hk_macao_permit(rng))
        assert PATTERNS["CN_LICENSE_PLATE"].fullmatch(ids.license_plate(rng, new_energy=rng.random() < 0.5))
        assert PATTERNS["CN_LANDLINE"].fullmatch(ids.landline(rng))
        assert PATTERNS["EMAIL_ADDRESS"].fullmatch(ids.email(rng))
        assert ipaddress.ip_address(ids.ipv4(rng)).is_global


# -- the data matches the manifest ------------------------------------------------------


def test_manifest_shape(generated):
    departments, manifest = generated
    assert set(manifest) == {"seed", "scale", "as_of", "departments", "defects", "conflicts", "shared_keys"}
    assert manifest["as_of"] == "2026-11-22"
    assert set(manifest["departments"]) >= {"wsjkw", "scjgj", "gaj", "jtysj", "jyj", "rsj"}
    db_tables = [t for d in manifest["departments"].values() for t in d["tables"] if t["source"] == "database"]
    assert len(db_tables) >= 20
    jyj = manifest["departments"]["jyj"]
    assert jyj["database"] == "govdata_dept_jyj" and jyj["drop_folder"] == "drop/jyj"
    files = {t["name"]: t for t in jyj["tables"] + manifest["departments"]["mzj"]["tables"] if t["source"] == "file"}
    assert files["学生资助发放名单2026"]["encoding"] == "gbk"
    assert files["最低生活保障对象名单"]["encoding"] == "utf-8-sig"
    assert files["校车安全管理__驾驶员名单"]["sheet"] == "驾驶员名单"
    assert all(c["type"] == "text" for t in files.values() for c in t["columns"])
    assert not any(t.get("file") == "教师培训记录.csv" for t in files.values())
    assert [d["file"] for d in manifest["defects"] if d["kind"] == "malformed_file"] == ["教师培训记录.csv"]
    for t in files.values():
        for c in t["columns"]:
            chinese = bool(re.search(r"[\u4e00-\u9fff]", c["name"]))
            # a flattened report header (申领人信息/姓名) is described by its leaf cell (姓名)
            assert c["comment"] == (c["name"].rsplit("/", 1)[-1] if chinese else None)
    hostile = manifest["departments"]["jtysj"]["tables"]
    assert any(t["name"] == 'a"; drop table x; --' for t in hostile)
    for _code, _table, column in _columns(departments):
        assert column.pii is None or column.pii in PII_VOCABULARY
        assert column.category in (None, HEALTH)
    assert {c.category for _, _, c in _columns(departments)} == {None, HEALTH}
    no_comment_pii = [
        (t.name, c.name) for code, t, c in _columns(departments) if c.pii and not c.comment and not t.file
    ]
    assert len(no_comment_pii) >= 5


def test_identifier_columns_hold_valid_values_except_the_listed_defects(generated):
    departments, manifest = generated
    invalid = _defects(manifest, "invalid_id_checksum")
    legacy = _defects(manifest, "legacy_id_15")
    malformed = _defects(manifest, "malformed_phone")
    nulls = _defects(manifest, "null_mandatory")
    variants = _defects(manifest, "key_format_variant")
    assert invalid and legacy and malformed and nulls and variants
    for code, table, column in _columns(departments):
        where = (code, table.name, column.name)
        values = table.values(column.name)
        present = [v for v in values if v is not None]
        if column.pii in ("CN_RESIDENT_ID", "CN_USCC"):
            validator = ric if column.pii == "CN_RESIDENT_ID" else uscc
            bad = [v for v in present if not validator.is_valid(ids.normalise_key(v))]
            assert sum(len(v) == 15 for v in bad) == legacy.get(where, 0), where
            assert sum(len(v) != 15 for v in bad) == invalid.get(where, 0), where
            assert sum(v != ids.normalise_key(v) for v in present) == variants.get(where, 0), where
            assert len(values) - len(present) == nulls.get(where, 0), where
        elif column.pii == "CN_MOBILE":
            assert sum(not MOBILE.fullmatch(v) for v in present) == malformed.get(where, 0), where
        elif column.pii == "CN_BANK_CARD":
            assert all(v.startswith("62") and luhn.is_valid(v) for v in present), where
        elif column.pii == "IP_ADDRESS":
            assert all(ipaddress.ip_address(v) for v in present), where
        elif column.pii == "FREE_TEXT_WITH_PII":
            assert any(re.search(r"1[3-9]\d{9}|\d{17}[\dX]", v) for v in present), where
        elif column.pii in PATTERNS:
            assert all(PATTERNS[column.pii].fullmatch(v) for v in present), (where, present[:3])
        if where in nulls and column.pii not in ("CN_RESIDENT_ID", "CN_USCC"):
            assert len(values) - len(present) == nulls[where], where


def test_duplicate_keys_stale_tables_and_missing_primary_keys(generated):
    departments, manifest = generated
    duplicates = _defects(manifest, "duplicate_key")
    stale = {(code, table) for code, table, _ in _defects(manifest, "stale_table")}
    no_pk = {(code, table) for code, table, _ in _defects(manifest, "no_primary_key")}
    assert len(duplicates) == 2 and len(stale) == 3
    # a past as_of: fresh tables end their last update before the next midnight, when the demo is crawled
    crawled = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time())
    for data in departments:
        for table in data.tables:
            where = (data.code, table.name)
            assert (not table.primary_key) == (where in no_pk), where
            for column in table.primary_key:
                keys = table.values(column)
                assert len(set(keys)) == len(keys) and None not in keys, where
            for (code, name, column), count in duplicates.items():
                if (code, name) == where:
                    keys = table.values(column)
                    assert len(keys) - len(set(keys)) == count
            if table.update_column:
                newest = max(table.values(table.update_column))
                assert newest < crawled
                stale_after = load_catalog_config().update_cycles[table.update_cycle]
                is_stale = (crawled - newest) > dt.timedelta(days=stale_after)
                assert is_stale == (where in stale), where


def test_conflicts_are_exactly_the_injected_ones(generated):
    departments, manifest = generated
    injected = {
        (c.key_type, c.key, c.attribute, c.department, c.table, c.column, c.value)
        for data in departments
        for c in data.conflicts
    }
    listed = {
        (
            c["key_type"],
            c["key"],
            c["attribute"],
            c["copy"]["department"],
            c["copy"]["table"],
            c["copy"]["column"],
            c["copy"]["value"],
        )
        for c in manifest["conflicts"]
    }
    assert listed == injected
    assert 30 <= len(listed) <= 80
    assert {c["attribute"] for c in manifest["conflicts"]} == {a for _, a in AUTHORITIES}
    for c in manifest["conflicts"]:
        assert c["authoritative"]["value"] != c["copy"]["value"]
        assert (c["authoritative"]["department"], c["authoritative"]["table"]) in {
            (d, t) for d, t, _, _ in AUTHORITIES.values()
        }


def test_copies_agree_everywhere_except_in_listed_conflicts(generated):
    """Beyond the authority: any two copies of an item for one key agree unless a conflict is listed."""
    departments, manifest = generated
    conflicted = {(c["key_type"], c["attribute"], c["key"]) for c in manifest["conflicts"]}
    seen: dict[tuple, set] = defaultdict(set)
    for data in departments:
        for table in data.all_tables():
            pii = {c.name: c.pii for c in table.columns}
            for column in table.columns:
                for key_col, attribute in column.describes:
                    k, i = table.index(key_col), table.index(column.name)
                    for row in table.rows:
                        if row[k] is None or row[i] is None:
                            continue
                        key = ids.normalise_key(row[k])
                        if ric.is_valid(key) or uscc.is_valid(key):
                            seen[(pii[key_col], attribute, key)].add(str(row[i]))
    disagreeing = {k for k, values in seen.items() if len(values) > 1}
    assert disagreeing == conflicted


def test_shared_keys_link_departments(generated):
    _, manifest = generated
    holders = {s["key_type"]: s["holders"] for s in manifest["shared_keys"]}
    people = {(h["department"], h["table"], h["column"]) for h in holders["CN_RESIDENT_ID"]}
    assert {
        ("gaj", "hj_rkxx", "sfzh"),
        ("wsjkw", "jmjkda", "sfzh"),
        ("rsj", "sb_cbry", "sfzh"),
        ("jyj", "xs_xjxx", "jhrsfzh"),
        ("jtysj", "jsy_cyzg", "sfzh"),
    } <= people
    firms = {(h["department"], h["table"], h["column"]) for h in holders["CN_USCC"]}
    assert {("scjgj", "qy_djxx", "tyshxydm"), ("rsj", "sb_cbdw", "tyshxydm"), ("jtysj", "ysqy", "tyshxydm")} <= firms
    gaj = next(h for h in holders["CN_RESIDENT_ID"] if h["table"] == "hj_rkxx")
    assert gaj["attributes"] == {"住址": "hjdz", "出生日期": "csrq", "姓名": "xm"}


# -- determinism ----------------------------------------------------------------------


def _fingerprint(departments):
    return [(d.code, t.name, t.rows) for d in departments for t in d.all_tables()]


def test_same_seed_same_data_and_as_of_moves_only_time():
    first = list(generate(SEED, 0.02, AS_OF))
    assert _fingerprint(first) == _fingerprint(list(generate(SEED, 0.02, AS_OF)))
    later = list(generate(SEED, 0.02, AS_OF + dt.timedelta(days=40)))
    stable = {"CN_RESIDENT_ID", "CN_USCC", "PERSON", "CN_MOBILE", "CN_BANK_CARD"}
    for a, b in zip(first, later, strict=True):
        assert [c.__dict__ for c in a.conflicts] == [c.__dict__ for c in b.conflicts]
        for ta, tb in zip(a.all_tables(), b.all_tables(), strict=True):
            for column in ta.columns:
                if column.pii in stable:
                    assert ta.values(column.name) == tb.values(column.name), (a.code, ta.name, column.name)
    other_seed = list(generate(SEED + 1, 0.02, AS_OF))
    assert _fingerprint(first) != _fingerprint(other_seed)


def test_a_department_does_not_depend_on_the_others():
    people = build_people(SEED, 600, 400)
    companies = build_companies(SEED, 200, people)
    alone = BUILDERS["jyj"](Context("jyj", SEED, 0.02, AS_OF, people, companies))
    in_sequence = [b(Context(code, SEED, 0.02, AS_OF, people, companies)) for code, b in BUILDERS.items()]
    assert _fingerprint([alone]) == _fingerprint([d for d in in_sequence if d.code == "jyj"])


# -- files and config -------------------------------------------------------------------


def test_drop_files_read_back_as_described(generated, tmp_path):
    files_module = pytest.importorskip("govdata.files")
    from govdata.demo.dropfiles import write_drop_folder

    departments, manifest = generated
    for data in departments:
        if not data.files:
            continue
        folder = tmp_path / data.code
        write_drop_folder(folder, data.files, dt.datetime(2026, 11, 22))
        described = {t["name"]: t for t in manifest["departments"][data.code]["tables"] if t["source"] == "file"}
        read = {}
        for path in files_module.iter_drop_folder(folder):
            try:
                read.update({t.name: t for t in files_module.read_tabular(path)})
            except files_module.FileReadError:
                assert path.name == "教师培训记录.csv"
        assert set(read) == set(described)
        for name, table in read.items():
            entry = described[name]
            assert len(table.rows) == entry["row_count"]
            assert table.columns == [c["name"] for c in entry["columns"]]
            if entry["encoding"]:
                assert table.encoding == entry["encoding"]
            if "layout" in entry:
                _check_report_layout(name, table, entry["layout"], data.table(name))
    kinds = [t["layout"] for d in manifest["departments"].values() for t in d["tables"] if "layout" in t]
    assert any(k["flattened"] for k in kinds) and any(k["merged_runs"] for k in kinds)
    assert any(k["footer_rows"] for k in kinds) and any(k["hidden_columns"] for k in kinds)
    assert any(k["header_rows"][0] > 10 for k in kinds), "a sheet with a second table"


def _check_report_layout(name, table, expected, source):
    """A report-shaped demo file is read as its manifest says: rows, header block, footers, metadata."""
    layout = table.layout
    assert not layout.plain, name
    assert list(layout.header_rows) == expected["header_rows"], name
    assert list(layout.data_rows) == expected["data_rows"], name
    assert layout.preamble_rows == expected["preamble_rows"], name
    assert layout.footer_rows == expected["footer_rows"], name
    assert layout.title == expected["title"], name
    assert {k: v for k, v in layout.metadata.items() if k in expected["metadata"]} == expected["metadata"], name
    assert {c.name: c.leaf for c in layout.columns if c.flattened} == expected["flattened"], name
    assert len(layout.filled_down) == expected["merged_runs"], name
    assert layout.hidden_columns == expected["hidden_columns"], name
    if expected["date_serials"]:
        assert layout.normalised[expected["date_serials"]]["date_serial"] == len(table.rows), name
    assert table.rows == [[None if v is None else str(v) for v in row] for row in source.rows], name


def test_departments_yaml_declares_the_demo(monkeypatch, tmp_path, generated):
    from govdata.config import load_departments

    monkeypatch.setenv("GOVDATA_SERVER_URL", "postgresql://govdata@127.0.0.1:55432")
    monkeypatch.setenv("GOVDATA_DEMO_DIR", str(tmp_path))
    config = load_departments()
    _, manifest = generated
    assert {d.code for d in config.departments} == set(manifest["departments"])
    declared_items: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for dept in config.departments:
        assert uscc.is_valid(dept.org_code) and dept.org_code.startswith("11440300")
        entry = manifest["departments"][dept.code]
        assert (dept.database is not None) == (entry["database"] is not None)
        if dept.database:  # a database name, or a SQLite file under the demo folder, before any query string
            assert dept.database.expanded_url().split("?")[0].endswith("/" + entry["database"])
        assert (dept.drop_folder is not None) == (entry["drop_folder"] is not None)
        tables = {t["name"]: t for t in entry["tables"]}
        assert {t.name for t in dept.tables} == set(tables)
        for spec in dept.tables:
            assert spec.update_cycle == tables[spec.name]["update_cycle"]
            assert spec.update_column == tables[spec.name]["update_column"]
        assert 2 <= len(dept.duties) <= 5
        for duty in dept.duties:
            for item in duty.items:
                columns = {c["name"] for c in tables[item.table]["columns"]}
                assert item.column in columns, (dept.code, item)
                declared_items[item.item].append((dept.code, item.table, item.column))
    for (_, attribute), (code, table, _key, column) in AUTHORITIES.items():
        assert declared_items[attribute] == [(code, table, column)]
    assert "联系电话" not in declared_items and "性别" not in declared_items


def test_scale_changes_row_counts_not_the_kinds_of_defects(generated):
    departments, manifest = generated
    bigger = ManifestBuilder(SEED, 0.1, AS_OF)
    for data in generate(SEED, 0.1, AS_OF):
        bigger.add(data, None, None)
    kinds = Counter(d["kind"] for d in manifest["defects"])
    assert Counter(d["kind"] for d in bigger.result()["defects"]) == kinds
    assert kinds["hostile_identifier"] == 3
    assert len(bigger.result()["conflicts"]) == len(manifest["conflicts"])
