"""Gazetteer of mainland-China administrative divisions, read from the table python-stdnum ships (offline)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_LINE = re.compile(r'^(\s*)(\d+) (?:province|county)="([^"]*)"')
_HISTORY = re.compile(r"\[[^\]]*\]")

# Longest first, so 自治县 is stripped before 县.
_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "特別行政區",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "新区",
    "矿区",
    "省",
    "市",
    "州",
    "盟",
    "区",
    "县",
    "旗",
)
_PLACEHOLDERS = {"市辖区", "县", "市区", "郊区", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Gazetteer:
    """Names of provinces, prefectures and counties, in full (广州市) and short (广州) form."""

    provinces: frozenset[str]
    prefectures: frozenset[str]
    counties: frozenset[str]
    short_names: frozenset[str]
    full_names: frozenset[str]  # every division's name with its suffix

    def is_place(self, text: str) -> bool:
        """Whether a value is a bare place name (朝阳区, 朝阳, 广东省, 广东)."""
        return text in self.full_names or text in self.short_names


def short_form(name: str) -> str:
    """广州市 → 广州, 延边朝鲜族自治州 → 延边朝鲜族 → 延边, 内蒙古自治区 → 内蒙古."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            name = name[: -len(suffix)]
            break
    # ethnic qualifiers of autonomous divisions (延边朝鲜族, 恩施土家族苗族)
    match = re.match(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,4}族)+$", name)
    return match.group(1) if match else name


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Parse stdnum's cn/loc.dat (all periods: a division abolished in 2010 still appears in addresses)."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    provinces: set[str] = set()
    prefectures: set[str] = set()
    counties: set[str] = set()
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        indent, code, raw = match.groups()
        names = [_HISTORY.sub("", part).strip() for part in raw.split(",")]
        names = [n for n in names if n and n not in _PLACEHOLDERS]
        if not indent:
            provinces.update(names)
        elif code.endswith("00"):
            (provinces if code == "0000" else prefectures).update(names)
        else:
            counties.update(names)
    provinces |= {"香港特别行政区", "澳门特别行政区"}
    short = {short_form(n) for n in provinces | prefectures | counties}
    short |= {"内蒙古", "广西", "宁夏", "新疆", "西藏", "香港", "澳门"}
    short = {s for s in short if len(s) >= 2}
    return Gazetteer(
        frozenset(provinces),
        frozenset(prefectures),
        frozenset(counties),
        frozenset(short),
        frozenset(provinces | prefectures | counties),
    )
