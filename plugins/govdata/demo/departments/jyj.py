"""教育局: 学校, 学籍, 教职工 in a database, plus files dropped by schools (GBK CSV, XLSX, a broken CSV)."""

from __future__ import annotations

import datetime as dt

from govdata.demo import identifiers as ids
from govdata.demo.context import Context
from govdata.demo.model import Column, DepartmentData, DropFile, Report, Table
from govdata.demo.pools import REFERENCE_YEAR, altered_address, district, office_address, person_name
from govdata.demo.reports import stack

CODE = "jyj"
_GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三")
_TITLES = ("二级教师", "一级教师", "高级教师", "正高级教师", "三级教师")
_AID = (("国家助学金", "2500.00"), ("免学杂费补助", "1200.00"), ("生活费补助", "1000.00"), ("营养改善计划", "800.00"))
SUBSIDY_FILE = "学生资助发放名单2026.csv"
BUS_FILE = "校车安全管理.xlsx"
BROKEN_FILE = "教师培训记录.csv"
AID_SUMMARY_FILE = "学生资助汇总表.xlsx"


def _numeral(n: int) -> str:
    """Chinese numeral for 1..99 (第十二小学); larger numbers stay in digits."""
    if n >= 100:
        return str(n)
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


def _level(age: int) -> str:
    return "小学" if age <= 11 else "初级中学" if age <= 14 else "高级中学"


