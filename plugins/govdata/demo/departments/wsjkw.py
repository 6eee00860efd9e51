"""卫生健康委员会: 出生医学证明, 居民健康档案, 门诊记录, 传染病报告, 医疗机构 — medical records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context, shifted_date
from govdata.demo.model import HEALTH, Column, DepartmentData, Table
from govdata.demo.pools import DISTRICTS, altered_address, district, office_address, person_name

CODE = "wsjkw"
_HOSPITALS = (
    "深圳市人民医院", "深圳市第二人民医院", "北京大学深圳医院", "香港大学深圳医院", "深圳市儿童医院",
    "深圳市妇幼保健院", "深圳市中医院", "南方医科大学深圳医院", "中山大学附属第七医院", "深圳市宝安区人民医院",
    "深圳市龙岗中心医院", "深圳市南山区人民医院", "深圳市福田区第二人民医院", "深圳市龙华区人民医院",
)  # fmt: skip
# (ICD-10, diagnosis, chief complaint, clinic); children see 儿科, only women of child-bearing age 产科
_DIAGNOSES = (
    ("J06.900", "急性上呼吸道感染", "咳嗽、咽痛3天", "内科"),
    ("I10.x00", "原发性高血压", "头晕、头痛1周", "内科"),
    ("E11.900", "2型糖尿病", "口干、多饮多尿1月", "内分泌科"),
    ("K29.700", "慢性胃炎", "上腹部隐痛反复2月", "消化内科"),
    ("J45.900", "支气管哮喘", "反复喘息、胸闷", "呼吸内科"),
    ("M54.500", "腰痛", "腰部疼痛5天", "骨科"),
    ("J18.900", "肺炎", "发热、咳嗽咳痰4天", "呼吸内科"),
    ("A09.900", "感染性腹泻", "腹泻、腹痛2天", "急诊科"),
    ("F32.900", "抑郁状态", "情绪低落、失眠1月", "精神心理科"),
    ("L20.900", "特应性皮炎", "皮肤瘙痒、红斑1周", "皮肤科"),
    ("H10.900", "结膜炎", "眼红、分泌物增多2天", "眼科"),
)
_CHILD_DIAGNOSES = tuple(d for d in _DIAGNOSES if d[0][:3] in ("J06", "J18", "A09", "L20", "H10", "J45"))
_PREGNANCY = ("Z34.900", "正常妊娠监督", "停经12周，定期产检", "产科")
_HISTORY = (
    "无",
    "无",
    "无",
    "高血压病史5年",
    "2型糖尿病史3年",
    "乙肝病毒携带",
    "阑尾切除术后",
    "冠心病",
    "甲状腺功能减退",
    "哮喘史",
)
_ALLERGY = ("无", "无", "无", "青霉素过敏", "磺胺类药物过敏", "头孢类过敏", "海鲜过敏")
_DISEASES = (
    "流行性感冒",
    "手足口病",
    "肺结核",
    "乙型病毒性肝炎",
    "梅毒",
    "登革热",
    "水痘",
    "其它感染性腹泻病",
    "猩红热",
)
_BLOOD = ("A型", "B型", "O型", "AB型")


def _institutions(ctx: Context) -> Table:
    rng = ctx.rng
    rows = []
    codes: set[str] = set()
    names = list(_HOSPITALS)
    for dist, (_code, streets) in DISTRICTS.items():
        names += [f"深圳市{dist}{s}社区健康服务中心" for s in streets]
    while len(names) < ctx.n(300, minimum=len(_HOSPITALS)):
        dist, street = district(rng)
        names.append(
            f"深圳市{dist}{street}{rng.choice('东西南北新')}{rng.choice(('社区', '村'))}社区健康服务站{len(names)}"
        )
    times = ctx.update_times(len(names), ctx.newest_update("每月"), span_days=1500)
    for name, gxsj in zip(names, times, strict=True):
        code = ids.uscc(rng, "12")
        while code in codes:
            code = ids.uscc(rng, "12")
        codes.add(code)
        hospital = name in _HOSPITALS
        rows.append(
            [
                code,
                name,
                ("综合医院" if "人民" in name or "大学" in name else "专科医院") if hospital else "社区健康服务中心",
                rng.choice(("三级甲等", "三级乙等")) if hospital else "未评级",
                office_address(rng),
                person_name(rng, rng.random() < 0.4),
                ids.landline(rng),
                gxsj,
            ]
        )
    return Table(
        name="yljg",
        comment="医疗机构基本信息",
        columns=[
            Column("jgdm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("jgmc", "varchar(200)", "机构名称"),
            Column("jglb", "varchar(50)", "机构类别"),
            Column("jgdj", "varchar(20)", "机构等级"),
            Column("dz", "varchar(200)", "机构地址", "ADDRESS"),
            Column("fzr", "varchar(50)", "负责人", "PERSON"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_LANDLINE"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("jgdm",),
        update_column="gxsj",
        update_cycle="每月",
    )


def _birth_certificates(ctx: Context) -> Table:
    rng, people = ctx.rng, ctx.people
    mothers = ctx.sample([i for i in people.where(min_age=22, max_age=42) if people.persons[i].female], ctx.n(2500))
    men = people.where(min_age=22, max_age=50)
    times = ctx.update_times(len(mothers), ctx.newest_update("每日"), span_days=1000)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(mothers, times, strict=True), start=1):
        mother = ctx.person(idx)
        household = people.households[mother.household]
        spouse = None
        if mother.relation in ("户主", "配偶"):
            spouse = next(
                (m for m in household.members if people.persons[m].relation in ("户主", "配偶") and m != idx), None
            )
        father = ctx.person(spouse if spouse is not None and not people.persons[spouse].female else rng.choice(men))
        born = gxsj - dt.timedelta(days=rng.randrange(1, 5), minutes=rng.randrange(1440))
        female = rng.random() < 0.48
        hospital = rng.choice(_HOSPITALS)
        rows.append(
            [
                f"Q44{born:%y}{n:07d}",
                person_name(rng, female, father.xm[0]),
                "女" if female else "男",
                born.replace(second=0),
                hospital,
                mother.xm,
                mother.sfzh,
                father.xm,
                father.sfzh,
                born.date() + dt.timedelta(days=rng.randrange(1, 4)),
                hospital,
                gxsj,
            ]
        )
    return Table(
        name="csyxzm",
        comment="出生医学证明签发信息",
        columns=[
            Column("zmbh", "varchar(20)", "出生医学证明编号"),
            Column("xsexm", "varchar(50)", "新生儿姓名", "PERSON"),
            Column("xsexb", "varchar(2)", "新生儿性别"),
            Column("xsecssj", "timestamp", "新生儿出生时间"),
            Column("csdd", "varchar(200)", "出生地点"),
            Column("mqxm", "varchar(50)", "母亲姓名", "PERSON", describes=(("mqsfzh", "姓名"),)),
            Column("mqsfzh", "varchar(18)", "母亲身份证号", "CN_RESIDENT_ID"),
            Column("fqxm", "varchar(50)", "父亲姓名", "PERSON", describes=(("fqsfzh", "姓名"),)),
            Column("fqsfzh", "varchar(18)", "父亲身份证号", "CN_RESIDENT_ID"),
            Column("qfrq", "date", "签发日期"),
            Column("qfjg", "varchar(100)", "签发机构"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("zmbh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _health_records(ctx: Context, doctors: list[str]) -> Table:
    rng = ctx.rng
    residents = ctx.sample(list(range(len(ctx.people.persons))), ctx.n(18000))
    times = ctx.update_times(len(residents), ctx.newest_update("每日"), span_days=2000)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(residents, times, strict=True), start=1):
        p = ctx.person(idx)
        rows.append(
            [
                f"4403{p.csrq:%Y}{n:09d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.csrq,
                p.mobile,
                p.hjdz,
                rng.choice(_HISTORY) if p.age() >= 30 else "无",
                rng.choice(_ALLERGY),
                rng.choice(_BLOOD),
                rng.choice(doctors),
                f"深圳市{ctx.people.households[p.household].district}{ctx.people.households[p.household].street}社区健康服务中心",
                max(p.csrq, ctx.date_between(dt.date(2012, 1, 1), gxsj.date())),
                gxsj,
            ]
        )
    return Table(
        name="jmjkda",
        comment="居民健康档案",
        columns=[
            Column("dabh", "varchar(20)", "档案编号"),
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("csrq", "date", "出生日期", describes=(("sfzh", "出生日期"),)),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("zz", "varchar(200)", "住址", "ADDRESS", describes=(("sfzh", "住址"),)),
            Column("jwbs", "text", "既往病史", category=HEALTH),
            Column("gms", "varchar(100)", "药物过敏史", category=HEALTH),
            Column("xx", "varchar(10)", "血型", category=HEALTH),
            Column("jtys", "varchar(50)", "签约家庭医生", "PERSON"),
            Column("qyjg", "varchar(200)", "签约机构"),
            Column("jdrq", "date", "建档日期"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("dabh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _visit_remark(ctx: Context, patient_idx: int) -> str | None:
    rng = ctx.rng
    roll = rng.random()
    if roll < 0.06:
        relative = ctx.person(rng.randrange(len(ctx.people.persons)))
        return f"家属{relative.xm}陪同，电话{relative.mobile or ids.mobile(rng)}"
    if roll < 0.09:
        return f"联系人{person_name(rng, rng.random() < 0.5)}，电话{ids.mobile(rng)}，已回访"
    if roll < 0.11:
        return f"医保卡与本人不符，实际就诊人身份证{ctx.person(rng.randrange(len(ctx.people.persons))).sfzh}"
    return rng.choice(("复诊", "已开具病假证明", "建议专科随诊", "患者拒绝住院", None, None, None, None))


def _visits(ctx: Context, doctors: list[str]) -> Table:
    rng = ctx.rng
    n_rows = ctx.n(30000)
    # born at least two years before the reference year, so every visit comes after the birth
    patients = ctx.people.where(min_age=2)
    newest = ctx.newest_update("实时")
    times = ctx.update_times(n_rows, newest, span_days=400)
    rows = []
    for n, gxsj in enumerate(times, start=1):
        visited = gxsj - dt.timedelta(minutes=rng.randrange(5, 600))
        p = ctx.person(patients[int(rng.random() * len(patients))])
        age = max(0, visited.year - p.csrq.year)
        if age < 14:
            code, diagnosis, complaint, clinic = rng.choice(_CHILD_DIAGNOSES)
            clinic = "儿科"
        elif p.female and 20 <= age <= 42 and rng.random() < 0.15:
            code, diagnosis, complaint, clinic = _PREGNANCY
        else:
            code, diagnosis, complaint, clinic = rng.choice(_DIAGNOSES)
        phone = p.mobile
        if phone is None:
            guardian = ctx.people.households[p.household].members[0]
            phone = ctx.person(guardian).mobile
        rows.append(
            [
                f"MZ{visited:%Y%m%d}{n:08d}",
                p.sfzh,
                p.xm,
                p.xb,
                age,
                phone,
                visited.replace(microsecond=0),
                rng.choice(_HOSPITALS),
                clinic,
                complaint,
                code,
                diagnosis,
                rng.choice(doctors),
                Decimal(f"{rng.random() * 800 + 15:.2f}"),
                _visit_remark(ctx, p.idx),
                gxsj,
            ]
        )
    return Table(
        name="mzjl",
        comment="门诊就诊记录",
        columns=[
            Column("jzlsh", "varchar(24)", "就诊流水号"),
            Column("sfzh", "varchar(18)", "患者身份证号", "CN_RESIDENT_ID"),
            Column("hzxm", "varchar(50)", "患者姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("nl", "integer", "年龄"),
            Column("lxdh", "varchar(20)", None, "CN_MOBILE"),
            Column("jzsj", "timestamp", "就诊时间"),
            Column("yljgmc", "varchar(200)", "医疗机构名称"),
            Column("ksmc", "varchar(50)", "科室名称"),
            Column("zs", "text", "主诉", category=HEALTH),
            Column("zdbm", "varchar(20)", "诊断编码(ICD-10)", category=HEALTH),
            Column("zdmc", "varchar(100)", "诊断名称", category=HEALTH),
            Column("ysxm", "varchar(50)", "接诊医生", "PERSON"),
            Column("fy", "numeric(10,2)", "费用(元)"),
            Column("bz", "text", "备注", "FREE_TEXT_WITH_PII"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("jzlsh",),
        update_column="gxsj",
        update_cycle="实时",
    )


def _disease_reports(ctx: Context, doctors: list[str]) -> Table:
    rng = ctx.rng
    patients = ctx.sample(ctx.people.where(min_age=3), ctx.n(1500))
    times = ctx.update_times(len(patients), ctx.newest_update("每日"), span_days=700)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(patients, times, strict=True), start=1):
        p = ctx.person(idx)
        onset = gxsj.date() - dt.timedelta(days=rng.randrange(2, 10))
        rows.append(
            [
                f"BGK{onset:%Y}{n:07d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.mobile,
                p.xzz,
                rng.choice(_DISEASES),
                onset,
                onset + dt.timedelta(days=rng.randrange(0, 3)),
                rng.choice(_HOSPITALS),
                rng.choice(doctors),
                gxsj,
            ]
        )
    return Table(
        name="crbbg",
        comment="传染病报告卡",
        columns=[
            Column("bgkbh", "varchar(20)", "报告卡编号"),
            Column("sfzh", "varchar(18)", "有效证件号", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "患者姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("xzz", "varchar(200)", "现住址", "ADDRESS"),
            Column("jbmc", "varchar(50)", "疾病名称", category=HEALTH),
            Column("fbrq", "date", "发病日期"),
            Column("zdrq", "date", "诊断日期"),
            Column("bgdw", "varchar(200)", "报告单位"),
            Column("bgys", "varchar(50)", None, "PERSON"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=(),
        update_column="gxsj",
        update_cycle="每日",
    )


def build(ctx: Context) -> DepartmentData:
    """Generate the 卫健委 tables and inject their defects and conflicts."""
    rng = ctx.rng
    doctors = [person_name(rng, rng.random() < 0.5) for _ in range(400)]
    institutions = _institutions(ctx)
    births = _birth_certificates(ctx)
    records = _health_records(ctx, doctors)
    visits = _visits(ctx, doctors)
    reports = _disease_reports(ctx, doctors)
    ctx.data.tables += [births, records, visits, reports, institutions]

    # conflicts only on residents 公安 registers, so each one has an authoritative value to disagree with
    registered = ctx.registered_ids()
    taken: set[int] = set()
    is_registered = lambda row: row[1] in registered  # noqa: E731
    ctx.name_conflict(records, ctx.pick(records, 6, taken, is_registered))
    ctx.conflict(
        records,
        ctx.pick(records, 4, taken, is_registered),
        "sfzh",
        "csrq",
        "CN_RESIDENT_ID",
        "出生日期",
        lambda v: shifted_date(rng, v),
    )
    ctx.conflict(
        records,
        ctx.pick(records, 4, taken, is_registered),
        "sfzh",
        "zz",
        "CN_RESIDENT_ID",
        "住址",
        lambda v: altered_address(rng, v),
    )

    taken = set()
    ctx.mutate(visits, "sfzh", ctx.pick(visits, 12, taken), ids.corrupt_id_checksum, "invalid_id_checksum")
    ctx.mutate(visits, "zdmc", ctx.pick(visits, 15, taken), lambda v: None, "null_mandatory", "诊断名称为必填项")

    dup_rows = ctx.pick(reports, 6, set())
    reports.rows += [list(reports.rows[r]) for r in dup_rows]
    ctx.defect(
        "duplicate_key",
        reports.name,
        "bgkbh",
        len(dup_rows),
        [reports.rows[r][0] for r in dup_rows],
        "报告卡编号应唯一；重复上报多出的行数",
    )
    ctx.defect("no_primary_key", reports.name, None, 1, note="传染病报告卡表无主键约束")
    return ctx.data
