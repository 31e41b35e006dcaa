"""The dashboard's application layer: users and roles, the audit log, the operations store, the workspace
service every page goes through, interface text, and data drift for the analyst view.

It sits on top of the flow (data → embeddings → matching → recommender) and is imported only by the front
doors (``dashboard.py``, ``cli``) and the benchmark harnesses.
"""
