"""Pools the demo population is drawn from (`members.demo.exports.population`): mobile
prefixes, modern given names, age bands, e-mail domains, Tmall nick words.

Pure data, no Django. Cities, districts and roads are in `places`, stores in `stores`.
"""

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
# (lowest, highest) age in years at the end date, weight
AGE_BANDS = ((19, 24, 20), (25, 34, 38), (35, 44, 24), (45, 54, 12), (55, 65, 6))
EMAIL_DOMAINS = (("qq.com", 40), ("163.com", 20), ("126.com", 8), ("gmail.com", 6), ("foxmail.com", 6),
                 ("sina.com", 5), ("hotmail.com", 5), ("icloud.com", 10))
TMALL_NICK_WORDS = ("小鱼", "橘子", "糖糖", "喵喵", "阿狸", "桃子", "星星", "豆豆", "木木", "小熊", "奶茶", "柠檬")
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
