class LoyaltyError(Exception):
    """A loyalty rule refused the write; the message is shown to staff and API callers as-is (Chinese)."""


class InsufficientPoints(LoyaltyError):
    """Not enough available points for a redemption or a deduction."""


class IdempotencyConflict(LoyaltyError):
    """The idempotency key was already used for a different operation."""


class AccountClosed(LoyaltyError):
    """The account was merged into another person's account or its type/role is not active."""
