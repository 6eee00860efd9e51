"""Offline Chinese personal-name detection: surname table, place and word exclusions, header context.

No spaCy model can be downloaded, so names are recognised from their shape: a known surname followed
by one to three given-name characters. Without a header that says "name", a value must also not be a
place (stdnum's division table), an organisation (suffix) or a dictionary word that jieba tags as
something other than a person (nr); jieba's dictionary is read only for such columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from govdata.classify.places import gazetteer

_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_MINORITY = re.compile(r"^[\u3400-\u9fff]{1,8}[·•.．][\u3400-\u9fff]{1,10}(?:[·•.．][\u3400-\u9fff]{1,10})?$")

#: Last characters that make a value an organisation, place, role or thing rather than a person.
ORG_SUFFIXES = frozenset(
    "局委会办厅处科室部院所站队馆组司行店厂社校区县市省州镇乡村路街道号楼族场库网台团企业业品类证费税金款型级长员师生"
)
#: Words that end values which are not names even though they start with a surname (先生 is kept apart).
NOT_NAME_ENDINGS = ("公司", "中心", "集团", "银行", "医院", "学校", "大学", "小学", "中学", "协会", "委员会", "办公室")

#: Code values that start with a surname character but name a relation or a household, never a person:
#: 与户主关系 (GB/T 4761 家庭关系代码) and 户类型 columns hold nothing else, hundreds of times over.
NOT_NAME_WORDS = frozenset(
    """
    户主 本人 配偶 丈夫 妻子 儿子 女儿 子女 长子 次子 长女 次女 独生子 独生女 养子 养女 继子 继女 女婿 儿媳
    父母 父亲 母亲 公公 婆婆 岳父 岳母 继父 继母 养父 养母 祖父 祖母 外祖父 外祖母 祖父母 孙子 孙女
    外孙 外孙子 外孙女 孙媳妇 孙女婿 曾孙 曾孙子 曾孙女 兄弟 姐妹 兄弟姐妹 哥哥 姐姐 弟弟 妹妹 嫂子 弟媳
    姐夫 妹夫 伯父 伯母 叔父 叔叔 婶母 舅父 舅舅 舅母 姨父 姨母 姑父 姑母 侄子 侄女 外甥 外甥女 堂兄弟
    堂姐妹 表兄弟 表姐妹 其他亲属 非亲属 监护人 家庭户 集体户 户籍人口 流动人口
    """.split()
)

#: Characters that, after a surname and one given-name character, begin the next word in running text.
_STOP_AFTER_NAME = frozenset("的了在于和与及是为等来去说称电话手机身份证号住址地先女同反投申咨已未男将把被向从到给对")


@dataclass(frozen=True)
class Surnames:
    """Single-character and compound surnames."""

    single: frozenset[str]
    compound: frozenset[str]

    def split(self, text: str) -> tuple[str, str] | None:
        """(surname, given name) when the text starts with a known surname, compound first."""
        if text[:2] in self.compound:
            return text[:2], text[2:]
        if text[:1] in self.single:
            return text[:1], text[1:]
        return None


@lru_cache(maxsize=8)
def load_surnames(extra: tuple[str, ...] = ()) -> Surnames:
    """The built-in surname table plus extras from config/recognizers.yaml."""
    text = resources.files("govdata.classify").joinpath("data/surnames.txt").read_text(encoding="utf-8")
    single: set[str] = set()
    compound: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        # compound surnames stand one per line; single ones are run together on long lines
        if len(line) == 2:
            compound.add(line)
        else:
            single.update(line)
    for item in extra:
        (compound if len(item) == 2 else single).add(item)
    return Surnames(frozenset(single), frozenset(compound))


@lru_cache(maxsize=1)
def dictionary_tags() -> dict[str, str]:
    """Part-of-speech tag of every 2–4 character word in jieba's dictionary (read directly: 0.4 s, not 3 s)."""
    path = resources.files("jieba").joinpath("dict.txt")
    tags: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            word, _, rest = line.partition(" ")
            if 2 <= len(word) <= 4:
                tags[word] = rest.rpartition(" ")[2].rstrip()
    return tags


def _strip(value: str) -> str:
    return value.strip().replace(" ", "").replace("\u3000", "")


def is_name_with_header(value: str, not_names: frozenset[str] = frozenset()) -> bool:
    """A value in a column whose header says it holds names: any short Han string that is not an org or place."""
    text = _strip(value)
    if not text or text in not_names or text in NOT_NAME_WORDS:
        return False
    if _MINORITY.match(text):
        return len(text) <= 20
    if not _HAN.match(text) or not 2 <= len(text) <= 6:
        return False
    if text.endswith(NOT_NAME_ENDINGS) or text in gazetteer().full_names:
        return False
    return not (len(text) >= 3 and text[-1] in ORG_SUFFIXES)


