"""citizens."""
