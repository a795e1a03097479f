"""The watched folder (``minutes watch``) and the long-lived scheduler (``minutes serve``).

``watcher`` holds the logic: files dropped into ROOT/inbox/ are processed once,
when complete, through the Prefect ingest flow, then moved to ROOT/done/ or
ROOT/failed/ (with NAME.error.txt). ``cli`` holds the click commands; the
Prefect deployments ``serve`` runs are in ``flows/deployments.py``.
"""