def is_name_shape(value: str, surnames: Surnames, not_names: frozenset[str] = frozenset()) -> bool:
    """Surname + 1–3 given-name characters, not ending like an organisation, not in the not-names list.

    This is the cheap test; :func:`is_name_without_header` adds the place and dictionary exclusions.
    """
    text = _strip(value)
    if not 2 <= len(text) <= 4 or text in not_names or text in NOT_NAME_WORDS or not _HAN.match(text):
        return False
    parts = surnames.split(text)
    if parts is None:
        return False
    surname, given = parts
    if not 1 <= len(given) <= (2 if len(surname) == 2 else 3):
        return False
    if len(text) == 4 and len(surname) == 1:
        # four characters with a one-character surname is rare (double-barrelled 欧阳 is compound);
        # accept only two surnames joined (陈李明华 is not a name, 张王淑芬 style is)
        if text[1] not in surnames.single:
            return False
    return text[-1] not in ORG_SUFFIXES or len(text) == 2


def is_name_without_header(value: str, surnames: Surnames, not_names: frozenset[str] = frozenset()) -> bool:
    """A name-shaped value that is also not a place name and not a non-person dictionary word."""
    if not is_name_shape(value, surnames, not_names):
        return False
    text = _strip(value)
    if gazetteer().is_place(text):
        return False
    tag = dictionary_tags().get(text)
    return tag is None or tag.startswith("nr")


#: Words that follow a subject at the start of a clause (冯燕已签字, 王强于3月提交): a name there needs no cue word.
SUBJECT_MARKERS = "已于在将未因曾还也都称说等向把被对与和的"


def subject_name_pattern(surnames: Surnames) -> re.Pattern[str]:
    """A surname-led word of 2–4 characters at the start of a clause, followed by a subject marker."""
    singles = "".join(sorted(surnames.single))
    compounds = "|".join(sorted(surnames.compound))
    return re.compile(
        rf"(?:^|(?<=[，。；！？,;!?\s]))(?:{compounds}|[{singles}])[\u4e00-\u9fff]{{1,2}}(?=[{SUBJECT_MARKERS}])"
    )


#: characters that never start a name (words after a role word: 联系人电话, 家属已…); 来, 于 are surnames
_NOT_A_SURNAME = frozenset("的了在是为等说称电话手机身份证号住址地已未将把被向从到给对和与及先女男同反投申咨去无")
#: 2–3 Han characters standing alone between a role word and a delimiter (房东宾国轩，…; 家属X（…）)
_DELIMITED_NAME = re.compile(r"[\u3400-\u9fff]{2,3}(?=[，,。；;、（()）：:\s]|$)")
#: … or between a role word and what that person did (家属赫然陪同, 联系人由敏来电)
_NAME_BEFORE_ACT = re.compile(
    r"[\u3400-\u9fff]{2,3}?(?=陪同|来电|来访|反映|投诉|咨询|签字|签收|代办|代领|代为|核实|确认|到场|领取|已|于|称|表示)"
)


def delimited_name(text: str, not_names: frozenset[str] = frozenset()) -> str | None:
    """A name after a context word whose surname is not in the table: a 2–3 character token closed off.

    The surname table cannot hold every surname (宾, 禤, 赫, 由 …). After a role word (房东, 家属, 联系人) a short
    token is a name when it stands alone up to a comma or a bracket — unless it is a place, a listed non-name or
    a dictionary word other than a person's name (陪同, 本人) — or when what follows is that person's act
    (陪同, 来电, 签字 …): there even a name that is also a word (赫然) is taken, the role word and the act on
    either side leave no room for anything else.
    """
    act = _NAME_BEFORE_ACT.match(text)
    match = act or _DELIMITED_NAME.match(text)
    if match is None:
        return None
    token = match.group()
    if token in not_names or token[0] in _NOT_A_SURNAME or gazetteer().is_place(token):
        return None
    if act:
        return token
    tag = dictionary_tags().get(token)
    return token if tag is None or tag.startswith("nr") else None


def trim_name(text: str, surnames: Surnames) -> str | None:
    """The name at the start of running text (张三电话… → 张三), or None when it does not start with one."""
    parts = surnames.split(text)
    if parts is None:
        return None
    surname, rest = parts
    given = ""
    for ch in rest[:2]:
        if not ("\u3400" <= ch <= "\u9fff") or (given and ch in _STOP_AFTER_NAME):
            break
        given += ch
    if not given or given[0] in _STOP_AFTER_NAME:
        return None
    return surname + given
