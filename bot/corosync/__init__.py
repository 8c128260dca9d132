"""Pure knowledge of corosync: its configuration, its tools' output and its logs.

Nothing in this package does I/O; every function takes text and returns typed values.
"""
