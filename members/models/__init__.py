from .attributes import AttributeDefinition, AttributeType
from .choices import Channel, Gender, IdentifierKind, MemberStatus, OrderStatus
from .consent import ConsentChannel, ConsentRecord, ConsentStatus
from .identities import (
    BlockedValue,
    CandidateSource,
    CandidateStatus,
    Identity,
    MatchRule,
    MergeCandidate,
    MergeRecord,
)
from .imports import ImportBatch, ImportKind, ImportRowError, ImportStatus, PendingOrderLine
from .members import PROFILE_FIELDS, Member, SourceProfile
from .orders import Order, OrderLine
from .staff import GuideBinding, StaffRole, StaffStore
from .stores import Store

__all__ = [
    "AttributeDefinition", "AttributeType", "BlockedValue", "CandidateSource", "CandidateStatus", "Channel",
    "ConsentChannel", "ConsentRecord", "ConsentStatus", "Gender", "GuideBinding", "Identity", "IdentifierKind", "ImportBatch", "ImportKind", "ImportRowError", "ImportStatus", "MatchRule",
    "Member", "MemberStatus", "MergeCandidate", "MergeRecord", "Order", "OrderLine",
    "OrderStatus", "PROFILE_FIELDS", "PendingOrderLine", "SourceProfile", "StaffRole", "StaffStore", "Store",
]
