"""Local stand-ins for outside services; `slack_api.FakeSlack` is the only Slack tests may talk to."""
