"""Slack: slack-bolt AsyncApp (Socket Mode or HTTP), reaction listeners, Block Kit rendering."""
