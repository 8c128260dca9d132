"""quorumbot: keeps corosync clusters healthy from Slack and the terminal."""

__version__ = "0.1.0"
