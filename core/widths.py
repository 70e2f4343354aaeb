"""Full-width forms → half-width: the first step of reading any typed or exported text. Below
members' cleaning and masking alike (cleaning names lose contact details through masking, and
masking reads full-width digits through this), so neither imports the other to get it."""

# Full-width ASCII (U+FF01–FF5E) sits exactly 0xFEE0 above its half-width twin.
HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
HALFWIDTH[0x3000] = 0x20  # ideographic space


def to_halfwidth(s: str) -> str:
    """Full-width ASCII and the ideographic space → their half-width forms."""
    return s.translate(HALFWIDTH)
