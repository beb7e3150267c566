"""Discord-facing features of Majlis, one extension per feature."""
