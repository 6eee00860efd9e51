"""Seeded pools of people (in households) and companies that every demo department draws from."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from itertools import accumulate

from faker.providers.company.zh_CN import Provider as CompanyProvider
from faker.providers.person.zh_CN import Provider as PersonProvider

from govdata.demo import identifiers as ids
from govdata.demo.seeded import SeededRandom

#: Birth dates and ages are fixed against this year, not against as_of, so that only timestamps
#: move when the demo is rebuilt on another day.
REFERENCE_YEAR = 2026

# Faker's weighted surname table: single characters (children inherit ``name[0]``) that GBK can encode
_SURNAMES = [s for s in PersonProvider.last_names if len(s) == 1 and s.encode("gbk", "replace").decode("gbk") == s]
_SURNAME_CUM = list(accumulate(PersonProvider.last_names[s] for s in _SURNAMES))
_MALE_CHARS = (
    "伟强磊洋勇军杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林欢阳"
    "建亮成峰博文志国海东晨睿泽轩然宏振嘉瑞家天佳翔永春德炜铭豪锦毅"
)
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀婷玲燕红洁琳雪慧颖倩晶梅莉兰萍琴云英欣怡佳雨涵梓诗思婉月悦璐瑶蕾嘉宁彤妍馨琪雯"
#: A character swapped for a homophone: the classic way one name ends up spelt two ways.
HOMOPHONES = dict(
    zip(
        "伟玲华明杰丽军平婷芳敏强涛磊静娜红燕洁琳雪慧颖晶梅兰萍云英欣",
        "玮琳桦铭洁莉君萍亭方民蔷滔垒婧纳宏艳杰林雯惠莹菁玫岚苹芸瑛昕",
        strict=True,
    )
)

DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "罗湖区": ("440303", ("桂园", "黄贝", "东门", "翠竹", "东晓", "南湖", "笋岗", "东湖", "莲塘", "清水河")),
    "福田区": ("440304", ("园岭", "南园", "福田", "沙头", "香蜜湖", "梅林", "莲花", "华富", "福保", "华强北")),
    "南山区": ("440305", ("南头", "南山", "沙河", "蛇口", "招商", "粤海", "桃源", "西丽")),
    "宝安区": ("440306", ("新安", "西乡", "航城", "福永", "福海", "沙井", "新桥", "松岗", "燕罗", "石岩")),
    "龙岗区": ("440307", ("平湖", "坂田", "布吉", "吉华", "南湾", "横岗", "园山", "龙城", "龙岗", "宝龙", "坪地")),
    "盐田区": ("440308", ("沙头角", "海山", "盐田", "梅沙")),
    "龙华区": ("440309", ("观澜", "大浪", "龙华", "民治", "福城", "观湖")),
    "坪山区": ("440310", ("坪山", "坑梓", "马峦", "碧岭", "石井", "龙田")),
    "光明区": ("440311", ("光明", "公明", "新湖", "凤凰", "玉塘", "马田")),
}
_DISTRICT_NAMES = list(DISTRICTS)
_DISTRICT_CUM = list(accumulate((8, 10, 12, 16, 16, 2, 12, 3, 4)))
_ROADS = (
    "深南大道", "滨海大道", "北环大道", "南海大道", "科技南路", "高新南一道", "沙河西路", "留仙大道", "前海路",
    "创业路", "宝安大道", "新湖路", "龙岗大道", "布吉路", "民治大道", "梅林路", "华强北路", "红岭中路", "东门中路",
    "建设路", "桂园路", "人民南路", "香梅路", "福华路", "金田路", "益田路", "彩田路", "皇岗路", "新洲路", "工业大道",
    "松白路", "观澜大道", "坪山大道", "光明大道", "盐田路", "沙头角路", "翠竹路", "爱国路", "龙华大道", "中心路",
)  # fmt: skip
_ESTATE_WORDS = (
    "海岸", "阳光", "翠湖", "锦绣", "金地", "碧海", "星河", "华润", "中海", "半岛", "东海", "天安", "百花", "荔园",
    "桃源", "景田", "丽水", "鸿翔", "绿景", "龙城", "万象", "宝安", "君悦", "海怡", "桂花", "招商", "金域", "雅园",
)  # fmt: skip
_ESTATE_SUFFIXES = ("花园", "苑", "小区", "公寓", "家园", "雅居", "新村", "华府", "名城")
_TOWN_WORDS = ("石桥", "新塘", "白沙", "大坪", "长岭", "河口", "黄田", "马坑", "高峰", "清水", "东山", "柳林")

_TRADE_CHARS = (
    "华创信达新盛恒泰鑫源博联通宏德金宇科智云众海天星汇隆兴瑞安康嘉佳乐美优品中弘裕富利和凯祥辉光明正远航腾飞翔润泽"
)
# Faker's 字号 that read as a bare trade name (no 公司, no Latin letters)
_FAKER_TRADE_NAMES = [
    p
    for p in CompanyProvider.company_prefixes
    if 2 <= len(p) <= 4 and "公司" not in p and all("\u4e00" <= c <= "\u9fff" for c in p)
]
INDUSTRIES = (
    "科技", "信息技术", "电子", "贸易", "实业", "投资", "餐饮管理", "建筑工程", "装饰工程", "文化传播", "教育咨询",
    "医疗器械", "生物科技", "新能源", "智能科技", "网络科技", "物流", "运输", "汽车服务", "出行服务", "供应链管理",
)  # fmt: skip
TRANSPORT_INDUSTRIES = frozenset({"物流", "运输", "汽车服务", "出行服务", "供应链管理"})
_COMPANY_KINDS = (
    ("有限责任公司(自然人投资或控股)", "有限公司", 70),
    ("有限责任公司(法人独资)", "有限公司", 12),
    ("股份有限公司(非上市、自然人投资或控股)", "股份有限公司", 6),
    ("有限责任公司(台港澳法人独资)", "有限公司", 4),
    ("个人独资企业", "", 4),
    ("有限合伙企业", "(有限合伙)", 4),
)
_KIND_CUM = list(accumulate(k[2] for k in _COMPANY_KINDS))


def person_name(rng: random.Random, female: bool, surname: str | None = None) -> str:
    """A Chinese name: a weighted surname and a one- or two-character given name."""
    if surname is None:
        surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
    chars = _FEMALE_CHARS if female else _MALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def misspelt_name(rng: random.Random, name: str) -> str:
    """The same name with one character replaced by a homophone (or another character)."""
    for pos in range(len(name) - 1, 0, -1):
        if name[pos] in HOMOPHONES:
            return name[:pos] + HOMOPHONES[name[pos]] + name[pos + 1 :]
    swap = rng.choice([c for c in _MALE_CHARS + _FEMALE_CHARS if c != name[-1]])
    return name[:-1] + swap


def altered_address(rng: random.Random, address: str) -> str:
    """The same address with its last number changed (an old flat, or a typo in the room number)."""
    match = list(re.finditer(r"\d+", address))[-1]
    old = int(match.group())
    new = old + rng.choice((-1, 1)) * rng.randrange(1, 9) if old > 10 else old + rng.randrange(1, 9)
    return address[: match.start()] + str(new) + address[match.end() :]


def other_name(rng: random.Random, name: str) -> str:
    """Someone else's name (a former legal representative, say): never equal to ``name``."""
    while True:
        other = person_name(rng, rng.random() < 0.4)
        if other != name:
            return other


