"""The command line of bench/cluster/run: options over a preset, the checks
for the tools it needs, then population, the scenarios in every mode and the
report, in a work folder removed at the end unless --workdir was given."""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time

from .common import T0, fail, log
from .peers import find_bin
from .plot import plot
from .population import populate_all
from .presets import ALL_SCENARIOS, PRESETS
from .report import print_report, write_json
from .scenarios.churn import scenario_churn
from .scenarios.failover import scenario_failover
from .scenarios.ha import scenario_ha
from .scenarios.pipeline import scenario_pipeline
from .scenarios.sync import scenario_sync


def parse_args(doc):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    ap.add_argument("--groups", help="comma-separated sizes, e.g. 1000,5000")
    ap.add_argument("--members", type=int)
    ap.add_argument("--chassis", type=int, help="SB Chassis rows")
    ap.add_argument("--ports", type=int, help="NB Logical_Switch_Ports of the sync scenario")
    ap.add_argument("--mode", choices=("standalone", "cluster", "both"))
    ap.add_argument("--scenarios", default=",".join(ALL_SCENARIOS))
    ap.add_argument("--reps", type=int)
    ap.add_argument("--sample", type=int)
    ap.add_argument("--churn-changes", type=int)
    ap.add_argument("--churn-rate", type=float)
    ap.add_argument("--transactions", type=int)
    ap.add_argument("--failover-runs", type=int, help="runs of the failover scenario (each on a new cluster)")
    ap.add_argument("--failover-poll-ms", type=float,
                    help="interval of the failover scenario's cluster/status polls of the survivors")
    ap.add_argument("--failover-budget", type=float,
                    help="seconds after which the failover scenario starts no further run")
    ap.add_argument("--bin-dir")
    ap.add_argument("--workdir")
    ap.add_argument("--json")
    ap.add_argument("--plot")
    args = ap.parse_args()
    preset = PRESETS[args.preset]
    for key, value in preset.items():
        if key != "modes" and getattr(args, key, None) is None:
            setattr(args, key, value)
    args.modes = preset["modes"] if args.mode is None else (["standalone", "cluster"] if args.mode == "both"
                                                            else [args.mode])
    try:
        args.group_list = sorted({int(g) for g in args.groups.split(",") if g.strip()})
    except ValueError:
        ap.error("--groups takes comma-separated integers")
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for s in args.scenario_list:
        if s not in ALL_SCENARIOS:
            ap.error("unknown scenario %r (known: %s)" % (s, ", ".join(ALL_SCENARIOS)))
    if not args.group_list or min(args.group_list) < 1:
        ap.error("--groups needs positive sizes")
    if args.members < 2:
        ap.error("--members must be at least 2 (evacuating the only member would empty the groups)")
    for name in ("reps", "sample", "chassis", "churn_changes", "transactions", "failover_runs"):
        if getattr(args, name) < 1:
            ap.error("--%s must be positive" % name.replace("_", "-"))
    if args.ports < 0 or args.churn_rate <= 0:
        ap.error("--ports must be >= 0 and --churn-rate positive")
    if args.failover_poll_ms <= 0 or args.failover_budget <= 0:
        ap.error("--failover-poll-ms and --failover-budget must be positive")
    return args


def main(doc):
    args = parse_args(doc)
    # So that the finally blocks stop the servers and remove the work folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not os.access("/usr/bin/time", os.X_OK):
        fail("needs GNU time (/usr/bin/time, Debian package time)")
    for tool in ("ovsdb-tool", "ovn-nbctl", "ovn-sbctl", "ovs-appctl"):
        if not shutil.which(tool):
            fail("needs %s (Debian packages openvswitch-common, ovn-central)" % tool)
    if args.plot and not shutil.which("gnuplot"):
        fail("--plot needs gnuplot (Debian package gnuplot-nox)")
    ctx = {"bin": find_bin(args), "groups": args.group_list}
    keep = args.workdir is not None
    args.workdir = os.path.abspath(args.workdir) if keep else tempfile.mkdtemp(prefix="fastovsdb-cluster-bench.")
    os.makedirs(args.workdir, exist_ok=True)
    servers_dir = os.path.join(args.workdir, "snapshots")
    os.makedirs(servers_dir, exist_ok=True)
    log("preset %s: groups %s x %d members, %d ports, %d chassis, modes %s, scenarios %s, reps %d; "
        "C++ tools from %s; work in %s" % (args.preset, args.group_list, args.members, args.ports, args.chassis,
                                           "+".join(args.modes), ",".join(args.scenario_list), args.reps,
                                           os.path.dirname(next(iter(ctx["bin"].values()))), args.workdir))
    results, failover = {}, None
    try:
        sc = args.scenario_list
        populate_all(args, ctx, servers_dir)
        for mode in args.modes:
            res = results.setdefault(mode, {})
            if "sync" in sc:
                res["sync"] = scenario_sync(args, ctx, mode)
            if "evacuation" in sc:
                res["evacuate"] = scenario_ha(args, ctx, mode, "evacuate")
            if "restore" in sc:
                res["restore"] = scenario_ha(args, ctx, mode, "restore")
            if "churn" in sc:
                log("chassis churn (%s): %d changes at %.0f/s per run" % (mode, args.churn_changes, args.churn_rate))
                res["churn"] = scenario_churn(args, ctx, mode)
            if "pipeline" in sc:
                log("pipelined transactions (%s): %d per run" % (mode, args.transactions))
                res["pipeline"] = scenario_pipeline(args, ctx, mode)
        if "failover" in sc:
            failover = scenario_failover(args, ctx)
    finally:
        if not keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    tg = print_report(results, args.group_list, failover)
    if args.plot:
        plot(results, os.path.abspath(args.plot))
    if args.json:
        write_json(args, results, failover, tg)
    log("done in %.0f s" % (time.monotonic() - T0))
    return 0
