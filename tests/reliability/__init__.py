"""Reliability: lost notifications, crash windows, secrets and trust."""
