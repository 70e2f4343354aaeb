"""Every write in the members domain goes through these services."""

from .attributes import validate_attributes
from .consent import current_consent, record_consent
from .errors import MembersError, MergeError, ResolutionError
from .merging import merge_members, unmerge
from .profiles import create_member_manually, edit_profile
from .records import IncomingRecord
from .resolution import Resolution, resolve_record
from .review import approve_candidate, reject_candidate

__all__ = [
    "IncomingRecord", "MembersError", "approve_candidate", "reject_candidate", "MergeError", "Resolution", "ResolutionError",
    "create_member_manually", "current_consent", "edit_profile", "merge_members", "record_consent",
    "resolve_record", "unmerge", "validate_attributes",
]
