from .errors import TaggingError
from .files import FileRowError, TagFileResult, apply_tag_file
from .static import check_may_apply, expire_static_tags, put_on, take_off

__all__ = [
    "FileRowError", "TagFileResult", "TaggingError", "apply_tag_file", "check_may_apply", "expire_static_tags",
    "put_on", "take_off",
]
