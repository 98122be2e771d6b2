"""Fake platform servers that real client libraries talk to over loopback in tests."""
