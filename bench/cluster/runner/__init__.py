"""The large-cluster scenario runner behind bench/cluster/run, one module per
concern: servers, population, peers, verification, the scenarios, the report
and the command line (cli.main)."""
