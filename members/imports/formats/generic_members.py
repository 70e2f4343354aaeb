"""Our own member template: one row per channel account, plus the brand's custom attributes."""

from collections.abc import Iterator, Mapping

from members.models.choices import IdentifierKind
from members.services.records import IncomingRecord

from ..rows import Column, HeaderMatch, MemberRow, RowError
from . import limits, values
from .base import ImportFormat, ParsedRow, TableRows, display_value, header_key
from .buyers import ACCOUNT_IDENTIFIER
from .values import ValueProblem

ATTRIBUTE_PREFIX = "attribute:"
NO_IDENTITY = "没有可识别会员的信息：渠道账号、手机号、邮箱和各平台ID（微信、天猫、京东、会员卡号、商城用户ID）至少填写一项"

# Identifier columns: the column key is the IdentifierKind it fills.
IDENTIFIER_COLUMNS = [
    Column(IdentifierKind.WECHAT_UNIONID.value, "微信UnionID", aliases=("UnionID",)),
    Column(IdentifierKind.WECHAT_OPENID.value, "微信OpenID", aliases=("OpenID",)),
    Column(IdentifierKind.TMALL_OUID.value, "天猫OUID", aliases=("OUID",)),
    Column(IdentifierKind.TMALL_OMID.value, "天猫OMID", aliases=("OMID",)),
    Column(IdentifierKind.TMALL_NICK.value, "天猫昵称", aliases=("淘宝昵称",)),
    Column(IdentifierKind.JD_ACCOUNT.value, "京东账号", aliases=("京东帐号",)),
    Column(IdentifierKind.POS_CARD.value, "会员卡号", help="门店会员卡号"),
    Column(IdentifierKind.MALL_USER.value, "商城用户ID"),
]
IDENTIFIER_KINDS = tuple(column.key for column in IDENTIFIER_COLUMNS)
PROFILE_KEYS = ("name", "gender", "mobile", "email", "province", "city", "district", "address")
# How each profile column is fitted to its column (gender is mapped to one letter by cleaning).
PROFILE_FITS = {
    "name": limits.NAME, "mobile": limits.MOBILE, "email": limits.EMAIL, "province": limits.PROVINCE,
    "city": limits.CITY, "district": limits.DISTRICT, "address": limits.ADDRESS,
}
IDENTIFIER_FITS = {kind: limits.identifier(kind) for kind in IDENTIFIER_KINDS}

BASE_COLUMNS = [
    Column("channel", "渠道", required=True,
           help="会员来自哪个渠道：天猫(tmall)、京东(jd)、微信小程序(wechat_mp)、门店POS(pos)、品牌商城(mall)、接口(api)、手工录入(manual)"),
    Column("account", "渠道账号", help="会员在该渠道的账号（如会员卡号、商城用户ID）；同一渠道内唯一"),
    Column("name", "姓名"),
    Column("gender", "性别", help="男/女，也可填 M/F、1/2"),
    Column("birthday", "生日", help="如 1990-01-31、1990/1/31 或 19900131"),
    Column("mobile", "手机号", help="11 位手机号，可带 +86"),
    Column("email", "邮箱"),
    Column("province", "省份"),
    Column("city", "城市"),
    Column("district", "区县"),
    Column("address", "地址", help="详细地址；省市区可以写在地址开头"),
    Column("store_code", "门店编码", help="归属门店，须与系统中的门店编码一致"),
    Column("registered_at", "注册时间", help="如 2024-01-31 13:45:00"),
    *IDENTIFIER_COLUMNS,
    Column("sms_consent", "短信营销授权", help="是/否（也可填 同意、拒绝、退订、Y、N、1、0）；不填表示不变更授权状态"),
    Column("consent_at", "授权时间", help="同意或退订的时间，如 2024-01-31 13:45:00"),
]


