"""Parse-time planning: what the workflow needs to know before any job runs.

Nothing here imports the science packages' heavy dependencies.
"""