def district(rng: random.Random) -> tuple[str, str]:
    """A district weighted by population, and one of its 街道."""
    name = rng.choices(_DISTRICT_NAMES, cum_weights=_DISTRICT_CUM)[0]
    return name, rng.choice(DISTRICTS[name][1])


def home_address(rng: random.Random, where: tuple[str, str] | None = None) -> str:
    """A flat in Shenzhen: 广东省深圳市南山区粤海街道科技南路18号海岸花园3栋1201."""
    dist, street = where or district(rng)
    estate = rng.choice(_ESTATE_WORDS) + rng.choice(_ESTATE_SUFFIXES)
    return (
        f"广东省深圳市{dist}{street}街道{rng.choice(_ROADS)}{rng.randrange(1, 400)}号"
        f"{estate}{rng.randrange(1, 30)}栋{rng.randrange(1, 33)}{rng.randrange(1, 9):02d}"
    )


def office_address(rng: random.Random) -> str:
    """An office in Shenzhen: ...深南大道9988号华润大厦23层2305."""
    dist, street = district(rng)
    floor = rng.randrange(1, 60)
    return (
        f"广东省深圳市{dist}{street}街道{rng.choice(_ROADS)}{rng.randrange(1, 10000)}号"
        f"{rng.choice(_ESTATE_WORDS)}大厦{floor}层{floor}{rng.randrange(1, 20):02d}"
    )


