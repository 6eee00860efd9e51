"""The estate bench at a tiny size, so it cannot rot: it runs end to end and the unchanged re-crawl copies nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_estate_bench_runs_and_skips_unchanged_tables():
    # its own throwaway cluster and config (the script sets GOVDATA_*), like `make bench-estate`
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_estate.py"), "--sizes", "2x20", "--stages", "crawl,classify"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "modes {'unchanged': 40}" in proc.stdout, proc.stdout
    assert "400 columns, 400 classified" in proc.stdout, proc.stdout
