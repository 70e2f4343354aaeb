"""Export resources (django-import-export) with Chinese headers, masked phones and CSV-injection
guards (core.spreadsheet: why not the library's own escaping)."""

from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from import_export.widgets import DateTimeWidget, DateWidget, DecimalWidget, IntegerWidget, NumberWidget

from core.spreadsheet import neutralize_formula
from members.cleaning.phones import masked_mobile
from members.masking import mask_text
from members.models import Member, Order

DATE = DateWidget("%Y-%m-%d")
DATETIME = DateTimeWidget("%Y-%m-%d %H:%M:%S")  # rendered in Asia/Shanghai (TIME_ZONE)


class SafeExportResource(resources.ModelResource):
    """Base resource: knows the exporting user and never emits a spreadsheet formula."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @property
    def reveal_phone(self) -> bool:
        return bool(self.user and self.user.has_perm("members.reveal_phone"))

    def phone(self, value: str) -> str:
        return value if self.reveal_phone else masked_mobile(value)

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, NumberWidget):
            return value
        # Names, e-mails and other imported text can carry a phone or an e-mail address.
        return neutralize_formula(value if self.reveal_phone else mask_text(value))


def _display(name):
    """Dehydrate a choices field to its Chinese label."""

    def dehydrate(self, obj):
        return getattr(obj, f"get_{name}_display")() if getattr(obj, name) else ""

    return dehydrate


class MemberResource(SafeExportResource):
    code = fields.Field(attribute="code", column_name="会员编号")
    name = fields.Field(attribute="name", column_name="姓名")
    gender = fields.Field(attribute="gender", column_name="性别")
    birthday = fields.Field(attribute="birthday", column_name="生日", widget=DATE)
    mobile = fields.Field(attribute="mobile", column_name="手机号")
    email = fields.Field(attribute="email", column_name="邮箱")
    province = fields.Field(attribute="province", column_name="省份")
    city = fields.Field(attribute="city", column_name="城市")
    district = fields.Field(attribute="district", column_name="区县")
    registered_channel = fields.Field(attribute="registered_channel", column_name="注册渠道")
    registered_at = fields.Field(attribute="registered_at", column_name="注册时间", widget=DATETIME)
    home_store = fields.Field(attribute="home_store__code", column_name="归属门店")
    status = fields.Field(attribute="status", column_name="状态")

    class Meta:
        model = Member
        fields = (
            "code", "name", "gender", "birthday", "mobile", "email", "province", "city", "district",
            "registered_channel", "registered_at", "home_store", "status",
        )
        export_order = fields

    dehydrate_gender = _display("gender")
    dehydrate_registered_channel = _display("registered_channel")
    dehydrate_status = _display("status")

    def dehydrate_mobile(self, obj):
        return self.phone(obj.mobile)

    def dehydrate_home_store(self, obj):
        return obj.home_store.code if obj.home_store_id else ""

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("home_store")


class OrderResource(SafeExportResource):
    channel = fields.Field(attribute="channel", column_name="渠道")
    external_no = fields.Field(attribute="external_no", column_name="订单编号")
    member = fields.Field(attribute="member__code", column_name="会员编号")
    shop_name = fields.Field(attribute="shop_name", column_name="店铺名称")
    store = fields.Field(attribute="store__code", column_name="门店编码")
    status = fields.Field(attribute="status", column_name="状态")
    payable_amount = fields.Field(attribute="payable_amount", column_name="应付金额", widget=DecimalWidget())
    paid_amount = fields.Field(attribute="paid_amount", column_name="实付金额", widget=DecimalWidget())
    refunded_amount = fields.Field(attribute="refunded_amount", column_name="退款金额", widget=DecimalWidget())
    item_count = fields.Field(attribute="item_count", column_name="商品数量", widget=IntegerWidget())
    ordered_at = fields.Field(attribute="ordered_at", column_name="下单时间", widget=DATETIME)
    paid_at = fields.Field(attribute="paid_at", column_name="付款时间", widget=DATETIME)
    completed_at = fields.Field(attribute="completed_at", column_name="完成时间", widget=DATETIME)
    is_deleted = fields.Field(attribute="is_deleted", column_name="已删除")

    class Meta:
        model = Order
        fields = (
            "channel", "external_no", "member", "shop_name", "store", "status", "payable_amount",
            "paid_amount", "refunded_amount", "item_count", "ordered_at", "paid_at", "completed_at",
            "is_deleted",
        )
        export_order = fields

    dehydrate_channel = _display("channel")
    dehydrate_status = _display("status")

    def dehydrate_member(self, obj):
        return obj.member.code if obj.member_id else ""

    def dehydrate_store(self, obj):
        return obj.store.code if obj.store_id else ""

    def dehydrate_is_deleted(self, obj):
        return "是" if obj.is_deleted else "否"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("member", "store")


class ChineseExportForm(SelectableFieldsExportForm):
    """The export page's field checkboxes by their Chinese column names ("生日", not "Birthday (生日)")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field and field.column_name else super()._get_field_label(resource, field_name)


class SafeExportMixin(ExportMixin):
    """Admin export in CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX, as the requesting user."""

    export_formats = [CSV, XLSX]
    export_form_class = ChineseExportForm
    to_encoding = "utf-8-sig"

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}
