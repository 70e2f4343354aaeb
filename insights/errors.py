class InsightsError(Exception):
    """A request the insights app refuses; the message is Chinese and says what to change."""
