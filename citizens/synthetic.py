"""Deterministic synthetic residents of Suining county for demos, tests and benchmarks.

Every person is invented: names are drawn from common surnames and given-name
characters, resident ID numbers are built with a valid check character.
"""
import datetime
import random

from citizens.validators import check_character

# GB/T 2260: 320324 is Suining county (睢宁县), Xuzhou, Jiangsu, since 1983 (321324 is Sihong county).
SUINING_REGION_CODE = "320324"
# Suining's subdistricts and towns: 睢城镇 became the 睢城, 睢河 and 金城 subdistricts in 2016; the
# fifteen towns kept their names.
DISTRICTS = [
    "睢城街道", "睢河街道", "金城街道", "王集镇", "双沟镇", "岚山镇", "李集镇", "桃园镇", "官山镇", "高作镇",
    "沙集镇", "凌城镇", "邱集镇", "古邳镇", "姚集镇", "魏集镇", "梁集镇", "庆安镇",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏宇浩晨欣怡子涵雨轩梓睿佳琪"


def resident_id(birth_date: datetime.date, sequence: int, sex: str) -> str:
    """A valid 18-character resident ID for Suining county; odd 17th digit for men."""
    seq = sequence % 500 * 2 + (1 if sex == "M" else 0)  # 0..999 with the right parity
    first17 = f"{SUINING_REGION_CODE}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def people(count: int, *, seed: int = 2026, today: datetime.date | None = None):
    """Yield ``count`` distinct residents as dicts, ages spread from 0 to 90."""
    rng = random.Random(seed)
    today = today or datetime.date(2026, 1, 1)
    seen = set()
    while len(seen) < count:
        sex = rng.choice("MF")
        birth = today - datetime.timedelta(days=rng.randint(0, 90 * 365))
        rid = resident_id(birth, rng.randrange(500), sex)
        if rid in seen:
            continue
        seen.add(rid)
        yield {
            "resident_id": rid,
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
            "birth_date": birth,
            "sex": sex,
            "district": rng.choice(DISTRICTS),
        }


PILOT_CONSENT = datetime.datetime(2025, 1, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def contacts_for(person: dict) -> dict:
    """Invented contacts for a synthetic person, the same every time: six in ten by email, a quarter
    by SMS (with consent), the rest only a postal address (letters)."""
    rng = random.Random(person["resident_id"])
    draw = rng.random()
    address = f"江苏省徐州市睢宁县{person['district']}人民路{rng.randint(1, 300)}号"
    if draw < 0.6:
        return {"email": f"p{person['resident_id'][-8:]}@example.cn", "preferred_channel": "email",
                "contact_consent": True, "contact_consent_at": PILOT_CONSENT, "postal_address": address}
    if draw < 0.85:
        return {"mobile": f"+86138{rng.randrange(10**8):08d}", "preferred_channel": "sms", "contact_consent": True,
                "contact_consent_at": PILOT_CONSENT, "postal_address": address}
    return {"postal_address": address, "preferred_channel": "letter"}
