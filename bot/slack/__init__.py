"""The Slack front end: Block Kit limits now; the bolt app, commands and rendering later."""
