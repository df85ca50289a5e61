"""What a job reports: the summary (counts by consequence, impact, gene) and the count log."""
