"""Reports: challans per junction, day and rule; CSV exports of challans and decisions."""
