"""Kept only for antq/docs.py (`gx_checks.rebuild_data_docs`): delete this file once it calls
expectations.rebuild_data_docs. The GX side lives in context.py (GX objects), verdicts.py (results
-> dq rows), run.py (run_checks) and data_docs.py."""
from .data_docs import rebuild_data_docs

__all__ = ["rebuild_data_docs"]
