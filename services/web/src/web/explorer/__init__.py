"""The results explorer: every variant of a job, queried from the job's variant index."""
