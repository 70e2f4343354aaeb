"""The seam between dynamic tags and the member condition language (members.conditions).

`condition_errors` is what Tag.clean asks before a condition is stored: every problem the
condition language finds, each with its path in the tree ("all[1].any[0].value: 需要数字").
Tagging's own fields (tag has / has_not, variable tag values) will be registered into the same
registry by TaggingConfig.ready().
"""

from members.conditions.tree import ConditionError, parse


def condition_errors(condition) -> list[str]:
    if not isinstance(condition, dict) or not condition:
        return ["动态标签需要填写条件（JSON 对象）。"]
    try:
        parse(condition)
    except ConditionError as error:
        return error.errors
    return []
