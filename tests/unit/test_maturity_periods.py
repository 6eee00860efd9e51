"""Maturity scoring without a database: periods, config/pdmm.yaml validation, the CJK font the charts need."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from govdata import config
from govdata.errors import ConfigError


def test_a_run_scores_the_month_of_the_day_before():
    from govdata.maturity.run import period_of_run

    assert period_of_run(date(2027, 1, 1)) == "2026-12"  # the monthly run: the month that just ended
    assert period_of_run(date(2026, 12, 7)) == "2026-12"  # `make run` on the 7th: the month so far
    assert period_of_run(date(2026, 3, 1)) == "2026-02"


def test_periods_are_checked_and_stepped_back_across_the_year():
    from govdata.maturity.run import check_period, previous_period

    assert previous_period("2026-01") == "2025-12"
    assert previous_period("2026-12") == "2026-11"
    for bad in ("2026-13", "2026-1", "26-01", "", "2026-00"):
        with pytest.raises(ConfigError, match="expected YYYY-MM"):
            check_period(bad)


def test_the_shipped_pdmm_config_has_the_six_dimensions_of_the_model():
    pdmm = config.load_pdmm_config()
    assert [d.name for d in pdmm.dimensions] == ["目录编制", "责任落实", "数据质量", "更新时效", "安全合规", "开放共享"]
    assert [d.weight for d in pdmm.dimensions] == [15, 15, 20, 10, 20, 20]
    codes = [i.code for d in pdmm.dimensions for i in d.indicators]
    assert codes == ["C1", "C2", "C3", "R1", "R2", "R3", "Q1", "Q2", "Q3", "Q4", "T1", "S1", "S2", "S3", "S4",
                     "O1", "O2", "O3"]  # fmt: skip
    assert [lv.min_score for lv in pdmm.levels] == [0, 40, 60, 75, 90]
    assert pdmm.indicator("S4")[1].zeroes_dimension and pdmm.indicator("R2")[1].method == "penalty"
    assert all(i.definition for d in pdmm.dimensions for i in d.indicators)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["levels"][0].update(min_score=10), "levels must be numbered"),
        (lambda c: c["levels"].pop(1), "levels must be numbered"),
        (lambda c: c["levels"][2].update(min_score=30), "higher min_score"),
        (lambda c: c["dimensions"][1]["indicators"][1].pop("penalty"), "penalty"),
        (lambda c: c["dimensions"][0]["indicators"][1].update(code="C1"), "unique"),
        (lambda c: c["dimensions"][0].update(weight=0), "dimensions\\[catalog\\].weight"),
    ],
)
def test_a_broken_pdmm_config_is_refused_naming_what_is_wrong(tmp_path, monkeypatch, change, message):
    data = yaml.safe_load((config.config_dir() / "pdmm.yaml").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "pdmm.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GOVDATA_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=message):
        config.load_pdmm_config()


def test_charts_refuse_to_draw_without_a_cjk_font(monkeypatch):
    from matplotlib import font_manager

    from govdata.maturity import charts

    charts.cjk_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [f for f in font_manager.fontManager.ttflist
                                                               if f.name not in charts.CJK_FAMILIES])  # fmt: skip
    with pytest.raises(charts.NoCjkFontError, match="fonts-noto-cjk"):
        charts.radar(["目录编制"], [50.0], None)
    charts.cjk_font.cache_clear()


def test_charts_are_png_drawn_in_the_cjk_font_found():
    from govdata.maturity import charts

    assert charts.cjk_font() in charts.CJK_FAMILIES
    png = charts.radar(["目录编制", "责任落实", "数据质量"], [90.0, None, 70.0], [80.0, 60.0, None])
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert charts.heat_map(["公安局"], ["目录编制", "责任落实"], [[50.0, None]]).startswith(b"\x89PNG")
