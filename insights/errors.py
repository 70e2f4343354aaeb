class InsightsError(Exception):
    """A request the insights app refuses; the message is Chinese and says what to change.
    `errors` lists each problem on its own (a condition's, with its path in the tree)."""

    def __init__(self, message: str, errors: list[str] | None = None, *, field: str = ""):
        super().__init__(message)
        self.errors = errors or [message]
        self.field = field  # the input at fault, when one is (a form shows the errors there)
