"""Offline training recipes for vision models (torch is imported here only, never at run time)."""
