"""Every bad drop-folder file of the case table, read the way the crawl reads it: one unit of failure each."""

from __future__ import annotations

import pytest

from govdata.files import FileRefused, check_drop_file, read_drop_folder, read_tabular
from tests.bad_input.cases import FILE_CASES, LEAK_MARKERS, FileCase


def _entries(case: FileCase, tmp_path):
    drop, outside = tmp_path / "drop", tmp_path / "outside"
    drop.mkdir()
    outside.mkdir()
    case.make(drop / case.name, outside)
    (drop / "neighbour.csv").write_text("姓名,联系电话\n王五,13700137000\n", encoding="utf-8")
    return {e.path.name: e for e in read_drop_folder(drop, max_bytes=2**30)}


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
def test_drop_file(case: FileCase, tmp_path):
    entries = _entries(case, tmp_path)
    # the neighbour is always read, whatever the bad file did
    assert entries["neighbour.csv"].error is None
    assert entries["neighbour.csv"].tables[0].rows == [["王五", "13700137000"]]
    entry = entries.get(case.name)
    if case.expect is None:
        if case.rows is None:
            assert entry is None, f"{case.name} should have been skipped"
            return
        assert entry is not None and entry.error is None, entry and entry.error
        assert len(entry.tables[0].rows) == case.rows
        assert all("\ufffd" not in (v or "") for row in entry.tables[0].rows for v in row), "replacement characters"
        assert entry.tables[0].columns[0] in ("姓名", "name") or case.name == "formula_header.csv"
        return
    error_type, fragment = case.expect
    assert entry is not None and entry.error is not None, f"{case.name} was read"
    assert entry.error.error_type == error_type
    message = str(entry.error)
    assert message.startswith(case.name), message
    assert fragment in message
    assert "\n" not in message, "one line"
    assert not any(marker in message for marker in LEAK_MARKERS)


def test_gbk_with_a_broken_byte_is_never_decoded_as_something_else(tmp_path):
    from tests.bad_input.cases import _GBK_BROKEN

    path = tmp_path / "broken.csv"
    path.write_bytes(_GBK_BROKEN)
    with pytest.raises(ValueError, match=r"GB18030 fails at line 2, byte \d+") as info:
        read_tabular(path)
    assert "UTF-8 fails at line 1, byte 0" in str(info.value)


def test_files_over_the_size_limit_are_refused_unread(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "big.csv").write_bytes(b"a\n" + b"1\n" * 600_000)
    with pytest.raises(FileRefused, match=r"big.csv: 1 MiB is over the limit of 1 MiB"):
        check_drop_file(drop / "big.csv", drop, max_bytes=2**20)
    assert check_drop_file(drop / "big.csv", drop, max_bytes=2**21).st_size > 2**20
