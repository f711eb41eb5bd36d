"""The scenarios, one module each: sync, ha (evacuation and restore), churn,
pipeline and failover. Each takes the parsed options and the context of
populated database files and returns its report (runs and medians)."""
