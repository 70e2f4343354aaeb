"""Level schemes: who stands at which level of each role's ladder, how they rise and fall, and why.

- `ladder`: the levels of a scheme and which level a metric reaches (per member, real time);
- `ladder_sql`: the level rules as SQL — reached level, what a review does, the manual floor;
- `review_dates`: when each scheme reviews (Asia/Shanghai business dates);
- `metrics`: the ranking metric for many member-roles at once (set-based);
- `services`: real-time upgrades, manual levels, merge/unmerge;
- `review`: the daily review, set-based;
- `preview`: the impact of new thresholds, computed without writing;
- `benefits`: a member's current benefits and the earn-rule multiplier they give.
"""
