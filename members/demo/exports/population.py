"""A deterministic population of buyers for the export-file generators.

Built for size: ~400,000 people in about ten seconds, with no Faker call per person (the name,
city, road and estate pools come from Faker's zh_CN data and `members.demo.people/places`
once, at import). Each person has one main mobile (a few also an older second one) that
they use on every channel, so importing the Tmall, JD, POS and WeChat files merges them.

Who is on which channel is decided up front: `jd_shared` of the JD buyers are also Tmall
buyers, the rest of them are JD-only people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from faker.providers.person.zh_CN import Provider as _FakerNames
from pypinyin import lazy_pinyin

from ..people import AGE_BANDS, ALNUM, EMAIL_DOMAINS, MOBILE_PREFIXES, MODERN_GIVEN, TMALL_NICK_WORDS
from ..places import CITIES, CITY_WEIGHTS, ESTATES, City
from ..stores import STORES, stores_in, stores_in_region
from .common import DAY, Calendar, pick, weighted_picker

HISTORY_DAYS = 730


def _gbk(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


SURNAMES = weighted_picker((name, weight) for name, weight in _FakerNames.last_names.items() if _gbk(name))
OLD_GIVEN = {
    "F": tuple(n for n in _FakerNames.first_names_female if _gbk(n)),
    "M": tuple(n for n in _FakerNames.first_names_male if _gbk(n)),
}
GIVEN_POOL = tuple(a + b for gender in "FM" for a, b in zip(*MODERN_GIVEN[gender], strict=False)) + OLD_GIVEN["F"]
CITY_PICKER = weighted_picker(zip(CITIES, CITY_WEIGHTS, strict=True))
MOBILE_PICKER = weighted_picker((str(prefix), weight) for prefix, weight in MOBILE_PREFIXES)
AGE_PICKER = weighted_picker(((low, high), weight) for low, high, weight in AGE_BANDS)
EMAIL_PICKER = weighted_picker(EMAIL_DOMAINS)
POSTCODE_PREFIX = {
    "上海市": "200", "北京市": "100", "广州市": "510", "深圳市": "518", "杭州市": "310", "成都市": "610",
    "南京市": "210", "苏州市": "215", "重庆市": "400", "武汉市": "430", "天津市": "300", "西安市": "710",
    "长沙市": "410", "宁波市": "315", "厦门市": "361", "青岛市": "266", "郑州市": "450", "无锡市": "214",
    "合肥市": "230", "沈阳市": "110", "昆明市": "650", "济南市": "250", "南宁市": "530", "哈尔滨市": "150",
    "呼和浩特市": "010", "乌鲁木齐市": "830",
}
# One shared string per district (a plausible code: the city's prefix, then the district's number).
POSTCODES = {
    city.city: tuple(f"{POSTCODE_PREFIX.get(city.city, '000')}{d + 1:02d}0" for d in range(len(city.districts)))
    for city in CITIES
}
OFFICES = ("科技园", "国际中心", "大厦", "广场写字楼", "创意园", "金融中心")
NICK_TAILS = ("爱购物", "的小窝", "酱", "呀", "不吃香菜", "小仙女", "666", "_")
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
STORE_CODES = tuple(code for code, *_ in STORES)


@cache
def pinyin(text: str) -> str:
    """Toneless pinyin of a surname or a given name (both come from small pools, so cached)."""
    return "".join(lazy_pinyin(text))


def name_pinyin(person: Person) -> str:
    return pinyin(person.surname) + pinyin(person.given)


@cache
def stores_near(city: str, region: str) -> tuple[str, ...]:
    return tuple(stores_in(city) or stores_in_region(region) or STORE_CODES)


def masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}"


@dataclass(slots=True)
class Person:
    index: int
    name: str
    surname_len: int
    gender: str  # "F" / "M"
    birthday: date
    mobile: str  # 11 digits, unique in the population
    second_mobile: str  # "" or an older number the person still uses on some orders
    city: City
    district: str
    street: str
    postcode: str
    tmall_nick: str = ""
    tmall_phone: str = ""  # what 联系手机 usually shows for this buyer: "'138…" or "138****1234"
    tmall_address: str = ""  # 收货地址 as Tmall writes it: "上海 上海市 浦东新区 …(200120)"
    jd_account: str = ""
    pos_card: str = ""
    pos_store: str = ""
    wechat_openid: str = ""
    wechat_unionid: str = ""
    wechat_registered: int = 0  # seconds after the calendar start (negative: before it)
    email: str = ""

    @property
    def surname(self) -> str:
        return self.name[: self.surname_len]

    @property
    def given(self) -> str:
        return self.name[self.surname_len:]

    @property
    def province_short(self) -> str:
        return self.city.province_short


@dataclass
class Population:
    """People plus who is a buyer on which channel (indices into `people`, ascending)."""

    seed: int
    calendar: Calendar
    people: list[Person]
    tmall: list[int] = field(default_factory=list)
    jd: list[int] = field(default_factory=list)
    pos: list[int] = field(default_factory=list)
    wechat: list[int] = field(default_factory=list)

    @property
    def start(self) -> date:
        return self.calendar.start

    @property
    def end(self) -> date:
        return self.calendar.end

    def overlap(self, first: str, second: str) -> int:
        """How many people are on both channels ("tmall", "jd", "pos", "wechat")."""
        return len(set(getattr(self, first)) & set(getattr(self, second)))


def tmall_address(person: Person, district: str, street: str, postcode: str) -> str:
    """Province (上海 for the municipalities), city, district and street, space separated, then the postcode."""
    city = person.city
    province = city.province_short if city.province == city.city else city.province
    return f"{province} {city.city} {district} {street}({postcode})"


def people_needed(tmall_buyers: int, jd_buyers: int, jd_shared: float) -> int:
    """The smallest population that holds the Tmall buyers and the JD-only buyers."""
    return tmall_buyers + jd_buyers - round(jd_buyers * jd_shared)


class _Drawer:
    def __init__(self, seed: int, calendar: Calendar):
        self.rng = random.Random(f"{seed}:population")
        self.calendar = calendar
        self.end_year = calendar.end.year
        self.mobiles: set[str] = set()
        self.new_year = {y: date(y, 1, 1).toordinal() for y in range(self.end_year - 70, self.end_year + 1)}

    def mobile(self) -> str:
        r = self.rng.random
        while True:
            tail = f"{int(r() * 100_000_000):08d}"
            if len(set(tail)) < 3:  # 13800000000-like numbers are junk, not people
                continue
            number = pick(self.rng, MOBILE_PICKER) + tail
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def person(self, index: int) -> Person:
        # random() scaled by hand: randrange/randint cost ~10x more and this runs 400,000 times
        rng = self.rng
        r = rng.random
        gender = "F" if r() < 0.72 else "M"
        low, high = pick(rng, AGE_PICKER)
        year = self.end_year - low - int(r() * (high - low + 1))
        birthday = date.fromordinal(self.new_year[year] + int(r() * 365))
        surname = pick(rng, SURNAMES)
        if r() < (0.7 if year <= 1980 else 0.2):  # the older naming style
            olds = OLD_GIVEN[gender]
            given = olds[int(r() * len(olds))]
        else:
            first, second = MODERN_GIVEN[gender]
            given = first[int(r() * len(first))] + second[int(r() * len(second))]
            if given[0] == given[1] or r() < 0.12:
                given = given[1]
        city = pick(rng, CITY_PICKER)
        d = int(r() * len(city.districts))
        road = city.roads[int(r() * len(city.roads))]
        roll = r()
        if roll < 0.55:
            street = (f"{road}{1 + int(r() * 1999)}号{ESTATES[int(r() * len(ESTATES))]}{1 + int(r() * 28)}栋"
                      f"{1 + int(r() * 4)}单元{1 + int(r() * 32)}{1 + int(r() * 4):02d}室")
        elif roll < 0.85:
            street = f"{road}{1 + int(r() * 1200)}弄{1 + int(r() * 40)}号{1 + int(r() * 24)}{1 + int(r() * 4):02d}室"
        else:
            street = (f"{road}{1 + int(r() * 999)}号{city.city_short}{OFFICES[int(r() * len(OFFICES))]}"
                      f"{'ABCD'[int(r() * 4)]}座{2 + int(r() * 37)}楼")
        postcode = POSTCODES[city.city][d]
        mobile = self.mobile()
        second = self.mobile() if r() < 0.06 else ""
        return Person(index, surname + given, len(surname), gender, birthday, mobile, second, city,
                      city.districts[d], street, postcode)


def _unique(rng: random.Random, taken: set[str], make) -> str:
    while True:
        value = make(rng)
        if value.lower() not in taken:
            taken.add(value.lower())
            return value


def _tmall_nick(person: Person):
    def make(rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.25:
            return f"tb{10**8 + int(rng.random() * 9_900_000_000)}"
        if roll < 0.5:
            tail = rng.choice((str(person.birthday.year), f"{person.birthday:%m%d}", str(rng.randint(1, 9999))))
            return name_pinyin(person) + tail
        if roll < 0.72:
            word = TMALL_NICK_WORDS[rng.randrange(len(TMALL_NICK_WORDS))]
            return f"{word}{NICK_TAILS[rng.randrange(len(NICK_TAILS))]}{rng.randint(1, 999)}"
        if roll < 0.85:
            return f"t_{rng.randint(1_400_000_000_000, 1_700_000_000_000)}"
        return f"{person.name}{rng.randint(1, 9999):04d}"

    return make


def _jd_account(person: Person):
    def make(rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.4:
            return "jd_" + "".join(rng.choices(LOWER_ALNUM, k=12))
        if roll < 0.75:
            return f"{name_pinyin(person)}_{rng.randint(1, 9999)}"
        if roll < 0.9:
            return f"{pinyin(person.surname)}{person.birthday.year}"[:20] + str(rng.randint(1, 99))
        return f"jd{rng.randint(10**9, 10**10 - 1)}"

    return make


def _email(rng: random.Random, person: Person, taken: set[str]) -> str:
    def make(rng: random.Random) -> str:
        domain = pick(rng, EMAIL_PICKER)
        if domain == "qq.com" and rng.random() < 0.6:
            return f"{rng.randint(10**7, 3 * 10**9)}@qq.com"
        suffix = rng.choice((str(person.birthday.year), f"{person.birthday:%m%d}", str(rng.randint(1, 999))))
        return f"{name_pinyin(person)}{suffix}@{domain}"

    return _unique(rng, taken, make)


def generate_population(
    seed: int,
    n_people: int,
    *,
    end_date: date,
    start_date: date | None = None,
    tmall_buyers: int | None = None,
    jd_buyers: int | None = None,
    jd_shared: float = 0.30,
    pos_members: int | None = None,
    wechat_members: int | None = None,
) -> Population:
    """`n_people` people, deterministic from `seed` (person *i* does not depend on `n_people`).

    Channel sizes default to shares of the population (Tmall 55 %, JD 25 %, POS 30 %,
    WeChat 40 %). `jd_shared` of the JD buyers are Tmall buyers too; the population must be
    at least `people_needed(tmall_buyers, jd_buyers, jd_shared)` people. Orders fall in
    [start_date, end_date) — by default the two years before `end_date`.
    """
    start_date = start_date or end_date - timedelta(days=HISTORY_DAYS)
    calendar = Calendar(start_date, end_date)
    tmall_buyers = round(n_people * 0.55) if tmall_buyers is None else tmall_buyers
    jd_buyers = round(n_people * 0.25) if jd_buyers is None else jd_buyers
    pos_members = round(n_people * 0.30) if pos_members is None else pos_members
    wechat_members = round(n_people * 0.40) if wechat_members is None else wechat_members
    if not 0 <= jd_shared <= 1:
        raise ValueError("jd_shared is a share between 0 and 1")
    shared = min(round(jd_buyers * jd_shared), tmall_buyers)
    needed = max(tmall_buyers + jd_buyers - shared, pos_members, wechat_members)
    if needed > n_people:
        raise ValueError(
            f"{n_people} people cannot hold {tmall_buyers} Tmall buyers, {jd_buyers - shared} JD-only buyers, "
            f"{pos_members} POS and {wechat_members} WeChat members; use at least {needed}"
        )

    drawer = _Drawer(seed, calendar)
    people = [drawer.person(i) for i in range(n_people)]
    drawer.mobiles.clear()

    rng = random.Random(f"{seed}:channels")
    order = list(range(n_people))
    rng.shuffle(order)
    tmall = order[:tmall_buyers]
    jd = rng.sample(tmall, shared) + order[tmall_buyers: tmall_buyers + jd_buyers - shared]
    has_store = {city.city: bool(stores_in(city.city)) for city in CITIES}
    local = [i for i in order if has_store[people[i].city.city]]
    elsewhere = [i for i in order if not has_store[people[i].city.city]]
    near = min(round(pos_members * 0.85), len(local))  # mostly people who live near a counter
    pos = local[:near] + elsewhere[: pos_members - near]
    pos += local[near: near + pos_members - len(pos)]
    wechat = rng.sample(range(n_people), wechat_members)
    population = Population(seed, calendar, people, sorted(tmall), sorted(jd), sorted(pos), sorted(wechat))

    # Channel accounts, each channel from its own stream (adding POS members never changes a nick).
    rng = random.Random(f"{seed}:tmall-accounts")
    taken: set[str] = set()
    for i in population.tmall:
        person = people[i]
        person.tmall_nick = _unique(rng, taken, _tmall_nick(person))
        person.tmall_phone = masked(person.mobile) if rng.random() < 0.12 else "'" + person.mobile
        person.tmall_address = tmall_address(person, person.district, person.street, person.postcode)
    rng = random.Random(f"{seed}:jd-accounts")
    taken = set()
    for i in population.jd:
        people[i].jd_account = _unique(rng, taken, _jd_account(people[i]))
    rng = random.Random(f"{seed}:pos-accounts")
    taken, emails = set(), set()
    for i in population.pos:
        person = people[i]
        person.pos_card = _unique(rng, taken, lambda r: f"QL{r.randint(10**9, 10**10 - 1)}")
        city = person.city.city
        if rng.random() < 0.15:  # joined while travelling, or at the counter of a friend's city
            person.pos_store = STORE_CODES[rng.randrange(len(STORE_CODES))]
        else:
            nearby = stores_near(city, person.city.region)
            person.pos_store = nearby[rng.randrange(len(nearby))]
        if rng.random() < 0.25:
            person.email = _email(rng, person, emails)
    rng = random.Random(f"{seed}:wechat-accounts")
    for i in population.wechat:
        person = people[i]
        person.wechat_openid = "oQl" + "".join(rng.choices(ALNUM + "-_", k=25))
        person.wechat_unionid = "oUn" + "".join(rng.choices(ALNUM + "-_", k=25))
        person.wechat_registered = calendar.draw(rng) - rng.randrange(400) * DAY
        if not person.email and rng.random() < 0.08:
            person.email = _email(rng, person, emails)
    return population
