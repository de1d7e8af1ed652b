"""Every scheduled job, declared in one place as data. The scheduler process (tracker.scheduler,
started by `flask --app tracker scheduler`) reads this list; nothing here starts anything.

Each job's function takes the Flask app and `today`, opens its own session, and must handle one
failing item without stopping the run."""

from dataclasses import dataclass


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", imported when the scheduler starts
    trigger: str  # "cron"
    trigger_args_setting: str  # config key holding the cron fields, e.g. {"hour": 6, "minute": 30}
    description: str


JOBS = [
    JobSpec(
        id="daily-overdue-scan",
        func="tracker.alerts.jobs:daily_scan",
        trigger="cron",
        trigger_args_setting="SCAN_SCHEDULE",
        description="每日逾期扫描：评估所有项目，生成或关闭预警",
    ),
    JobSpec(
        id="weekly-portfolio-brief",
        func="tracker.briefs.jobs:weekly_portfolio_brief",
        trigger="cron",
        trigger_args_setting="BRIEF_SCHEDULE",
        description="每周生成项目总体简报 PDF 到配置的目录",
    ),
    JobSpec(
        id="daily-backup",
        func="tracker.ops.backup:scheduled_backup",
        trigger="cron",
        trigger_args_setting="BACKUP_SCHEDULE",
        description="每日备份数据库和文件到备份目录，过期的备份按设定天数删除",
    ),
    JobSpec(
        id="monthly-report-close",
        func="tracker.reports.jobs:month_close",
        trigger="cron",
        trigger_args_setting="REPORT_JOB_SCHEDULE",
        description="每月封存上月月报快照，并按建设单位发送未报送月报清单",
    ),
]
