"""Metadata quality of an open dataset by the data.europa.eu MQA method (405 points), on its DCAT-AP record.

The score is computed on the record ``dcat.dataset_node`` writes into the catalogue file, not on what the
stage believes it wrote. Indicators of distributions count as MQA counts them: the share of distributions
that have the property, times its points. URLs are checked for an answer: file:// URLs by the file's
existence; http(s) URLs only with ``GOVDATA_MQA_CHECK_URLS=1`` (a HEAD request, 5 s), since the machines this
runs on may have no network — unchecked, they score 0 and the details say so.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from govdata import config
from govdata.publish.dcat import EU, OPEN_FORMATS, dataset_node
from govdata.publish.model import DatasetMeta

MAX_POINTS = 405
#: (lowest points, band), best first
BANDS = ((351, "Excellent"), (221, "Good"), (121, "Sufficient"), (0, "Bad"))


@dataclass
class MqaScore:
    """Points, band and each indicator's result."""

    points: int
    band: str
    details: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON for publish.dataset.mqa."""
        return {"points": self.points, "max": MAX_POINTS, "band": self.band, "details": self.details}

    def missing(self) -> list[str]:
        """The indicators that did not score fully, with their note: what to fix."""
        return [f"{d['indicator']} ({d['points']}/{d['max']}{', ' + d['note'] if d['note'] else ''})"
                for d in self.details if d["points"] < d["max"]]  # fmt: skip


def band(points: int) -> str:
    """The MQA band of a score."""
    return next(name for low, name in BANDS if points >= low)


def default_url_answers(url: str) -> bool | None:
    """Whether a URL answers: file:// by existence; http(s) by HEAD when enabled, else None (not checked)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).is_file()
    if parsed.scheme in ("http", "https") and os.environ.get("GOVDATA_MQA_CHECK_URLS") == "1":
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=5) as response:
                return bool(200 <= response.status < 400)
        except OSError:
            return False
    return None


def _id(node: Any) -> str | None:
    return node.get("@id") if isinstance(node, dict) else None


def mqa_score(
    meta: DatasetMeta,
    cfg: config.OpenDataConfig,
    url_answers: Callable[[str], bool | None] | None = None,
) -> MqaScore:
    """The MQA score of one dataset's DCAT-AP record."""
    answers = url_answers or default_url_answers
    node = dataset_node(meta, cfg)
    dists: list[dict[str, Any]] = node.get("dcat:distribution", [])
    details: list[dict[str, Any]] = []

    def add(dimension: str, indicator: str, maximum: int, share: float, note: str = "") -> None:
        details.append({"dimension": dimension, "indicator": indicator, "points": round(maximum * share),
                        "max": maximum, "ok": share >= 1, "note": note})  # fmt: skip

    def dist_share(test: Callable[[dict[str, Any]], bool]) -> float:
        return sum(1 for d in dists if test(d)) / len(dists) if dists else 0.0

    unchecked: set[str] = set()

    def answered(url: str | None) -> bool:
        if not url:
            return False
        result = answers(url)
        if result is None:
            unchecked.add(url)
        return bool(result)

    def formats(d: dict[str, Any]) -> str:
        return (_id(d.get("dct:format")) or "").rsplit("/", 1)[-1]

    add("Findability", "keyword", 30, 1.0 if node.get("dcat:keyword") else 0.0)
    add("Findability", "theme", 30, 1.0 if node.get("dcat:theme") else 0.0)
    add("Findability", "spatial", 20, 1.0 if node.get("dct:spatial") else 0.0)
    add("Findability", "temporal", 20, 1.0 if node.get("dct:temporal") else 0.0,
        "" if node.get("dct:temporal") else "no temporal coverage (dct:temporal)")  # fmt: skip

    access = dist_share(lambda d: answered(_id(d.get("dcat:accessURL"))))
    download_present = dist_share(lambda d: bool(d.get("dcat:downloadURL")))
    download = dist_share(lambda d: answered(_id(d.get("dcat:downloadURL"))))
    note = f"not checked (no network): {', '.join(sorted(unchecked))[:200]}" if unchecked else ""
    add("Accessibility", "accessURL answers", 50, access, note)
    add("Accessibility", "downloadURL present", 20, download_present,
        "" if download_present else "no file to download (有条件开放: database access only)")  # fmt: skip
    add("Accessibility", "downloadURL answers", 30, download, note)

    add("Interoperability", "format", 20, dist_share(lambda d: bool(d.get("dct:format"))))
    add("Interoperability", "mediaType", 10, dist_share(lambda d: bool(d.get("dcat:mediaType"))))
    add("Interoperability", "format from vocabulary", 10,
        dist_share(lambda d: (_id(d.get("dct:format")) or "").startswith(EU + "file-type/")))  # fmt: skip
    add("Interoperability", "non-proprietary", 20, dist_share(lambda d: formats(d) in OPEN_FORMATS))
    add("Interoperability", "machine-readable", 20, dist_share(lambda d: formats(d) in OPEN_FORMATS))
    compliant = bool(node.get("dct:title") and node.get("dct:description") and dists
                     and all(d.get("dcat:accessURL") for d in dists))  # fmt: skip
    add("Interoperability", "DCAT-AP compliant", 30, 1.0 if compliant else 0.0)

    licence = dist_share(lambda d: bool(d.get("dct:license")))
    add("Reusability", "license", 20, licence)
    add("Reusability", "license from vocabulary", 10,
        dist_share(lambda d: (_id(d.get("dct:license")) or "").startswith(EU + "licence/")),
        "" if cfg.licence.url.startswith(EU + "licence/") else "licence not from the EU vocabulary")  # fmt: skip
    rights = _id(node.get("dct:accessRights")) or ""
    add("Reusability", "accessRights", 10, 1.0 if rights else 0.0)
    add("Reusability", "accessRights from vocabulary", 5, 1.0 if rights.startswith(EU + "access-right/") else 0.0)
    add("Reusability", "contactPoint", 20, 1.0 if node.get("dcat:contactPoint") else 0.0)
    add("Reusability", "publisher", 10, 1.0 if node.get("dct:publisher") else 0.0)

    add("Contextuality", "rights", 5, dist_share(lambda d: bool(d.get("dct:rights"))))
    add("Contextuality", "byteSize", 5, dist_share(lambda d: bool(d.get("dcat:byteSize"))))
    add("Contextuality", "issued", 5, 1.0 if node.get("dct:issued") else 0.0)
    add("Contextuality", "modified", 5, 1.0 if node.get("dct:modified") else 0.0)

    points = sum(d["points"] for d in details)
    return MqaScore(points, band(points), details)
