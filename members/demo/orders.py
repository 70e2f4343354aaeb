"""Order habits the demo files share (`members.demo.exports.goods`). Pure data, no Django."""

# (lines in an order, weight): most orders hold one item, a few up to four
LINE_COUNT_WEIGHTS = ((1, 55), (2, 28), (3, 12), (4, 5))