def hometown_address(rng: random.Random, region: str) -> str:
    """A rural registered address in the county of a region code: 湖南省长沙市...石桥镇新塘村45号."""
    return f"{ids.region_name(region)}{rng.choice(_TOWN_WORDS)}镇{rng.choice(_TOWN_WORDS)}村{rng.randrange(1, 300)}号"


@dataclass(slots=True)
class Person:
    """One resident; ``hjdz`` is the registered address (the one 公安 holds), ``xzz`` where they live."""

    idx: int
    sfzh: str
    xm: str
    female: bool
    csrq: dt.date
    hjdz: str
    xzz: str
    mobile: str | None
    local: bool
    household: int
    relation: str

    @property
    def xb(self) -> str:
        """性别 as the demo systems store it."""
        return "女" if self.female else "男"

    def age(self, year: int = REFERENCE_YEAR) -> int:
        """Age reached in ``year``."""
        return year - self.csrq.year


@dataclass(slots=True)
class Household:
    """A 户: local ones are registered in Shenzhen, migrant ones elsewhere."""

    hh: str
    address: str
    district: str
    street: str
    local: bool
    members: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Company:
    """An enterprise registered with 市场监管 (the authoritative record of its name and legal rep)."""

    uscc: str
    name: str
    kind: str
    industry: str
    legal_rep: int
    founded: dt.date
    address: str
    capital: float
    phone: str
    email: str


@dataclass
class People:
    """The population pool with the indexes the departments sample from."""

    persons: list[Person]
    households: list[Household]

    def where(self, *, local: bool | None = None, min_age: int = 0, max_age: int = 200) -> list[int]:
        """Indices of people of an age range (in the reference year), optionally local or migrant only."""
        return [
            p.idx
            for p in self.persons
            if (local is None or p.local == local) and min_age <= REFERENCE_YEAR - p.csrq.year <= max_age
        ]


