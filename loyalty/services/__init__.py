"""Every write of the loyalty ledger goes through these services (account rows locked first, ascending id)."""

from .accounts import account_for_role, accounts_for, buyer_role_type, end_role, open_account, open_role
from .earning import earn
from .jobs import expire_lots, run_daily_jobs, unlock_pending
from .merging import merge_accounts, unmerge_accounts
from .orders import AwardResult, award_orders
from .refunds import claw_back, claw_back_refund, clawback_target
from .spending import adjust, redeem, reverse_redeem
from .verification import Verification, verify_ledger

__all__ = [
    "AwardResult", "Verification", "account_for_role", "accounts_for", "adjust", "award_orders", "buyer_role_type",
    "claw_back", "claw_back_refund", "clawback_target", "earn", "end_role", "expire_lots", "merge_accounts",
    "open_account", "open_role", "redeem", "reverse_redeem", "run_daily_jobs", "unlock_pending", "unmerge_accounts",
    "verify_ledger",
]
