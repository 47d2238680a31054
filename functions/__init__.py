"""Validate Google Cloud Batch image-streaming jobs and submit them from events."""
