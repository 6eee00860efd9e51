"""Chinese address detection by administrative-division parsing: province → city → district → street → number.

Known division names come from stdnum's table (offline); the lower levels (街道/镇, 路/街/巷/村, 号/栋/室)
are recognised by their suffixes. A value is an address when its components cover most of it and reach
street level; a bare district name, a department (广州市天河区民政局) or a company name does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from govdata.classify.places import Gazetteer, gazetteer, short_form

_HAN = r"\u3400-\u9fff"

# Generic (suffix-based) components; each is tried with .match at a position, the shortest wins.
_GENERIC = (
    ("province", re.compile(rf"[{_HAN}]{{2,3}}?(?:省|自治区)")),
    ("prefecture", re.compile(rf"[{_HAN}]{{1,4}}?(?:自治州|地区|盟|市)")),
    ("township", re.compile(rf"[{_HAN}0-9]{{2,6}}?(?:街道办事处|街道|镇|乡|苏木|开发区|工业园区|工业园|高新区)")),
    ("district", re.compile(rf"[{_HAN}]{{1,4}}?(?:自治县|自治旗|新区|区|县|旗)")),
    (
        "road",
        re.compile(
            rf"[{_HAN}0-9A-Za-z]{{1,10}}?(?:大道|大街|路|街(?!道)|巷|弄|胡同|里|村|社区|小区|花园|公寓|大厦|广场|新村|家园|"
            rf"苑|园|庄|屯|湾|坊)(?:[东南西北中]段|[东南西北](?![{_HAN}]))?"
        ),
    ),
    (
        "number",
        re.compile(
            r"(?:[0-9A-Za-z#]{1,6}(?:-[0-9A-Za-z]{1,6}){0,3}|[一二三四五六七八九十]{1,3})"
            r"(?:号楼|号院|号|弄|栋|幢|座|单元|室|楼|层|户|组|队)"
        ),
    ),
    ("number", re.compile(r"[0-9]{1,5}-[0-9]{1,5}(?:-[0-9]{1,5})?(?![0-9])")),
)
_ROAD = next(p for level, p in _GENERIC if level == "road")
_ADMIN = frozenset({"province", "prefecture", "district", "township"})
_STREET = frozenset({"road", "number"})
_POSTCODE = re.compile(r"[\s,，]*(?:邮编[:：]?\s*)?\d{6}\s*$")

#: Endings of organisation, office and facility names that contain a place but are not an address.
NOT_ADDRESS_ENDINGS = (
    "公司",
    "局",
    "委员会",
    "委",
    "办",
    "厅",
    "处",
    "科",
    "所",
    "院",
    "中心",
    "银行",
    "支行",
    "分行",
    "学校",
    "大学",
    "中学",
    "小学",
    "幼儿园",
    "医院",
    "协会",
    "站",
    "线",
    "队",
    "部",
    "店",
    "厂",
    "集团",
    "法院",
    "检察院",
    "政府",
)


@dataclass(frozen=True)
class Component:
    """One parsed part of an address."""

    level: str
    text: str
    start: int
    end: int
    known: bool = False


@dataclass(frozen=True)
class AddressParse:
    """Components found in a value and whether they make an address."""

    components: tuple[Component, ...]
    coverage: float
    is_address: bool

    @property
    def levels(self) -> list[str]:
        """Distinct levels in order of appearance."""
        return list(dict.fromkeys(c.level for c in self.components))


@lru_cache(maxsize=1)
def _known_names() -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """Division name → level (short forms of provinces and prefectures too: 广东, 深圳), and name lengths.

    The lengths are those of the names starting with each character, longest first: a lookup tries only those.
    """
    gaz: Gazetteer = gazetteer()
    names: dict[str, str] = {}
    for name in gaz.counties:
        names[name] = "district"
    for name in gaz.prefectures:
        names[name] = "prefecture"
        short = short_form(name)
        if len(short) >= 2:
            names.setdefault(short, "prefecture")
    for name in gaz.provinces:
        names[name] = "province"
        short = short_form(name)
        if len(short) >= 2:
            names.setdefault(short, "province")
    lengths: dict[str, set[int]] = {}
    for name in names:
        if len(name) >= 2:
            lengths.setdefault(name[0], set()).add(len(name))
    return names, {first: tuple(sorted(sizes, reverse=True)) for first, sizes in lengths.items()}


def _known_at(text: str, pos: int) -> Component | None:
    names, lengths = _known_names()
    room = len(text) - pos
    for size in lengths.get(text[pos], ()) if room > 1 else ():
        if size <= room:
            piece = text[pos : pos + size]
            level = names.get(piece)
            if level is not None:
                return Component(level, piece, pos, pos + size, known=True)
    return None


def _generic_at(text: str, pos: int) -> Component | None:
    best: Component | None = None
    for level, pattern in _GENERIC:
        match = pattern.match(text, pos)
        if match and (best is None or match.end() < best.end):
            best = Component(level, match.group(), pos, match.end())
    return best


def scan_components(text: str) -> list[Component]:
    """Address components of a text, left to right, known division names before suffix patterns."""
    return list(iter_components(text))


def iter_components(text: str) -> Iterator[Component]:
    """``scan_components`` one at a time: a caller that needs only the leading divisions stops early."""
    pos = 0
    length = len(text)
    while pos < length:
        if not ("\u3400" <= text[pos] <= "\u9fff" or text[pos].isalnum() or text[pos] == "#"):
            pos += 1
            continue
        found = _known_at(text, pos)
        if found is not None and found.text not in gazetteer().full_names:
            # a short division name right before a road suffix names the road (上海路, 南京东路, 深圳街)
            road = _ROAD.match(text, pos)
            if road and road.end() - found.end <= 3:
                found = Component("road", road.group(), pos, road.end())
        if found is None:
            found = _generic_at(text, pos)
            # a generic match swallowing a known name that starts later ("家住广州市") starts too early
            if found is not None and any(_known_at(text, p) for p in range(pos + 1, found.end - 1)):
                found = None
        if found is None:
            pos += 1
            continue
        yield found
        pos = found.end


_BUILDING = re.compile(r"(?:栋|幢|单元|室|号楼)$")


def _qualifies(components: list[Component] | tuple[Component, ...]) -> bool:
    # building, unit and room together (3栋2单元501室) are an address even under an estate name we cannot parse
    if sum(1 for c in components if c.level == "number" and _BUILDING.search(c.text)) >= 2:
        return True
    levels = {c.level for c in components}
    if not levels & _STREET or len(levels) < 2:
        return False
    has_admin = bool(levels & _ADMIN)
    return has_admin or {"road", "number"} <= levels


_STREET_HINT = re.compile(r"[路街巷弄道村号栋幢座室楼组苑园庄屯里湾坊]")
_SENTENCE_PUNCT = re.compile(r"[，。；！？;!?、]")


@lru_cache(maxsize=65536)
def parse_address(value: str) -> AddressParse:
    """Parse one value as a whole address (cached: sampled columns repeat values)."""
    text = _POSTCODE.sub("", value.strip())
    if not _STREET_HINT.search(text) or _SENTENCE_PUNCT.search(text):
        return AddressParse((), 0.0, False)
    compact_length = sum(1 for ch in text if not ch.isspace() and ch not in ",，()（）")
    if not 4 <= compact_length <= 80:
        return AddressParse((), 0.0, False)
    components = scan_components(text)
    covered = sum(c.end - c.start for c in components)
    coverage = covered / compact_length if compact_length else 0.0
    is_address = _qualifies(components) and coverage >= 0.6 and not text.rstrip().endswith(NOT_ADDRESS_ENDINGS)
    return AddressParse(tuple(components), coverage, is_address)


def is_address(value: str) -> bool:
    """Whether a value is a street-level Chinese address."""
    return parse_address(value).is_address


def find_addresses(text: str) -> list[tuple[int, int]]:
    """Spans of addresses inside running text: chains of adjacent components that reach street level."""
    spans: list[tuple[int, int]] = []
    chain: list[Component] = []
    for comp in [*scan_components(text), None]:
        if comp is not None and (not chain or comp.start - chain[-1].end <= 1):
            chain.append(comp)
            continue
        if chain and _qualifies(chain):
            spans.append((chain[0].start, chain[-1].end))
        chain = [comp] if comp is not None else []
    return spans
