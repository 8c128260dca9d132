"""Pure checks: each takes ClusterFacts and returns Findings. No I/O, no SSH, no Slack."""
