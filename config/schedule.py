"""Every periodic job, defined in code (settings.PERIODIC_JOBS). `manage.py sync_schedule` writes it into
django-celery-beat (core/schedule.py).

Keep this list short (< 100 entries): one entry per job, never one per member or campaign.
Times are Asia/Shanghai (CELERY_TIMEZONE).
"""

BEAT_SCHEDULE = {
    "members.find_duplicate_candidates": {
        "task": "members.tasks.find_duplicate_candidates_task",
        "crontab": {"minute": "30", "hour": "3"},
        "description": "每日 03:30 扫描疑似重复会员，放入人工审核队列",
    },
    "loyalty.daily_jobs": {
        "task": "loyalty.tasks.run_daily_loyalty_jobs_task",
        "crontab": {"minute": "10", "hour": "0"},
        "description": "每日 00:10 积分到期过期（含年度清零、固定日过期）并把到期的待发放积分转为可用",
    },
    "tagging.expire_static_tags": {
        "task": "tagging.tasks.expire_static_tags_task",
        "crontab": {"minute": "20", "hour": "0"},
        "description": "每日 00:20 摘除已过结束日期的手动标签（在积分任务之后）",
    },
    "tagging.refresh_tags": {
        "task": "tagging.tasks.refresh_all_tags_task",
        "crontab": {"minute": "40", "hour": "0"},
        "description": "每日 00:40 重算全部动态标签和变量标签（在积分、等级和手动标签到期任务之后）",
    },
    "insights.refresh_insights": {
        "task": "insights.tasks.refresh_insights_task",
        "crontab": {"minute": "20", "hour": "1"},
        "description": "每日 01:20 计算会员指标、价值模型和人群规模（在积分任务和标签重算之后）",
    },
}
