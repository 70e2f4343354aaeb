"""Blocking keys: only profiles sharing at least one key are compared.

Several independent keys per profile, so a typo in one field (name, birthday, city,
address) still leaves another key that brings the pair together. Keys built from
common values (王伟 + 上海) make huge blocks; the caller skips blocks above a size
limit, which is why every key combines at least two fields.
"""

from .features import Features

_MIN_TOKEN = 2


def _address_keys(features: Features, limit: int = 2) -> list[str]:
    """The most distinctive address tokens: the longest that are not bare numbers."""
    words = {t for t in features.address_tokens if len(t) >= 3 and not t.isdigit()}
    return sorted(words, key=lambda t: (-len(t), t))[:limit]


def blocking_keys(features: Features) -> set[str]:
    name = features.name
    birthday = features.birthday.isoformat() if features.birthday else ""
    keys: set[str] = set()

    def add(kind: str, *parts: str) -> None:
        if all(parts):
            keys.add(f"{kind}|{'|'.join(parts)}")

    tokens = [t for t in name.tokens if len(t) >= _MIN_TOKEN]
    add("name+city", name.key, features.city)
    add("name+postcode", name.key, features.postcode)
    add("name+birthday", name.key, birthday)
    add("name+district", name.key, features.district)
    if len(name.tokens) > 1:
        add("name-tokens", "+".join(sorted(name.tokens)))  # order-free: 张三 / San Zhang
    for token in tokens:  # surname + birthday, given name + birthday (also covers swapped names)
        add("token+birthday", token, birthday)
    add("birthday+city", birthday, features.city)
    add("birthday+postcode", birthday, features.postcode)
    for word in _address_keys(features):
        for token in tokens:
            add("token+address", token, word)
        add("address+postcode", word, features.postcode)
    return keys
