"""`govdata classify`: JSON contract, readable table, encodings, XLSX sheets and clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from govdata.cli import main
from tests.unit.test_recognizers import make_id

HEADER = ["姓名", "证件号码", "lxdh", "住址", "备注", "订单编号"]


def rows(n: int = 30) -> list[list[str]]:
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]
    streets = ["北京市朝阳区建国路88号", "广东省深圳市南山区科技园路1号", "浙江省杭州市西湖区文三路478号"]
    out = []
    for i in range(n):
        out.append(
            [
                names[i % len(names)],
                make_id("440305", f"19{60 + i % 30}0{1 + i % 9}1{i % 9}", f"{i:03d}"),
                f"138{i:08d}",
                streets[i % len(streets)],
                "联系人李四电话13912345678" if i == 3 else "已核实",
                f"2024{i:014d}",
            ]
        )
    return out


def write_csv(path: Path, encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows())
    return path


def run_json(capsys, *args: str) -> dict:
    assert main(["classify", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_json_contract_in_file_order(tmp_path, capsys, encoding):
    payload = run_json(capsys, str(write_csv(tmp_path / "people.csv", encoding)))
    columns = payload["columns"]
    assert [c["name"] for c in columns] == HEADER
    for column in columns:
        assert {"name", "entity", "category", "grade", "confidence", "evidence"} <= set(column)
        assert 0 <= column["confidence"] <= 1
    entities = {c["name"]: c["entity"] for c in columns}
    assert entities == {
        "姓名": "PERSON",
        "证件号码": "CN_RESIDENT_ID",
        "lxdh": "CN_MOBILE",
        "住址": "ADDRESS",
        "备注": "FREE_TEXT_WITH_PII",
        "订单编号": "NONE",
    }
    assert payload["table"]["grade"] == "L4"
    assert "13912345678" not in json.dumps(payload, ensure_ascii=False)


def test_xlsx_with_sheet(tmp_path, capsys):
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "说明"
    first.append(["说明"])
    first.append(["本表为测试数据"])
    sheet = workbook.create_sheet("人员")
    sheet.append(HEADER)
    for row in rows():
        sheet.append(row)
    path = tmp_path / "book.xlsx"
    workbook.save(path)

    payload = run_json(capsys, str(path), "--sheet", "人员")
    assert payload["sheet"] == "人员"
    assert payload["columns"][1]["entity"] == "CN_RESIDENT_ID"

    assert main(["classify", str(path), "--sheet", "不存在"]) == 1
    assert "no sheet named" in capsys.readouterr().err


def test_sample_size_option(tmp_path, capsys):
    payload = run_json(capsys, str(write_csv(tmp_path / "p.csv", "utf-8")), "--sample-size", "10")
    assert payload["sample_size"] == 10
    assert payload["columns"][0]["evidence"]["sampled"] == 10


def test_readable_table(tmp_path, capsys):
    assert main(["classify", str(write_csv(tmp_path / "p.csv", "gbk"))]) == 0
    out = capsys.readouterr().out
    assert "实体 entity" in out and "分级 grade" in out
    assert "CN_RESIDENT_ID" in out and "表分级 table grade: L4" in out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("empty.csv", b"", "file is empty"),
        ("broken.xlsx", b"not a zip", "not a readable XLSX"),
        ("data.json", b"{}", "unsupported file type"),
        ("ragged.csv", b"a,b\n1,2,3\n", "malformed rows"),
    ],
)
def test_unreadable_input_is_a_clear_error(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["classify", str(path), "--json"]) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_bad_sample_size(tmp_path, capsys):
    assert main(["classify", str(write_csv(tmp_path / "p.csv", "utf-8")), "--sample-size", "0"]) == 1
    assert "--sample-size" in capsys.readouterr().err


def test_module_import_is_light():
    import subprocess
    import sys

    code = (
        "import sys, govdata.classify.cli; "
        "heavy = [m for m in ('presidio_analyzer', 'jieba', 'spacy') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
