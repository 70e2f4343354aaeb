"""Small helpers for building the buyer record (IncomingRecord) of an order row."""

import datetime as dt

from members.models.choices import Channel, IdentifierKind

# The identifier a channel's own account number is, when a generic file gives one.
ACCOUNT_IDENTIFIER = {
    Channel.POS.value: IdentifierKind.POS_CARD.value,
    Channel.MALL.value: IdentifierKind.MALL_USER.value,
    Channel.JD.value: IdentifierKind.JD_ACCOUNT.value,
    Channel.TMALL.value: IdentifierKind.TMALL_NICK.value,
    Channel.WECHAT_MP.value: IdentifierKind.WECHAT_OPENID.value,
}

def strip_postcode(address: str) -> str:
    """The address without Tmall's trailing "(200120)" (either width of parentheses)."""
    if address[-1:] in (")", "）") and address[-8:-7] in ("(", "（") and address[-7:-1].isdigit():
        return address[:-8].rstrip()
    return address


def latest(*stamps: dt.datetime | None) -> dt.datetime | None:
    """The last of the given times: when the buyer was last seen active."""
    found = [stamp for stamp in stamps if stamp is not None]
    return max(found) if found else None
