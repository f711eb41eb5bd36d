"""The scenario names and the quick / full presets (sizes, repetitions,
modes) that the command line starts from."""

ALL_SCENARIOS = ("sync", "evacuation", "restore", "churn", "pipeline", "failover")

PRESETS = {
    "quick": {"groups": "200,1000", "members": 3, "chassis": 1000, "ports": 10000, "reps": 3, "sample": 10,
              "churn_changes": 400, "churn_rate": 100.0, "transactions": 500, "failover_runs": 10,
              "failover_poll_ms": 20.0, "failover_budget": 300.0, "modes": ["standalone"]},
    "full": {"groups": "1000,5000", "members": 3, "chassis": 1000, "ports": 100000, "reps": 5, "sample": 20,
             "churn_changes": 3000, "churn_rate": 200.0, "transactions": 2000, "failover_runs": 10,
             "failover_poll_ms": 20.0, "failover_budget": 600.0, "modes": ["standalone", "cluster"]},
}
