class MembersError(Exception):
    """A domain rule refused the write; the message is shown to staff as-is (Chinese-first)."""


class ResolutionError(MembersError):
    """A record cannot be resolved to a person (e.g. it carries no usable identifier)."""


class MergeError(MembersError):
    """A merge or unmerge is not allowed in the current state."""
