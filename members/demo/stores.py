"""The brand's 12 flagship counters in big-city malls.

Importable without Django set up (the export-file generator uses the store list); only
`ensure_stores` touches the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from members.models import Store

# code, name, province, city, region
STORES: tuple[tuple[str, str, str, str, str], ...] = (
    ("SH001", "上海静安嘉里中心店", "上海市", "上海市", "华东"),
    ("SH002", "上海徐家汇港汇恒隆店", "上海市", "上海市", "华东"),
    ("SH003", "上海陆家嘴国金中心店", "上海市", "上海市", "华东"),
    ("BJ001", "北京朝阳大悦城店", "北京市", "北京市", "华北"),
    ("BJ002", "北京国贸商城店", "北京市", "北京市", "华北"),
    ("HZ001", "杭州湖滨银泰in77店", "浙江省", "杭州市", "华东"),
    ("NJ001", "南京德基广场店", "江苏省", "南京市", "华东"),
    ("GZ001", "广州天河太古汇店", "广东省", "广州市", "华南"),
    ("SZ001", "深圳万象天地店", "广东省", "深圳市", "华南"),
    ("CD001", "成都远洋太古里店", "四川省", "成都市", "西南"),
    ("CQ001", "重庆解放碑时代广场店", "重庆市", "重庆市", "西南"),
    ("WH001", "武汉武商广场店", "湖北省", "武汉市", "华中"),
)


def ensure_stores() -> tuple[dict[str, Store], int]:
    """Create the demo stores that are missing; staff edits to existing ones are kept."""
    from members.models import Store

    stores, created = {}, 0
    for code, name, province, city, region in STORES:
        store, was_created = Store.objects.get_or_create(
            code=code, defaults={"name": name, "province": province, "city": city, "region": region}
        )
        stores[code] = store
        created += was_created
    return stores, created


def stores_in(city: str) -> list[str]:
    return [code for code, _, _, store_city, _ in STORES if store_city == city]


def stores_in_region(region: str) -> list[str]:
    return [code for code, _, _, _, store_region in STORES if store_region == region]


def store_name(code: str) -> str:
    return next(name for store_code, name, *_ in STORES if store_code == code)
