"""Level schemes: who stands at which level of each role's ladder, how they rise and fall, and why.

- `ladder`: pure rules — which level a metric reaches, what a review does, the manual floor;
- `review_dates`: when each scheme reviews (Asia/Shanghai business dates);
- `metrics`: the ranking metric for many member-roles at once (set-based);
- `services`: real-time upgrades, manual levels, the daily review job, merge/unmerge;
- `preview`: the impact of new thresholds, computed without writing;
- `benefits`: a member's current benefits and the earn-rule multiplier they give.
"""
