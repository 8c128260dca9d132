"""The lab: a real corosync cluster of systemd-nspawn nodes on one machine, for tests and rehearsal.

``spec`` is pure (names, addresses, rendered files); ``host`` is the one door to host commands;
``image``, ``network``, ``node`` and ``faults`` do the work; ``lab`` ties them together.
"""
