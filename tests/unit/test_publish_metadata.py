"""DCAT-AP record and MQA score of an open dataset: the URIs harvesters need, and points that follow the method."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from govdata import config
from govdata.publish.dcat import EU, dcat_catalog
from govdata.publish.model import ColumnMeta, DatasetMeta, Distribution
from govdata.publish.mqa import MAX_POINTS, band, mqa_score


@pytest.fixture(scope="module")
def cfg() -> config.OpenDataConfig:
    return config.load_open_data_config()


def _meta(**changes) -> DatasetMeta:
    meta = DatasetMeta(
        dataset_id="births_monthly_by_institution", kind="curated", title="每月各助产机构新生儿数",
        description="按出生年月和助产机构统计", theme="HEAL", keywords=["出生", "新生儿"], update_cycle="每月",
        open_attribute="无条件开放", department_code="wsjkw", publisher_name="示范市政务服务数据管理局",
        source_resource_codes=["440300-W01-000001"], columns=[ColumnMeta("births", "bigint")], version=2, rows=165,
        issued=datetime(2026, 11, 2, tzinfo=UTC), modified=datetime(2026, 11, 3, tzinfo=UTC),
        temporal_start=date(2025, 1, 1), temporal_end=date(2026, 10, 31),
        distributions=[
            Distribution("CSV", "text/csv", "b/2/data.csv", 1234, "ab" * 32, "https://data.example.gov.cn/b/2/data.csv"),
            Distribution("PARQUET", "application/vnd.apache.parquet", "b/2/data.parquet", 999, "cd" * 32,
                         "https://data.example.gov.cn/b/2/data.parquet"),
        ],
    )  # fmt: skip
    return replace(meta, **changes)


def test_a_complete_record_scores_every_point_when_its_urls_answer(cfg):
    score = mqa_score(_meta(), cfg, url_answers=lambda url: True)
    assert score.points == MAX_POINTS == 405
    assert score.band == "Excellent" and not score.missing()


def test_each_missing_property_costs_exactly_its_points(cfg):
    full = mqa_score(_meta(), cfg, url_answers=lambda url: True).points
    assert full - mqa_score(_meta(keywords=[]), cfg, url_answers=lambda url: True).points == 30
    assert full - mqa_score(_meta(temporal_start=None, temporal_end=None), cfg, lambda url: True).points == 20
    assert full - mqa_score(_meta(issued=None), cfg, url_answers=lambda url: True).points == 5
    # one of two distributions failing to answer: half of accessURL (50) and downloadURL answers (30)
    half = mqa_score(_meta(), cfg, url_answers=lambda url: url.endswith(".csv"))
    assert full - half.points == 25 + 15


def test_unchecked_urls_score_nothing_and_say_why(cfg, monkeypatch):
    monkeypatch.delenv("GOVDATA_MQA_CHECK_URLS", raising=False)
    score = mqa_score(_meta(), cfg)
    assert score.points == 405 - 50 - 30
    assert any("not checked" in line for line in score.missing())


def test_a_conditional_dataset_has_no_download_and_restricted_access(cfg):
    meta = _meta(open_attribute="有条件开放", distributions=[])
    doc = dcat_catalog([meta], cfg, datetime(2026, 12, 3, tzinfo=UTC))
    node = doc["dcat:dataset"][0]
    assert node["dct:accessRights"]["@id"] == EU + "access-right/RESTRICTED"
    assert all("dcat:downloadURL" not in d for d in node["dcat:distribution"])
    score = mqa_score(meta, cfg, url_answers=lambda url: True)
    assert [d["indicator"] for d in score.details if d["points"] < d["max"]] == [
        "downloadURL present", "downloadURL answers", "format", "mediaType", "format from vocabulary",
        "non-proprietary", "machine-readable", "byteSize",
    ]  # fmt: skip


def test_the_catalogue_uses_the_eu_vocabularies(cfg):
    doc = json.loads(json.dumps(dcat_catalog([_meta()], cfg, datetime(2026, 12, 3, tzinfo=UTC)), ensure_ascii=False))
    node = doc["dcat:dataset"][0]
    assert doc["@type"] == "dcat:Catalog" and node["@type"] == "dcat:Dataset"
    assert node["dcat:theme"] == [{"@id": EU + "data-theme/HEAL"}]
    assert node["dct:accrualPeriodicity"]["@id"] == EU + "frequency/MONTHLY"
    assert node["dct:accessRights"]["@id"] == EU + "access-right/PUBLIC"
    assert node["dct:source"] == [{"@type": "dcat:Dataset", "dct:identifier": "440300-W01-000001"}]
    assert node["dct:temporal"]["dcat:startDate"]["@value"] == "2025-01-01"
    csv_dist = node["dcat:distribution"][0]
    assert csv_dist["dct:format"]["@id"] == EU + "file-type/CSV"
    assert csv_dist["dcat:mediaType"]["@id"] == "https://www.iana.org/assignments/media-types/text/csv"
    assert csv_dist["dcat:byteSize"] == {"@value": "1234", "@type": "xsd:nonNegativeInteger"}
    assert csv_dist["dct:license"]["@id"] == cfg.licence.url
    assert node["dcat:contactPoint"]["vcard:hasEmail"]["@id"] == f"mailto:{cfg.publisher.email}"


BAND_EDGES = [(405, "Excellent"), (351, "Excellent"), (350, "Good"), (221, "Good"),
              (220, "Sufficient"), (121, "Sufficient"), (120, "Bad"), (0, "Bad")]  # fmt: skip


@pytest.mark.parametrize(("points", "name"), BAND_EDGES)
def test_bands(points, name):
    assert band(points) == name
