"""Input and output shapes of the tags API."""

import django_filters
from django.utils import timezone
from rest_framework import serializers

from members.masking import shown_text
from members.models import Member, MemberStatus
from tagging.models import Tag, TagCategory, TagMembership

from .why import why

MAX_MEMBERS = 10_000  # per request; a bigger list goes through a file (admin or tag_members)


class TagCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = TagCategory
        fields = ["code", "name", "sort_order"]


# The kind as plain text in the schema: an enum named "kind" would collide with the ledger's
# (ENUM_NAME_OVERRIDES in settings could name it TagKindEnum instead).
KIND_HELP = "类型：static 手动标签 / dynamic 动态标签 / variable 变量标签"


class TagSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Tag
        fields = ["code", "name", "category", "category_name", "kind", "colour", "description", "active",
                  "guide_usable"]


class TagFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__code", help_text="分类编码")

    class Meta:
        model = Tag
        fields = ["kind", "category", "active"]


class MembershipSerializer(serializers.ModelSerializer):
    tag = serializers.CharField(source="tag.code")
    name = serializers.CharField(source="tag.name")
    kind = serializers.CharField(source="tag.kind", help_text=KIND_HELP)
    category = serializers.CharField(source="tag.category.code")
    category_name = serializers.CharField(source="tag.category.name")
    colour = serializers.CharField(source="tag.colour")
    value = serializers.SerializerMethodField(help_text="变量标签的取值（其他类型为空）")
    why = serializers.SerializerMethodField(help_text=(
        "为什么有这个标签。手动：actor, reason, since, ends_on, from_member（合并带来时原会员编号）；"
        "动态：rule_version, current_rule_version, since, leaf_values（打上时各条件的取值）, "
        "explain_now（按现在的数据逐条解释）, explain_errors, unmet_since；变量：value, evidence, since"))

    class Meta:
        model = TagMembership
        fields = ["tag", "name", "kind", "category", "category_name", "colour", "value", "since", "ends_on", "why"]

    def get_value(self, membership) -> str:
        return shown_text(membership.value, self.context["request"].user)

    def get_why(self, membership) -> dict:
        return why(membership, membership.member, self.context["request"].user)


class MemberTagsSerializer(serializers.Serializer):
    member_code = serializers.CharField()
    tags = MembershipSerializer(many=True)


class TakeOffInputSerializer(serializers.Serializer):
    tag = serializers.CharField(max_length=32, help_text="手动标签编码")
    member_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                       required=False, allow_empty=False, max_length=MAX_MEMBERS,
                                       help_text="会员 id（与 member_codes 二选一）")
    member_codes = serializers.ListField(child=serializers.CharField(max_length=32), required=False,
                                         allow_empty=False, max_length=MAX_MEMBERS, help_text="会员编号")
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_tag(self, code):
        tag = Tag.objects.select_related("category").filter(code=code).first()
        if tag is None:
            raise serializers.ValidationError(f"没有编码为「{code}」的标签。")
        return tag

    def validate(self, data):
        if ("member_ids" in data) == ("member_codes" in data):
            raise serializers.ValidationError({"member_ids": ["请提供 member_ids 或 member_codes 中的一个。"]})
        field = "member_ids" if "member_ids" in data else "member_codes"
        wanted = list(dict.fromkeys(data[field]))
        column = "pk" if field == "member_ids" else "code"
        found = dict(Member.objects.filter(status=MemberStatus.ACTIVE, **{f"{column}__in": wanted})
                     .values_list(column, "pk"))
        unknown = [str(item) for item in wanted if item not in found]
        if unknown:
            raise serializers.ValidationError(
                {field: [f"没有这些会员（或已合并、注销），未做任何更改：{', '.join(unknown[:50])}"
                         + (f" 等 {len(unknown)} 个" if len(unknown) > 50 else "")]})
        return {**data, "members": sorted(found.values())}


class PutOnInputSerializer(TakeOffInputSerializer):
    ends_on = serializers.DateField(required=False, allow_null=True, default=None,
                                    help_text="到期日（含当天，上海时间），过后自动取下；不填则一直有效")

    def validate_ends_on(self, value):
        if value is not None and value < timezone.localdate():
            raise serializers.ValidationError("到期日不能早于今天。")
        return value


class ApplyOutputSerializer(serializers.Serializer):
    tag = serializers.CharField()
    action = serializers.ChoiceField(choices=["put_on", "take_off"])
    requested = serializers.IntegerField(help_text="请求中的会员数")
    changed = serializers.IntegerField(help_text="实际打上/取下的会员数（已有/本来没有的不计）")
    changed_member_ids = serializers.ListField(child=serializers.IntegerField())
    replayed = serializers.BooleanField(help_text="true：重复请求（同一幂等键），返回的是第一次的结果，没有再次更改")
