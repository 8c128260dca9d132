"""Diagnostics: collect facts from nodes (I/O via bot.ssh), then judge them with pure checks."""
