"""Demo natural persons and what each of their channel accounts says about them.

Pure data: no database access, nothing imported from the services. Every person is
drawn from its own `random.Random(f"{seed}:person:{i}")` (and Faker seeded the same
way), so person *i* is the same whatever `--members` is, and every timestamp is an
offset before `anchor` (midnight of `--today`), so the identifiers and the sequence
of draws do not depend on the day the command runs: a re-run on another day finds
the same channel accounts and order numbers and adds nothing.

Channel habits built in on purpose, so cleaning, merging and survivorship have work:
- Tmall: nick + OMID; the order export often shows only a masked mobile (138****1234),
  which never links; some accounts later join the brand membership (入会) and send
  the full mobile, which merges the Tmall-only person into the one already known.
- JD: account + mobile, written as 138-1234-5678 or +86 …; name typed as "张 三".
- WeChat mini-program: UnionID + OpenID, often no mobile until the user authorizes it.
- POS: card number + mobile + store; province as 沪/浙, birthday as 1990/5/12 or 19900512,
  sometimes only "张女士".
- Brand mall: user id + email; some registered with email only and bind a mobile later.
- A few people give one channel an older second mobile; ~2% pairs of different people
  share name and city (fuzzy-duplicate candidates that must never merge).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from faker import Faker
from pypinyin import lazy_pinyin

from .places import CITIES, CITY_WEIGHTS, ESTATES, City
from .stores import stores_in, stores_in_region

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = 86400

CHANNELS = ("tmall", "jd", "wechat_mp", "pos", "mall")

MOBILE_PREFIXES = (
    # (prefix, weight): China Mobile, Unicom, Telecom; 13x/15x/18x most common
    *((p, 4) for p in (134, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 182, 187, 188)),
    *((p, 3) for p in (130, 131, 132, 155, 156, 185, 186, 133, 153, 180, 181, 189)),
    *((p, 1) for p in (147, 166, 172, 173, 175, 176, 177, 178, 183, 184, 190, 191, 195, 198, 199)),
)

# Given names of people born after ~1980: common first and second characters, combined.
MODERN_GIVEN = {
    "F": ("欣梓诗雨可思佳梦婉语晓静心嘉舒若晨安雅丽慧紫艺婧佩芷沐书亦菲", "怡涵桐馨琪萱瑶清嫣彤然曦琳雯婷悦妍宁蕾洁薇颖茜岚"),
    "M": ("浩子宇俊一志明博嘉天思皓文鹏建家泽睿伟少振景承宏子", "然轩杰宇鸣强文豪佑远博熙辰航洋涛磊峰凯阳翔晨川"),
}
# (lowest, highest) birth-year distance from --today, weight: ages 18–65
AGE_BANDS = ((19, 24, 20), (25, 34, 38), (35, 44, 24), (45, 54, 12), (55, 65, 6))
CHANNEL_COUNT_WEIGHTS = ((1, 38), (2, 34), (3, 19), (4, 9))
EMAIL_DOMAINS = (("qq.com", 40), ("163.com", 20), ("126.com", 8), ("gmail.com", 6), ("foxmail.com", 6),
                 ("sina.com", 5), ("hotmail.com", 5), ("icloud.com", 10))
TMALL_NICK_WORDS = ("小鱼", "橘子", "糖糖", "喵喵", "阿狸", "桃子", "星星", "豆豆", "木木", "小熊", "奶茶", "柠檬")
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CONSENT_SOURCES = {
    "wechat_mp": "微信小程序注册勾选",
    "mall": "品牌商城注册勾选",
    "pos": "门店纸质表单",
    "tmall": "天猫会员入会授权",
    "jd": "京东会员入会授权",
}
WITHDRAW_SOURCE = "短信回T退订"


@dataclass
class Snapshot:
    """What one channel account said at one moment; becomes one IncomingRecord."""

    seen_at: datetime
    name: str = ""
    gender: str = ""
    birthday: str = ""
    mobile: str = ""
    email: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    store_code: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)


@dataclass
class Account:
    channel: str
    external_id: str
    registered_at: datetime
    snapshots: list[Snapshot]
    store_code: str = ""
    has_mobile: bool = False  # any snapshot carries a full (linkable) mobile


@dataclass
class Consent:
    account: Account
    source: str
    granted_at: datetime
    withdrawn_at: datetime | None = None


@dataclass
class Person:
    index: int
    surname: str
    given: str
    gender: str  # "F" / "M"
    birthday: date
    mobile: str  # 11 digits
    email: str
    city: City
    district: str
    street: str
    accounts: list[Account] = field(default_factory=list)
    second_mobile: str = ""
    twin_of: int | None = None
    consent: Consent | None = None

    @property
    def name(self) -> str:
        return self.surname + self.given

    def records(self) -> list[tuple[Account, Snapshot]]:
        """Every snapshot of every account, oldest first: the order they reach the CRM."""
        pairs = [(a, s) for a in self.accounts for s in a.snapshots]
        return sorted(pairs, key=lambda pair: pair[1].seen_at)


def anchor_for(today: date) -> datetime:
    """Midnight at the start of `today` in Asia/Shanghai; all demo history lies before it."""
    return datetime.combine(today, time(0), tzinfo=SHANGHAI)


def awake(moment: datetime, first: int = 8, last: int = 23) -> datetime:
    """Move a moment into the hours people shop (same day, no extra random draws)."""
    return moment.replace(hour=first + moment.hour % (last - first))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class PeopleGenerator:
    """Draws people one by one; keeps identifier values unique across everyone drawn."""

    def __init__(self, seed: int, today: date):
        self.seed = seed
        self.today = today
        self.anchor = anchor_for(today)
        self.fake = Faker("zh_CN")
        self.taken: set[str] = set()
        self.people: list[Person] = []

    # --- unique values --------------------------------------------------------------
    def _unique(self, make):
        for _ in range(1000):
            value = make()
            if value.lower() not in self.taken:
                self.taken.add(value.lower())
                return value
        raise RuntimeError("could not draw a unique demo value")

    def _mobile(self, rng) -> str:
        def make():
            while True:
                prefix = _weighted(rng, MOBILE_PREFIXES)
                tail = f"{rng.randrange(10**8):08d}"
                if len(set(tail)) >= 3:  # 13800000000-like numbers are what people type to skip a field
                    return f"{prefix}{tail}"

        return self._unique(make)

    def _ago(self, rng, low_days: float, high_days: float) -> datetime:
        return awake(self.anchor - timedelta(seconds=int(rng.uniform(low_days * DAY, high_days * DAY))))

    def _later(self, rng, after: datetime, min_days: float, max_days: float) -> datetime | None:
        """A moment after `after` (still before the anchor), or None if there is no room."""
        latest = self.anchor - timedelta(hours=1)
        start = after + timedelta(days=min_days)
        end = min(after + timedelta(days=max_days), latest)
        if start >= end:
            return None
        # start is at least a day after `after`, so moving the hour keeps the order of events
        return awake(start + timedelta(seconds=int(rng.uniform(0, (end - start).total_seconds()))))

    # --- one person ---------------------------------------------------------------------
    def person(self, index: int) -> Person:
        rng = random.Random(f"{self.seed}:person:{index}")
        self.fake.seed_instance(f"{self.seed}:faker:{index}")
        twin = None
        if self.people and rng.random() < 0.02:
            twin = self.people[rng.randrange(len(self.people))]
        gender = twin.gender if twin else ("F" if rng.random() < 0.72 else "M")
        low, high = _weighted(rng, ((band[:2], band[2]) for band in AGE_BANDS))
        # Year from the age, day from the draw: the same birthday whichever day of the year it runs.
        year = self.today.year - rng.randint(low, high)
        birthday = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        if twin:
            surname, given, city, district = twin.surname, twin.given, twin.city, rng.choice(twin.city.districts)
        else:
            surname = self.fake.last_name()
            if rng.random() < (0.7 if birthday.year <= 1980 else 0.2):  # Faker's names are the older style
                given = self.fake.first_name_female() if gender == "F" else self.fake.first_name_male()
            else:
                first, second = MODERN_GIVEN[gender]
                given = rng.choice(first) + rng.choice(second)
                if given[0] == given[1] or rng.random() < 0.12:
                    given = given[1]  # one-character given names are common too
            city = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
            district = rng.choice(city.districts)
        street = f"{rng.choice(city.roads)}{rng.randint(1, 1999)}号{rng.choice(ESTATES)}{rng.randint(1, 28)}栋{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
        person = Person(
            index=index, surname=surname, given=given, gender=gender, birthday=birthday,
            mobile=self._mobile(rng), email=self._email(rng, surname + given, birthday), city=city,
            district=district, street=street, twin_of=twin.index if twin else None,
        )
        self._accounts(rng, person)
        person.consent = self._consent(rng, person)
        self.people.append(person)
        return person

    def _email(self, rng, name: str, birthday: date) -> str:
        pinyin = "".join(lazy_pinyin(name))

        def make():
            domain = _weighted(rng, EMAIL_DOMAINS)
            if domain == "qq.com" and rng.random() < 0.6:
                return f"{rng.randint(10**7, 3 * 10**9)}@qq.com"
            suffix = rng.choice((str(birthday.year), f"{birthday:%m%d}", str(rng.randint(1, 999)), f"_{rng.randint(10, 99)}"))
            return f"{pinyin}{suffix}@{domain}"

        return self._unique(make)

    def _channels(self, rng, person: Person) -> list[str]:
        local_store = bool(stores_in(person.city.city))
        weights = {"tmall": 55, "wechat_mp": 45, "jd": 28, "pos": 55 if local_store else 8, "mall": 18}
        count = _weighted(rng, CHANNEL_COUNT_WEIGHTS)
        chosen = []
        while len(chosen) < count:
            pool = [(c, w) for c, w in weights.items() if c not in chosen]
            chosen.append(_weighted(rng, pool))
        return sorted(chosen, key=CHANNELS.index)

    def _accounts(self, rng, person: Person) -> None:
        channels = self._channels(rng, person)
        # A few percent give one channel an older second mobile.
        second_on = ""
        if len(channels) >= 2 and rng.random() < 0.06:
            second_on = rng.choice([c for c in channels if c != "tmall"] or channels)
            person.second_mobile = self._mobile(rng)
        for channel in channels:
            registered = self._ago(rng, 20, 4 * 365)
            account = getattr(self, f"_{channel}")(rng, person, registered)
            if channel == second_on:
                self._use_second_mobile(rng, person, account)
            account.has_mobile = any(s.mobile and "*" not in s.mobile for s in account.snapshots)
            person.accounts.append(account)

    # --- per-channel habits ---------------------------------------------------------------
    def _name_variant(self, rng, person: Person, channel: str) -> str:
        roll = rng.random()
        if channel == "tmall" and roll < 0.15:
            return f"{person.surname}\u3000{person.given}"  # full-width space from the 收货人 field
        if channel == "jd" and roll < 0.15:
            return f"{person.surname} {person.given}"
        if channel == "pos" and roll < 0.04:
            return person.surname + ("女士" if person.gender == "F" else "先生")
        if roll > 0.95:
            return f" {person.name} "
        return person.name

    @staticmethod
    def _masked(mobile: str) -> str:
        return f"{mobile[:3]}****{mobile[-4:]}"

    def _tmall(self, rng, person: Person, registered: datetime) -> Account:
        pinyin = "".join(lazy_pinyin(person.name))
        nick = self._unique(lambda: rng.choice((
            f"tb{rng.randint(10**8, 10**10 - 1)}",
            f"{pinyin}{rng.randint(1, 9999)}",
            f"{rng.choice(TMALL_NICK_WORDS)}{rng.choice(('爱购物', '的小窝', '酱', '呀'))}{rng.randint(1, 999)}",
        )))
        omid = self._unique(lambda: "AAH" + "".join(rng.choices(ALNUM, k=21)))
        city = person.city
        province = city.province_short if city.province == city.city else city.province
        address = f"{province} {city.city} {person.district} {person.street}"
        mobile_kind = _weighted(rng, (("masked", 45), ("full", 45), ("none", 10)))
        mobile = {"masked": self._masked(person.mobile), "full": person.mobile, "none": ""}[mobile_kind]
        if mobile_kind == "full" and rng.random() < 0.25:
            mobile = "'" + mobile  # leading apostrophe from the CSV export
        ids = {"tmall_nick": nick, "tmall_omid": omid}
        first = Snapshot(registered, name=self._name_variant(rng, person, "tmall"), mobile=mobile,
                         address=address, identifiers=ids)
        snapshots = [first]
        if mobile_kind == "masked" and rng.random() < 0.55:
            joined = self._later(rng, registered, 3, 400)  # joined the brand membership (入会)
            if joined:
                snapshots.append(Snapshot(joined, name=person.name, mobile=person.mobile, address=address,
                                          identifiers=dict(ids)))
        return Account("tmall", nick, registered, snapshots)

    def _jd(self, rng, person: Person, registered: datetime) -> Account:
        pinyin = "".join(lazy_pinyin(person.name))
        account = self._unique(lambda: rng.choice((
            "jd_" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=12)),
            f"{pinyin}_{rng.randint(1, 9999)}",
        )))
        m = person.mobile
        mobile = _weighted(rng, ((m, 80), (f"{m[:3]}-{m[3:7]}-{m[7:]}", 10), (f"+86 {m[:3]} {m[3:7]} {m[7:]}", 10)))
        city = person.city
        if rng.random() < 0.5:
            where = {"province": city.province_short, "city": city.city, "district": person.district,
                     "address": person.street}
        else:
            where = {"address": f"{city.province_short}{city.city}{person.district}{person.street}"}
        snap = Snapshot(registered, name=self._name_variant(rng, person, "jd"), mobile=mobile,
                        identifiers={"jd_account": account}, **where)
        return Account("jd", account, registered, [snap])

    def _wechat_mp(self, rng, person: Person, registered: datetime) -> Account:
        openid = self._unique(lambda: "oQl" + "".join(rng.choices(ALNUM + "-_", k=25)))
        unionid = self._unique(lambda: "oUn" + "".join(rng.choices(ALNUM + "-_", k=25)))
        ids = {"wechat_unionid": unionid, "wechat_openid": openid}
        base = {
            "name": self._name_variant(rng, person, "wechat_mp") if rng.random() < 0.9 else "",
            "gender": rng.choice(("女", "F")) if person.gender == "F" else rng.choice(("男", "M")),
            "birthday": person.birthday.isoformat() if rng.random() < 0.6 else "",
            "province": person.city.province_short,
            "city": person.city.city_short,
        }
        mobile = person.mobile if rng.random() >= 0.35 else ""
        first = Snapshot(registered, mobile=mobile, identifiers=ids, **base)
        snapshots = [first]
        if not mobile and rng.random() < 0.6:
            authorized = self._later(rng, registered, 1, 300)  # user taps 手机号快捷登录
            if authorized:
                snapshots.append(Snapshot(authorized, mobile=person.mobile, identifiers=dict(ids), **base))
        return Account("wechat_mp", openid, registered, snapshots)

    def _pos(self, rng, person: Person, registered: datetime) -> Account:
        local = stores_in(person.city.city) or stores_in_region(person.city.region) or ["SH001", "BJ001"]
        store = rng.choice(local)
        card = self._unique(lambda: f"QL{rng.randint(10**9, 10**10 - 1)}")
        m = person.mobile
        mobile = m if rng.random() < 0.9 else f"{m[:3]} {m[3:7]} {m[7:]}"
        city = person.city
        province = city.province_alias if rng.random() < 0.3 else city.province
        b = person.birthday
        birthday = _weighted(rng, ((f"{b.year}/{b.month}/{b.day}", 40), (f"{b:%Y%m%d}", 20), (b.isoformat(), 20), ("", 20)))
        snap = Snapshot(
            registered, name=self._name_variant(rng, person, "pos"),
            gender=("女" if person.gender == "F" else "男") if rng.random() < 0.8 else "",
            birthday=birthday, mobile=mobile, province=province, city=city.city, district=person.district,
            address=person.street if rng.random() < 0.6 else "", store_code=store, identifiers={"pos_card": card},
        )
        return Account("pos", card, registered, [snap], store_code=store)

    def _mall(self, rng, person: Person, registered: datetime) -> Account:
        user = self._unique(lambda: f"U{rng.randint(10**8, 10**9 - 1)}")
        city = person.city
        m = person.mobile
        base = {
            "name": self._name_variant(rng, person, "mall"),
            "gender": person.gender,
            "birthday": person.birthday.isoformat() if rng.random() < 0.5 else "",
            "email": person.email if rng.random() < 0.9 else person.email.upper(),
            "province": city.province, "city": city.city, "district": person.district, "address": person.street,
        }
        email_only = rng.random() < 0.3
        mobile = "" if email_only else (m if rng.random() < 0.9 else f"86-{m}")
        snapshots = [Snapshot(registered, mobile=mobile, identifiers={"mall_user": user}, **base)]
        if email_only and rng.random() < 0.5:
            bound = self._later(rng, registered, 2, 500)  # binds a mobile in 账户安全
            if bound:
                snapshots.append(Snapshot(bound, mobile=m, identifiers={"mall_user": user}, **base))
        return Account("mall", user, registered, snapshots)

    def _use_second_mobile(self, rng, person: Person, account: Account) -> None:
        """The account first carries an older number; often the person later updates it."""
        first = account.snapshots[0]
        first.mobile = person.second_mobile
        for later in account.snapshots[1:]:
            later.mobile = person.second_mobile
        if rng.random() < 0.6:
            updated = self._later(rng, account.snapshots[-1].seen_at, 30, 500)
            if updated:
                latest = account.snapshots[-1]
                account.snapshots.append(Snapshot(**{**latest.__dict__, "seen_at": updated, "mobile": person.mobile,
                                                     "identifiers": dict(latest.identifiers)}))

    def _consent(self, rng, person: Person) -> Consent | None:
        if rng.random() >= 0.7:
            return None
        preference = ("wechat_mp", "mall", "pos", "tmall", "jd")
        candidates = sorted((a for a in person.accounts if a.has_mobile), key=lambda a: preference.index(a.channel))
        if not candidates:
            return None
        account = candidates[0]
        granted = next(s.seen_at for s in account.snapshots if s.mobile and "*" not in s.mobile)
        withdrawn = self._later(rng, granted, 10, 600) if rng.random() < 0.08 else None
        return Consent(account, CONSENT_SOURCES[account.channel], granted, withdrawn)


def generate_people(seed: int, count: int, today: date) -> list[Person]:
    generator = PeopleGenerator(seed, today)
    return [generator.person(i) for i in range(count)]
