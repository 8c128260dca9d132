"""The membership monitor: observations (polls, journal streams) -> incidents -> notifications."""
