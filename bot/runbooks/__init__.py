"""Runbooks as data: the schema, a strict loader and a pure planner.

    runbooks/*.yaml --loader--> Runbook --planner(values, Cluster, ClusterState)--> Plan

``model`` (with ``params``, ``targets``, ``templates``, ``predicates``) is the schema, ``loader``
is the only module here that reads files or imports yaml, ``planner`` turns a runbook and its
parameter values into concrete steps (``plan`` holds that result), ``errors`` the exceptions.
How to write a runbook: docs/runbooks.md.
"""
