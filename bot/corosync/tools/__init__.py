"""Parsers for the output of corosync's tools and the host tools a diagnosis reads."""