def _birth(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _region(rng: random.Random, year: int, local: bool, home: str | None) -> str:
    if home is not None and home in ids.regions_for_year(year, home.startswith("4403")):
        return home
    pool = ids.regions_for_year(year, local) or ids.regions_for_year(year, not local)
    return rng.choice(pool)


def build_people(seed: int, n_local: int, n_migrant: int) -> People:
    """Households of Shenzhen-registered people, then migrant households, until both counts are reached."""
    rng = SeededRandom(f"{seed}:people")
    persons: list[Person] = []
    households: list[Household] = []
    mobiles: set[str] = set()
    numbers: set[str] = set()

    def add(hh: Household, female: bool, year: int, relation: str, surname: str | None, home: str | None) -> Person:
        born_here = hh.local and rng.random() < (0.8 if relation in ("子", "女") else 0.45)
        region = _region(rng, year, born_here, None if born_here else home)
        birth = _birth(rng, year)
        number = ids.resident_id(rng, region, birth, female)
        while number in numbers:
            number = ids.resident_id(rng, region, birth, female)
        numbers.add(number)
        phone = None
        if REFERENCE_YEAR - year >= 14:
            phone = ids.mobile(rng)
            while phone in mobiles:
                phone = ids.mobile(rng)
            mobiles.add(phone)
        person = Person(
            idx=len(persons),
            sfzh=number,
            xm=person_name(rng, female, surname),
            female=female,
            csrq=birth,
            hjdz=hh.address,
            xzz=hh.address,
            mobile=phone,
            local=hh.local,
            household=len(households) - 1,
            relation=relation,
        )
        persons.append(person)
        hh.members.append(person.idx)
        return person

    for local, target in ((True, n_local), (False, n_local + n_migrant)):
        while len(persons) < target:
            dist, street = district(rng)
            home = None if local else rng.choice(ids.OTHER_REGIONS)
            seq = len(households) + 1
            hh = Household(
                hh=f"{DISTRICTS[dist][0]}{seq:07d}",
                address=hometown_address(rng, home) if home else home_address(rng, (dist, street)),
                district=dist,
                street=street,
                local=local,
            )
            households.append(hh)
            head_year = int(rng.triangular(1945, 2003, 1986))
            head_female = rng.random() < 0.35
            head = add(hh, head_female, head_year, "户主", None, home)
            father_surname = None if head_female else head.xm[0]
            mother_year = head_year if head_female else None
            if REFERENCE_YEAR - head_year >= 24 and rng.random() < 0.75:
                spouse_year = min(2002, head_year + rng.randint(-5, 5))
                spouse = add(hh, not head_female, spouse_year, "配偶", None, home)
                if head_female:
                    father_surname = spouse.xm[0]
                else:
                    mother_year = spouse_year
            base_year = mother_year or head_year
            for _ in range(rng.choices((0, 1, 2, 3), (20, 35, 35, 10))[0]):
                child_year = base_year + rng.randint(22, 38)
                if child_year > REFERENCE_YEAR - 1:
                    continue
                female = rng.random() < 0.48
                add(hh, female, child_year, "女" if female else "子", father_surname or head.xm[0], home)
            if rng.random() < 0.12 and head_year - 28 >= 1935:
                elder_female = rng.random() < 0.6
                add(hh, elder_female, head_year - rng.randint(24, 32), "母亲" if elder_female else "父亲", None, home)
    for hh in households:
        if not hh.local:
            # migrants keep their registered address back home and rent in the city
            rented = home_address(rng)
            for idx in hh.members:
                persons[idx].xzz = rented
    return People(persons=persons, households=households)


def company_name(rng: random.Random, industry: str, suffix: str, taken: set[str]) -> str:
    """A unique enterprise name: 深圳市 + 字号 + 行业 + 组织形式."""
    attempts = 0
    while True:
        if rng.random() < 0.2:
            trade = rng.choice(_FAKER_TRADE_NAMES)
        else:
            trade = rng.choice(_TRADE_CHARS) + rng.choice(_TRADE_CHARS)
        if attempts > 10:
            # two-character 字号 run out at large scales: real registers then see three-character ones
            trade += rng.choice(_TRADE_CHARS)
        name = f"深圳市{trade}{industry}{suffix}" if suffix else f"深圳市{trade}{industry}商行"
        if name not in taken:
            taken.add(name)
            return name
        attempts += 1


def renamed_company(rng: random.Random, name: str) -> str:
    """A former or abbreviated spelling of an enterprise name, as another department still holds it."""
    options = [
        name.replace("深圳市", "深圳", 1),
        name.replace("有限公司", "有限责任公司"),
        name.replace("科技", "信息技术", 1) if "科技" in name else name.replace("深圳市", "深圳市南山区", 1),
    ]
    return rng.choice([o for o in options if o != name])


def build_companies(seed: int, n: int, people: People) -> list[Company]:
    """Enterprises with unique names and valid USCCs; legal representatives are adults of the pool."""
    rng = SeededRandom(f"{seed}:companies")
    adults = people.where(min_age=25, max_age=70)
    names: set[str] = set()
    codes: set[str] = set()
    companies = []
    for _ in range(n):
        kind, suffix, _weight = rng.choices(_COMPANY_KINDS, cum_weights=_KIND_CUM)[0]
        industry = rng.choice(INDUSTRIES)
        code = ids.uscc(rng)
        while code in codes:
            code = ids.uscc(rng)
        codes.add(code)
        founded = dt.date(int(rng.triangular(1992, REFERENCE_YEAR, 2022)), 1, 1) + dt.timedelta(days=rng.randrange(365))
        companies.append(
            Company(
                uscc=code,
                name=company_name(rng, industry, suffix, names),
                kind=kind,
                industry=industry,
                legal_rep=rng.choice(adults),
                founded=min(founded, dt.date(REFERENCE_YEAR - 1, 12, 31)),
                address=office_address(rng),
                capital=float(rng.choice((10, 30, 50, 100, 200, 500, 1000, 3000, 5000))),
                phone=ids.landline(rng),
                email=ids.email(rng),
            )
        )
    return companies
