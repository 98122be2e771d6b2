"""The loopback Discord and Slack servers of the platform tests, for the reliability tests too."""

from tests.adapters.conftest import server, slack

__all__ = ["server", "slack"]
