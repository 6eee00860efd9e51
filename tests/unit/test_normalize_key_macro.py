"""The dbt macro normalize_key (keys compared inside PostgreSQL) agrees with classify/normalize.py."""

from __future__ import annotations

import re

from govdata.catalog.dbt import dbt_project_dir
from govdata.classify.normalize import normalize_value, to_half_width

MACRO = (dbt_project_dir() / "macros" / "normalize_key.sql").read_text(encoding="utf-8")


def _macro_strings() -> tuple[str, str, str]:
    translate = re.search(r"translate\(\{\{ expr \}\}::text, '([^']*)', '([^']*)'\)", MACRO)
    separators = re.search(r"'\[([^\]]*)\[:space:\]\]'", MACRO)
    assert translate and separators, "normalize_key no longer has the translate/regexp_replace shape"
    return translate.group(1), translate.group(2), separators.group(1)


def test_the_macro_translates_exactly_the_full_width_letters_and_digits_python_does():
    source, target, _ = _macro_strings()
    assert len(source) == len(target)
    for full, ascii_char in zip(source, target, strict=True):
        assert to_half_width(full) == ascii_char
    full_width_alnum = {chr(c) for c in range(0xFF01, 0xFF5F) if to_half_width(chr(c)).isalnum()}
    assert full_width_alnum == set(source)


def test_the_macro_translates_whenever_a_value_holds_a_character_it_would_translate():
    source, _, _ = _macro_strings()
    gate = re.search(r"case when \{\{ expr \}\}::text ~ '\[([^\]]*)\]'", MACRO)
    assert gate, "normalize_key no longer tests for full-width characters before translate()"
    assert gate.group(1) == source


def test_the_macro_removes_the_separators_python_removes_from_identifiers():
    _, _, separators = _macro_strings()
    for ch in separators:
        assert normalize_value(f"110101{ch}19900307{ch}123X") == "11010119900307123X"


def test_python_and_the_macro_agree_on_written_forms_of_one_id():
    source, target, separators = _macro_strings()

    def like_the_macro(value: str) -> str:
        translated = value.translate(str.maketrans(source, target))
        return re.sub(f"[{re.escape(separators)}\\s]", "", translated).upper()

    for written in ("１１０１０１１９９００３０７１２３ｘ", "110101-19900307-123x", "110101 19900307 123X"):
        assert like_the_macro(written) == normalize_value(written).upper() == "11010119900307123X"
