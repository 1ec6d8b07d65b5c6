"""dbt in one process, one Airflow task per model: how antq_transform uses Cosmos' WATCHER mode.

Cosmos' producer task runs one `dbt build` and records each node's outcome in XCom; each model's
task (and its tests' task) reads the outcome of its node. A failed node fails its task; the task's
retry runs that model (or its tests) alone, as the per-model tasks of Cosmos' LOCAL mode did.

Here the model tasks start once the producer has finished, not beside it. Two reasons:
- `airflow dags test` (and `DAG.test()`, what `antq run` uses) runs one task at a time and a deferred task's trigger
  inline: a model task started before the producer waits on a build that never starts (seen with
  Cosmos' own layout: a seed's task went first and its trigger polled until it was killed).
- astronomer-cosmos #2947 (1.15.1): a task whose node failed early, while the build went on, used
  its retries up within the build and never re-ran its model alone. Started after the build, its
  first retry always finds the producer finished and re-runs the model.
The producer's retry does not build again (Cosmos makes it skip); with `none_failed`, the first
tasks then read what its first try recorded.
"""

from __future__ import annotations

from typing import Any

PRODUCER = "dbt_producer_watcher"  # cosmos.constants.PRODUCER_WATCHER_TASK_ID
PRODUCER_DONE = "dbt_producer_watcher_done"  # cosmos.constants.PRODUCER_WATCHER_DONE_TASK_ID


def report_after_the_build(group: Any) -> list[str]:
    """Put the first model tasks of a WATCHER DbtTaskGroup after its producer (the tasks after them
    follow through their own dependencies). Returns the task ids it made wait."""
    prefix = f"{group.group_id}." if group.group_id else ""
    tasks = {t.task_id: t for t in group.iter_tasks()}
    producer = tasks[prefix + PRODUCER]
    first = [
        t
        for tid, t in tasks.items()
        if tid not in (prefix + PRODUCER, prefix + PRODUCER_DONE) and not t.upstream_task_ids
    ]
    for task in first:
        producer >> task
        # the producer's retry is a skip (its first try's results are restored): read them then too;
        # a producer failed for good makes these upstream_failed, and the run fails
        task.trigger_rule = "none_failed"
    return sorted(t.task_id for t in first)