def _schools(ctx: Context) -> Table:
    rng = ctx.rng
    n_rows = ctx.n(300)
    # the school registry was last refreshed a third of a year ago although it is declared monthly
    times = ctx.update_times(n_rows, ctx.newest_update("每月", stale_days=120), span_days=2000)
    kinds = ("小学",) * 6 + ("初级中学",) * 3 + ("高级中学",) * 2
    suffixes = {"小学": "小学", "初级中学": "中学", "高级中学": "高级中学"}
    numbering: dict[str, int] = {}
    rows = []
    for n, gxsj in enumerate(times, start=1):
        kind = kinds[(n - 1) % len(kinds)]
        dist, street = district(rng)
        private = rng.random() < 0.2
        # numbered per street and kind, as 第一小学, 第二小学 ..., so school names stay unique
        base = f"深圳市{dist}{street}{'实验' if private else ''}"
        numbering[base + kind] = numbering.get(base + kind, 0) + 1
        rows.append(
            [
                f"2144{n:06d}",
                f"{base}第{_numeral(numbering[base + kind])}{suffixes[kind]}",
                kind,
                "民办" if private else "公办",
                ids.uscc(rng, "52" if private else "12"),
                person_name(rng, rng.random() < 0.4),
                office_address(rng).split("号")[0] + "号",
                ids.landline(rng),
                gxsj,
            ]
        )
    return Table(
        name="xx_jbxx",
        comment="学校基本信息",
        columns=[
            Column("xxdm", "varchar(10)", "学校标识码"),
            Column("xxmc", "varchar(200)", "学校名称"),
            Column("xxlx", "varchar(20)", "学校类型"),
            Column("bxlx", "varchar(10)", "办学类型"),
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("xzxm", "varchar(50)", "校长姓名", "PERSON"),
            Column("xxdz", "varchar(200)", "学校地址", "ADDRESS"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_LANDLINE"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("xxdm",),
        update_column="gxsj",
        update_cycle="每月",
    )


def _students(ctx: Context, schools: Table) -> Table:
    rng, people = ctx.rng, ctx.people
    by_level: dict[str, list[list]] = {}
    for row in schools.rows:
        by_level.setdefault(row[2], []).append(row)
    children = people.where(min_age=6, max_age=17)
    times = ctx.update_times(len(children), ctx.newest_update("每日"), span_days=1200)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(children, times, strict=True), start=1):
        p = ctx.person(idx)
        age = p.age()
        household = people.households[p.household]
        parents = [m for m in household.members if people.persons[m].relation in ("户主", "配偶")]
        guardian = ctx.person(rng.choice(parents))
        school = rng.choice(by_level[_level(age)])
        rows.append(
            [
                f"L{p.csrq:%Y}4403{n:08d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.csrq,
                school[0],
                _GRADES[age - 6],
                f"{rng.randrange(1, 13)}班",
                dt.date(REFERENCE_YEAR - (age - 6 if age <= 11 else age - 12 if age <= 14 else age - 15), 9, 1),
                p.hjdz,
                guardian.xm,
                guardian.sfzh,
                guardian.mobile,
                "母亲" if guardian.female else "父亲",
                gxsj,
            ]
        )
    return Table(
        name="xs_xjxx",
        comment="中小学学生学籍信息",
        columns=[
            Column("xjh", "varchar(20)", "学籍号"),
            Column("sfzh", "varchar(18)", "身份证件号", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("csrq", "date", "出生日期", describes=(("sfzh", "出生日期"),)),
            Column("xxdm", "varchar(10)", "学校标识码"),
            Column("nj", "varchar(10)", "年级"),
            Column("bj", "varchar(10)", "班级"),
            Column("rxrq", "date", "入学日期"),
            Column("jtzz", "varchar(200)", "家庭住址", "ADDRESS", describes=(("sfzh", "住址"),)),
            Column("jhrxm", "varchar(50)", "监护人姓名", "PERSON", describes=(("jhrsfzh", "姓名"),)),
            Column("jhrsfzh", "varchar(18)", "监护人身份证号", "CN_RESIDENT_ID"),
            Column("jhrlxdh", "varchar(20)", "监护人联系电话", "CN_MOBILE"),
            Column("jhrgx", "varchar(10)", "与学生关系"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("xjh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _teachers(ctx: Context, schools: Table) -> Table:
    rng = ctx.rng
    teachers = ctx.sample(ctx.people.where(min_age=23, max_age=60), ctx.n(4000))
    school_codes = [row[0] for row in schools.rows]
    times = ctx.update_times(len(teachers), ctx.newest_update("每月"), span_days=1500)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(teachers, times, strict=True), start=1):
        p = ctx.person(idx)
        rows.append(
            [
                f"JG{n:08d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.csrq,
                rng.choice(school_codes),
                rng.choice(_TITLES),
                f"{p.csrq.year + 23}4403{rng.randrange(10**7):07d}",
                p.mobile,
                ids.email(rng),
                ids.bank_card(rng),
                gxsj,
            ]
        )
    return Table(
        name="js_xx",
        comment="教职工基本信息",
        columns=[
            Column("jgh", "varchar(12)", "教工号"),
            Column("sfzh", "varchar(18)", "身份证件号", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("csrq", "date", "出生日期", describes=(("sfzh", "出生日期"),)),
            Column("xxdm", "varchar(10)", "任职学校标识码"),
            Column("zc", "varchar(20)", "专业技术职称"),
            Column("jszgzh", "varchar(20)", "教师资格证号码"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("dzyx", "varchar(100)", "电子邮箱", "EMAIL_ADDRESS"),
            Column("gzkh", "varchar(19)", None, "CN_BANK_CARD"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("jgh",),
        update_column="gxsj",
        update_cycle="每月",
    )


def _file_columns(spec: list[tuple[str, str | None]], describes: dict[str, tuple] | None = None) -> list[Column]:
    """Columns of a dropped file: all text; the comment is the header when the header is Chinese."""
    describes = describes or {}
    return [
        Column(
            name,
            "text",
            name if any("\u4e00" <= ch <= "\u9fff" for ch in name) else None,
            pii,
            describes=describes.get(name, ()),
        )
        for name, pii in spec
    ]


def _subsidy_file(ctx: Context, students: Table, schools: Table) -> DropFile:
    rng = ctx.rng
    school_names = {row[0]: row[1] for row in schools.rows}
    chosen = sorted(ctx.sample(list(range(len(students.rows))), ctx.n(2000)))
    rows = []
    for n, r in enumerate(chosen, start=1):
        s = students.rows[r]
        aid, amount = rng.choice(_AID)
        rows.append(
            [
                str(n),
                school_names[s[5]],
                s[2],
                s[1],
                s[6],
                aid,
                amount,
                s[10],
                ids.bank_card(rng),
                s[12],
            ]
        )
    table = Table(
        name=SUBSIDY_FILE.rsplit(".", 1)[0],
        comment=None,
        columns=_file_columns(
            [
                ("序号", None),
                ("学校名称", None),
                ("学生姓名", "PERSON"),
                ("身份证号", "CN_RESIDENT_ID"),
                ("年级", None),
                ("资助项目", None),
                ("资助金额", None),
                ("监护人姓名", "PERSON"),
                ("银行卡号", "CN_BANK_CARD"),
                ("联系电话", "CN_MOBILE"),
            ],
            {"学生姓名": (("身份证号", "姓名"),)},
        ),
        rows=rows,
        update_cycle="每年",
        file=SUBSIDY_FILE,
        encoding="gbk",
    )
    return DropFile(SUBSIDY_FILE, "csv", [table], encoding="gbk")


def _bus_file(ctx: Context, schools: Table) -> DropFile:
    rng = ctx.rng
    schools_with_buses = ctx.sample(list(range(len(schools.rows))), ctx.n(60, minimum=5))
    buses, drivers = [], []
    plates: set[str] = set()
    for i in schools_with_buses:
        school = schools.rows[i][1]
        for _ in range(rng.randrange(1, 4)):
            plate = ids.license_plate(rng)
            while plate in plates:
                plate = ids.license_plate(rng)
            plates.add(plate)
            buses.append(
                [
                    plate,
                    school,
                    rng.choice((19, 35, 41, 56)),
                    rng.choice(("宇通ZK6609DX", "金龙XMQ6100", "东风EQ6580")),
                    str(ctx.date_between(dt.date(REFERENCE_YEAR, 1, 1), dt.date(REFERENCE_YEAR + 1, 6, 30))),
                ]
            )
    for idx in ctx.sample(ctx.people.where(min_age=30, max_age=60), len(buses)):
        p = ctx.person(idx)
        drivers.append(
            [p.xm, p.sfzh, p.mobile, rng.choice(("A1", "A3", "B1")), rng.choice(buses)[1], str(rng.randrange(5, 30))]
        )
    stem = BUS_FILE.rsplit(".", 1)[0]
    bus_table = Table(
        name=f"{stem}__校车信息",
        comment=None,
        columns=_file_columns(
            [
                ("车牌号码", "CN_LICENSE_PLATE"),
                ("学校名称", None),
                ("核载人数", None),
                ("品牌型号", None),
                ("年检有效期", None),
            ]
        ),
        rows=buses,
        update_cycle="每月",
        file=BUS_FILE,
        sheet="校车信息",
    )
    driver_table = Table(
        name=f"{stem}__驾驶员名单",
        comment=None,
        columns=_file_columns(
            [
                ("姓名", "PERSON"),
                ("身份证号", "CN_RESIDENT_ID"),
                ("手机号码", "CN_MOBILE"),
                ("准驾车型", None),
                ("所属学校", None),
                ("驾龄", None),
            ],
            {"姓名": (("身份证号", "姓名"),)},
        ),
        rows=drivers,
        update_cycle="每月",
        file=BUS_FILE,
        sheet="驾驶员名单",
    )
    return DropFile(BUS_FILE, "xlsx", [bus_table, driver_table])


def _broken_file(ctx: Context) -> DropFile:
    """A CSV whose 培训内容 field carries unquoted commas, so rows have more fields than the header."""
    rng = ctx.rng
    lines = ["姓名,学校,培训项目,学时,培训日期"]
    for _ in range(40):
        topic = rng.choice(("班主任能力提升", "信息技术应用,人工智能", "心理健康教育,家校沟通,安全教育", "新课标解读"))
        name = person_name(rng, rng.random() < 0.6)
        lines.append(f"{name},深圳市实验学校,{topic},{rng.randrange(8, 48)},2026-0{rng.randrange(1, 10)}-15")
    return DropFile(BROKEN_FILE, "broken", content=("\n".join(lines) + "\n").encode("utf-8"))


def _aid_summary(ctx: Context, students: Table, schools: Table) -> DropFile:
    """One sheet holding two tables one below the other, each with its own title and header."""
    rng = ctx.rng
    school_names = {row[0]: row[1] for row in schools.rows}
    picked = ctx.sample(list(range(len(students.rows))), ctx.n(90, minimum=30))
    half = len(picked) // 2
    stem, sheet = AID_SUMMARY_FILE.rsplit(".", 1)[0], "资助名单"

    def rows(indices: list[int], amounts: tuple[str, ...]) -> list[list]:
        out = []
        for n, r in enumerate(sorted(indices), start=1):
            s = students.rows[r]
            out.append([str(n), school_names[s[5]], s[2], s[1], rng.choice(amounts)])
        return out

    columns = [
        Column("序号", "text", "序号"), Column("学校", "text", "学校"),
        Column("学生姓名", "text", "学生姓名", "PERSON"),
        Column("身份证号码", "text", "身份证号码", "CN_RESIDENT_ID"), Column("金额（元）", "text", "金额（元）"),
    ]  # fmt: skip
    grants = Table(
        name=f"{stem}__{sheet}", comment=None, columns=columns, rows=rows(picked[:half], ("1000", "1500", "2000")),
        update_cycle="每年", file=AID_SUMMARY_FILE, sheet=sheet,
        report=Report(title="一、国家助学金发放名单", reported_by="福田区教育局", reported_on=dt.date(2024, 12, 20)),
    )  # fmt: skip
    fees = Table(
        name=f"{stem}__{sheet}__2", comment=None, columns=list(columns), rows=rows(picked[half:], ("2500", "3500")),
        update_cycle="每年", file=AID_SUMMARY_FILE, sheet=sheet,
        report=Report(title="二、免学费名单", total_column="金额（元）", prepared_by="周海燕"),
    )  # fmt: skip
    stack([grants, fees])
    return DropFile(AID_SUMMARY_FILE, "xlsx", [grants, fees])


def build(ctx: Context) -> DepartmentData:
    """Generate the 教育局 tables and dropped files, and inject their defects and conflicts."""
    rng = ctx.rng
    schools = _schools(ctx)
    students = _students(ctx, schools)
    teachers = _teachers(ctx, schools)
    ctx.data.tables += [schools, students, teachers]

    # files are cut from the clean registry before any copy is made to disagree
    subsidy = _subsidy_file(ctx, students, schools)
    buses = _bus_file(ctx, schools)
    broken = _broken_file(ctx)
    ctx.data.files += [subsidy, buses, broken]

    registered = ctx.registered_ids()
    guardian_rows: dict[str, int] = {}
    for row in students.rows:
        guardian_rows[row[11]] = guardian_rows.get(row[11], 0) + 1
    taken: set[int] = set()
    ctx.name_conflict(students, ctx.pick(students, 2, taken, lambda r: r[1] in registered))
    # a guardian listed once only, so the copy that disagrees is the only copy in this table
    ctx.name_conflict(
        students,
        ctx.pick(students, 2, taken, lambda r: r[11] in registered and guardian_rows[r[11]] == 1),
        key="jhrsfzh",
        column="jhrxm",
    )
    ctx.conflict(
        students,
        ctx.pick(students, 4, taken, lambda r: r[1] in registered),
        "sfzh",
        "jtzz",
        "CN_RESIDENT_ID",
        "住址",
        lambda v: altered_address(rng, v),
    )

    ctx.mutate(
        students,
        "jhrsfzh",
        ctx.pick(students, 4, taken, lambda r: r[11].endswith("X")),
        str.lower,
        "key_format_variant",
        "校验位小写x",
    )
    ctx.mutate(
        teachers, "jszgzh", ctx.pick(teachers, 10, set()), lambda v: None, "null_mandatory", "教师资格证号为必填项"
    )
    subsidy_table = subsidy.tables[0]
    ctx.mutate(
        subsidy_table, "身份证号", ctx.pick(subsidy_table, 3, set()), ids.corrupt_id_checksum, "invalid_id_checksum"
    )
    ctx.defect(
        "stale_table",
        schools.name,
        "gxsj",
        1,
        [max(schools.values("gxsj")).isoformat(sep=" ")],
        "声明更新周期每月，最近更新距 as_of 约120天",
    )
    ctx.defect("gbk_csv", subsidy_table.name, None, 1, [SUBSIDY_FILE], "GBK 编码的 CSV 文件", file=SUBSIDY_FILE)
    ctx.defect("xlsx_file", None, None, 1, [BUS_FILE], "含 2 个工作表的 XLSX 文件，驾驶员名单含个人信息", file=BUS_FILE)
    ctx.defect(
        "malformed_file", None, None, 1, [BROKEN_FILE], "CSV 各行字段数与表头不一致，应整体拒收", file=BROKEN_FILE
    )
    # drawn last, so that every value above stays as it was
    ctx.data.files.append(_aid_summary(ctx, students, schools))
    return ctx.data
