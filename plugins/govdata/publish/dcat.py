"""The open-data catalogue as DCAT-AP 3 JSON-LD (``published/catalog.jsonld``), for the portal and harvesters.

Pure apart from ``write_dcat``: the document is built from the served datasets' ``DatasetMeta``. Controlled
values use the EU vocabularies MQA recognises (data themes, frequencies, file types, access rights, the
licence URI of config/open_data.yaml) and IANA media types.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from govdata import config
from govdata.publish.model import DatasetMeta

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
}
#: 更新周期 → EU frequency vocabulary
FREQUENCY = {
    "实时": "UPDATE_CONT", "每日": "DAILY", "每周": "WEEKLY", "每月": "MONTHLY", "每季度": "QUARTERLY",
    "每半年": "ANNUAL_2", "每年": "ANNUAL", "不定期": "IRREG",
}  # fmt: skip
#: 开放属性 → EU access-right vocabulary
ACCESS_RIGHTS = {"无条件开放": "PUBLIC", "有条件开放": "RESTRICTED", "不予开放": "NON_PUBLIC"}
#: formats the MQA counts as non-proprietary and machine-readable
OPEN_FORMATS = {"CSV", "JSON", "PARQUET"}


def _ref(uri: str) -> dict[str, str]:
    return {"@id": uri}


def _literal(value: datetime | date) -> dict[str, str]:
    kind = "xsd:dateTime" if isinstance(value, datetime) else "xsd:date"
    return {"@value": value.isoformat(), "@type": kind}


def _zh(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "zh"}


def dataset_uri(meta: DatasetMeta, cfg: config.OpenDataConfig) -> str:
    """The dataset's URI: its page on the portal."""
    return f"{cfg.publisher.homepage.rstrip('/')}/dataset/{meta.dataset_id}"


def theme_uri(code: str) -> str:
    """An EU data-theme URI (HEAL → …/data-theme/HEAL)."""
    return f"{EU}data-theme/{code}"


def _publisher(cfg: config.OpenDataConfig) -> dict[str, Any]:
    return {"@type": "foaf:Agent", "foaf:name": _zh(cfg.publisher.name), "foaf:homepage": _ref(cfg.publisher.homepage)}


def _distributions(meta: DatasetMeta, cfg: config.OpenDataConfig) -> list[dict[str, Any]]:
    licence = _ref(cfg.licence.url)
    if not meta.distributions:  # 有条件开放: served as database views to approved applicants only
        return [{
            "@type": "dcat:Distribution",
            "dct:title": _zh(f"{meta.title}（有条件开放，经申请授权访问）"),
            "dcat:accessURL": _ref(dataset_uri(meta, cfg)),
            "dct:license": licence,
            "dct:rights": _zh("有条件开放：须经审批，按授权的场景和期限使用"),
        }]  # fmt: skip
    return [
        {
            "@type": "dcat:Distribution",
            "@id": d.download_url,
            "dct:title": _zh(f"{meta.title}（{d.format}）"),
            "dcat:accessURL": _ref(d.download_url),
            "dcat:downloadURL": _ref(d.download_url),
            "dct:format": _ref(f"{EU}file-type/{d.format}"),
            "dcat:mediaType": _ref(IANA + d.media_type),
            "dcat:byteSize": {"@value": str(d.byte_size), "@type": "xsd:nonNegativeInteger"},
            "spdx:checksum": {
                "@type": "spdx:Checksum",
                "spdx:algorithm": _ref("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"),
                "spdx:checksumValue": d.sha256,
            },
            "dct:license": licence,
            "dct:rights": _zh(f"{cfg.licence.title}；使用时请注明来源：{cfg.publisher.name}"),
        }
        for d in meta.distributions
    ]


def dataset_node(meta: DatasetMeta, cfg: config.OpenDataConfig) -> dict[str, Any]:
    """One dcat:Dataset."""
    node: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "@id": dataset_uri(meta, cfg),
        "dct:identifier": meta.dataset_id,
        "dct:title": _zh(meta.title),
        "dct:description": _zh(meta.description),
        "dcat:keyword": [_zh(k) for k in meta.keywords],
        "dcat:theme": [_ref(theme_uri(meta.theme))] if meta.theme else [],
        "dct:publisher": _publisher(cfg),
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": _zh(cfg.publisher.name),
            "vcard:hasEmail": _ref(f"mailto:{cfg.publisher.email}"),
        },
        "dct:spatial": _ref(cfg.spatial.uri),
        "dct:accessRights": _ref(f"{EU}access-right/{ACCESS_RIGHTS.get(meta.open_attribute, 'NON_PUBLIC')}"),
        "dct:accrualPeriodicity": _ref(f"{EU}frequency/{FREQUENCY.get(meta.update_cycle, 'IRREG')}"),
        "dct:language": _ref(f"{EU}language/ZHO"),
        "dct:source": [{"@type": "dcat:Dataset", "dct:identifier": code} for code in meta.source_resource_codes],
        "owl:versionInfo": str(meta.version) if meta.version is not None else None,
        "dcat:distribution": _distributions(meta, cfg),
    }
    if meta.issued:
        node["dct:issued"] = _literal(meta.issued)
    if meta.modified:
        node["dct:modified"] = _literal(meta.modified)
    if meta.temporal_start or meta.temporal_end:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if meta.temporal_start:
            period["dcat:startDate"] = _literal(meta.temporal_start)
        if meta.temporal_end:
            period["dcat:endDate"] = _literal(meta.temporal_end)
        node["dct:temporal"] = period
    return {k: v for k, v in node.items() if v is not None}


def dcat_catalog(metas: list[DatasetMeta], cfg: config.OpenDataConfig, issued: datetime) -> dict[str, Any]:
    """The whole catalogue: a dcat:Catalog of every served dataset."""
    return {
        "@context": {**CONTEXT, "owl": "http://www.w3.org/2002/07/owl#"},
        "@id": f"{cfg.publisher.homepage.rstrip('/')}/catalog",
        "@type": "dcat:Catalog",
        "dct:title": _zh(f"{cfg.publisher.name}公共数据开放目录"),
        "dct:description": _zh("经脱敏和泄露检查后发布的开放数据集（无条件开放、有条件开放）"),
        "dct:publisher": _publisher(cfg),
        "foaf:homepage": _ref(cfg.publisher.homepage),
        "dct:language": _ref(f"{EU}language/ZHO"),
        "dct:license": _ref(cfg.licence.url),
        "dct:spatial": _ref(cfg.spatial.uri),
        "dct:modified": _literal(issued),
        "dcat:dataset": [dataset_node(m, cfg) for m in metas],
    }


def write_dcat(path: Path, doc: dict[str, Any]) -> None:
    """Write the JSON-LD file atomically (a reader sees the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
