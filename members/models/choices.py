"""Enumerations shared by the members models, services and imports."""

from django.db import models


class Channel(models.TextChoices):
    TMALL = "tmall", "天猫"
    JD = "jd", "京东"
    WECHAT_MP = "wechat_mp", "微信小程序"
    POS = "pos", "门店POS"
    MALL = "mall", "品牌商城"
    API = "api", "接口"
    MANUAL = "manual", "手工录入"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"
    UNKNOWN = "U", "未知"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    MERGED = "merged", "已合并"
    ERASED = "erased", "已删除(PIPL)"


class IdentifierKind(models.TextChoices):
    MOBILE = "mobile", "手机号"
    EMAIL = "email", "邮箱"
    WECHAT_UNIONID = "wechat_unionid", "微信UnionID"
    WECHAT_OPENID = "wechat_openid", "微信OpenID"
    TMALL_OUID = "tmall_ouid", "天猫OUID"
    TMALL_OMID = "tmall_omid", "天猫OMID"
    TMALL_NICK = "tmall_nick", "天猫昵称"
    JD_ACCOUNT = "jd_account", "京东账号"
    POS_CARD = "pos_card", "门店会员卡号"
    MALL_USER = "mall_user", "商城用户ID"
    EXTERNAL_ID = "external_id", "外部系统ID"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "待付款"
    PAID = "paid", "已付款"
    SHIPPED = "shipped", "已发货"
    COMPLETED = "completed", "已完成"
    CLOSED = "closed", "已关闭"
    REFUNDED = "refunded", "已退款"
    PARTIALLY_REFUNDED = "partially_refunded", "部分退款"


# Statuses whose paid amount counts as revenue (closed/cancelled never do).
PAID_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.COMPLETED,
    OrderStatus.PARTIALLY_REFUNDED,
)
