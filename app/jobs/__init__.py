"""Bulk work without Qt: plan (a dry run that costs only reads) -> run -> report.

A plan says exactly what a job will change, what it will skip because it is already
so, how many calls that takes and how long at the key's quota; running it changes
only what the plan lists; the report accounts for every row of the plan.
"""

from app.jobs.bulk_tags import (
    AUTOMATION_WARNING,
    CONFIRM_ABOVE,
    BulkTagPlan,
    Change,
    Scope,
    TagLine,
    plan_bulk,
    plan_merge,
)
from app.jobs.run import BulkTagReport, JobProgress, RowResult, run

__all__ = [
    "AUTOMATION_WARNING",
    "CONFIRM_ABOVE",
    "BulkTagPlan",
    "BulkTagReport",
    "Change",
    "JobProgress",
    "RowResult",
    "Scope",
    "TagLine",
    "plan_bulk",
    "plan_merge",
    "run",
]
