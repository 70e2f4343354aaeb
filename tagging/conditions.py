"""The seam between dynamic tags and the member condition language (members.conditions, being built).

`condition_errors` is what Tag.clean asks before a condition is stored. Today it only checks the
shape (a non-empty JSON object); once members.conditions offers its validator, this returns that
validator's errors ("all[1].any[0].value: 需要数字"), and tagging registers its own fields
(tag has / has_not, variable tag values) here too.
"""


def condition_errors(condition) -> list[str]:
    if not isinstance(condition, dict) or not condition:
        return ["动态标签需要填写条件（JSON 对象）。"]
    return []
