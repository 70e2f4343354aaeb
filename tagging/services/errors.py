class TaggingError(Exception):
    """A tag operation refused for a reason the user can act on (message in Chinese)."""
