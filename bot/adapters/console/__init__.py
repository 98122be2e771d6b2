"""The terminal mode: the same service as on Discord and Slack, played by typing."""
