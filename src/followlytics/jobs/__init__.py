"""Background jobs on huey: the queue instance built from settings (`queue.py`) and the periodic lifecycle
sweep (`tasks.py`, also the module a worker loads: `huey_consumer followlytics.jobs.tasks.huey`)."""