class GenericMembersFormat(ImportFormat):
    key = "generic"
    label = "通用会员模板"
    kind = "members"
    channel = ""
    columns = BASE_COLUMNS
    parsers = {
        "channel": values.channel,
        "account": limits.ANY_ACCOUNT,
        **PROFILE_FITS,
        **IDENTIFIER_FITS,
        "store_code": limits.STORE_CODE,
        "registered_at": values.datetime,
        "sms_consent": values.consent,
        "consent_at": values.datetime,
    }
    examples = {
        "channel": "门店POS", "account": "8800123456", "name": "张三", "gender": "男", "birthday": "1990-01-31",
        "mobile": "13812345678", "email": "zhangsan@example.com", "province": "上海市", "city": "上海市",
        "district": "浦东新区", "address": "张江路88弄3号楼1201室", "store_code": "SH001",
        "registered_at": "2024-01-31 13:45:00", "wechat_unionid": "oUnion_abc123", "wechat_openid": "oOpen_abc123",
        "tmall_ouid": "", "tmall_omid": "", "tmall_nick": "", "jd_account": "", "pos_card": "8800123456",
        "mall_user": "", "sms_consent": "是", "consent_at": "2024-01-31 13:45:00",
    }

    def __init__(self, attribute_columns: Mapping[str, str] | None = None):
        """`attribute_columns`: header → custom attribute key (the engine's active definitions).

        A header that is also a standard column's name stays the standard column.
        """
        standard = {header_key(name) for column in BASE_COLUMNS for name in column.names}
        headers_by_key: dict[str, list[str]] = {}
        for header, key in (attribute_columns or {}).items():
            if header_key(header) not in standard:
                headers_by_key.setdefault(key, []).append(header)
        self.attribute_columns = [
            Column(ATTRIBUTE_PREFIX + key, headers[0], aliases=tuple(headers[1:]), help="自定义属性")
            for key, headers in headers_by_key.items()
        ]
        self.columns = BASE_COLUMNS + self.attribute_columns

    def with_attributes(self, attribute_columns: Mapping[str, str]) -> "GenericMembersFormat":
        return GenericMembersFormat(attribute_columns)

    def _attribute_headers(self, match: HeaderMatch) -> list[tuple[str, str]]:
        """(attribute key, header) of the custom attributes in the file.

        Also finds them among `match.unknown` when the headers were matched before the
        attributes were known (by the format without them).
        """
        unknown = {header_key(header): header for header in match.unknown}
        found = []
        for column in self.attribute_columns:
            header = match.columns.get(column.key) or next(
                (unknown[k] for k in map(header_key, column.names) if k in unknown), None
            )
            if header is not None:
                found.append((column.key.removeprefix(ATTRIBUTE_PREFIX), header))
        return found

    def parse(self, rows: TableRows, match: HeaderMatch) -> Iterator[ParsedRow]:
        h = match.columns
        profile_headers = [(key, h[key]) for key in PROFILE_KEYS if key in h]
        identifier_headers = [(kind, h[kind]) for kind in IDENTIFIER_KINDS if kind in h]
        attribute_headers = self._attribute_headers(match)
        text = values.text
        profile_fits = [(key, header, PROFILE_FITS.get(key)) for key, header in profile_headers]
        for number, row in rows:
            get = row.get
            cut: list[str] = []
            try:
                channel = values.channel(row[h["channel"]])
                store_code = limits.STORE_CODE(get(h.get("store_code"), ""))
                registered_at = values.datetime(get(h.get("registered_at"), ""))
                consent = values.consent(get(h.get("sms_consent"), ""))
                consent_at = values.datetime(get(h.get("consent_at"), ""))
                account = limits.ANY_ACCOUNT.fit(text(get(h.get("account"), "")), cut)
                profile = {key: fit.fit(text(row[header]), cut) if fit else text(row[header])
                           for key, header, fit in profile_fits}
                identifiers = {kind: IDENTIFIER_FITS[kind].fit(value, cut)
                               for kind, header in identifier_headers if (value := text(row[header]))}
            except ValueProblem as problem:
                yield from self.row_errors(number, row, match, problem.reason)
                continue
            attributes, errors = {}, []
            for key, header in attribute_headers:
                if value := text(get(header, "")):
                    try:
                        attributes[key] = limits.ATTRIBUTE.fit(value, cut)
                    except ValueProblem as problem:
                        errors.append(RowError(number, header, display_value(value), problem.reason))
            if errors:
                yield from errors
                continue
            if account and (kind := ACCOUNT_IDENTIFIER.get(channel)):
                identifiers.setdefault(kind, account)  # a POS account is the card number, etc.
            if not (account or identifiers or profile.get("mobile") or profile.get("email")):
                yield RowError(number, "", "", NO_IDENTITY)
                continue
            record = IncomingRecord(
                channel=channel,
                external_id=account,
                birthday=text(get(h.get("birthday"), "")),  # parsed (or dropped as implausible) by cleaning
                store_code=store_code,
                registered_at=registered_at,
                identifiers=identifiers,
                # Raw text: the engine validates against the attribute definitions; blanks leave values alone.
                attributes=attributes,
                **profile,
            )
            yield MemberRow(number, record, sms_consent=consent, consent_at=consent_at, cut=cut)
