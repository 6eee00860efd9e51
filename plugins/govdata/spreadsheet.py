"""Cells for the CSV and XLSX files govdata writes: text that Excel or WPS can never run as a formula."""

from __future__ import annotations

from typing import Any

#: A cell starting with one of these is a formula (or DDE call) to Excel, LibreOffice and WPS when
#: the file is opened: OWASP "CSV injection". Tab and CR are included because some spreadsheets
#: strip them before looking at the next character.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value, with text that would start a formula prefixed by an apostrophe so it stays text.

    Numbers stay numbers (a negative amount is a number, not text); only strings are touched, and
    the apostrophe keeps every character of the original visible.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def sheet_title(name: str) -> str:
    """A worksheet name Excel accepts: none of the characters []:*?/ or backslash, at most 31 characters, not blank."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("' ")[:31]
    return cleaned or "Sheet"


def header_row(sheet: Any, titles: list[str], row: int = 1) -> None:
    """Write ``titles`` as the bold, dark-filled header at ``row`` of an openpyxl sheet, frozen below it."""
    from openpyxl.styles import Alignment, Font, PatternFill

    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E78")
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        cell.font, cell.fill = font, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1).coordinate
