"""A small bundled catalogue of the fictional brand 栖澜 QILAN (skincare, make-up, apparel)."""

from dataclasses import dataclass
from decimal import Decimal

BRAND = "栖澜"
BRAND_EN = "QILAN"


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    category: str
    price: Decimal
    popularity: float  # relative weight when picking lines
    max_quantity: int = 1


def _p(sku, title, category, price, popularity, max_quantity=1) -> Product:
    return Product(sku, f"{BRAND} {title}", category, Decimal(price), popularity, max_quantity)


CATALOGUE: tuple[Product, ...] = (
    _p("QL-SK-001", "水光精华液 30ml", "护肤", "459.00", 9),
    _p("QL-SK-002", "修护精华液 50ml", "护肤", "659.00", 5),
    _p("QL-SK-003", "玻尿酸保湿面霜 50g", "护肤", "329.00", 7),
    _p("QL-SK-004", "氨基酸洁面乳 120g", "护肤", "129.00", 8, 3),
    _p("QL-SK-005", "舒缓爽肤水 200ml", "护肤", "199.00", 6, 2),
    _p("QL-SK-006", "玻尿酸补水面膜 5片装", "护肤", "129.00", 10, 4),
    _p("QL-SK-007", "清透防晒乳 SPF50+ PA++++ 50ml", "护肤", "239.00", 7, 2),
    _p("QL-SK-008", "淡纹眼部精华 15ml", "护肤", "399.00", 4),
    _p("QL-SK-009", "温和卸妆油 200ml", "护肤", "169.00", 5, 2),
    _p("QL-MU-001", "丝绒哑光口红 #316 烂番茄", "彩妆", "189.00", 8, 2),
    _p("QL-MU-002", "水润镜面唇釉 #05", "彩妆", "159.00", 5, 2),
    _p("QL-MU-003", "持妆粉底液 30ml 象牙白", "彩妆", "299.00", 5),
    _p("QL-MU-004", "柔焦控油散粉 8g", "彩妆", "229.00", 4),
    _p("QL-MU-005", "大地色九色眼影盘", "彩妆", "269.00", 3),
    _p("QL-BD-001", "白茶香氛身体乳 250ml", "身体护理", "149.00", 5, 2),
    _p("QL-BD-002", "护手霜 30g×3支装", "身体护理", "99.00", 6, 3),
    _p("QL-FR-001", "雪松木质调淡香水 50ml", "香氛", "499.00", 3),
    _p("QL-AP-001", "重磅纯棉圆领T恤", "服饰", "199.00", 7, 3),
    _p("QL-AP-002", "羊毛混纺针织开衫", "服饰", "599.00", 3),
    _p("QL-AP-003", "桑蚕丝衬衫", "服饰", "899.00", 2),
    _p("QL-AP-004", "高腰垂感阔腿裤", "服饰", "459.00", 3),
    _p("QL-AP-005", "法式碎花连衣裙", "服饰", "699.00", 3),
    _p("QL-AP-006", "双面羊绒大衣", "服饰", "2599.00", 1),
    _p("QL-AP-007", "轻薄白鸭绒羽绒服", "服饰", "1299.00", 2),
    _p("QL-AP-008", "裸感瑜伽运动套装", "服饰", "499.00", 2),
    _p("QL-AC-001", "真丝发带", "配饰", "129.00", 3, 2),
    _p("QL-AC-002", "帆布托特包", "配饰", "259.00", 3),
    _p("QL-AC-003", "羊绒围巾", "配饰", "799.00", 2),
    _p("QL-GS-001", "水光护肤礼盒(精华+面霜+爽肤水)", "礼盒", "899.00", 3),
    _p("QL-GS-002", "口红礼盒 3支装", "礼盒", "499.00", 2),
)

# Added at price 0 to bigger orders, as brands do.
GIFT = _p("QL-GF-001", "【赠品】水光精华小样 5ml", "赠品", "0.00", 0)

WEIGHTS = tuple(p.popularity for p in CATALOGUE)
