"""The table of medians: one row per scenario, metric and peer, with the
peer's ratio to fastovsdb, and how figures are formatted."""


def ratio(peer, fast):
    # A zero is below the measurement's resolution (GNU time: 10 ms): no ratio.
    return peer / fast if peer and fast else None


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 100:
            return "%.0f%s" % (v, unit)
        if abs(v) >= 1:
            return "%.2f%s" % (v, unit)
        return "%.4f%s" % (v, unit)
    return "%s%s" % (v, unit)


def table(results):
    """Rows: (scenario, metric, fastovsdb value, peer, peer value, ratio)."""
    rows = []

    def add(scenario, metric, fast, peer, value, higher_is_better=False):
        r = ratio(fast, value) if higher_is_better else ratio(value, fast)
        rows.append((scenario, metric, fast, peer, value, r))

    for mode, res in results.items():
        tag = "" if mode == "standalone" else " [%s]" % mode
        if "sync" in res:
            for db in ("NB", "SB"):
                m = res["sync"][db]["medians"]
                f = m["fastovsdb"]
                for peer in [p for p in m if p != "fastovsdb"]:
                    add("sync %s%s" % (db, tag), "client cpu s", f["cpu_seconds"], peer, m[peer]["cpu_seconds"])
                    add("sync %s%s" % (db, tag), "peak RSS MB", f["max_rss_kb"] / 1024, peer,
                        m[peer]["max_rss_kb"] / 1024)
        for action in ("evacuate", "restore"):
            if action not in res:
                continue
            for g, s in res[action]["sizes"].items():
                m = s["medians"]
                fc = m["fastovsdb cold"]["wall_seconds"]
                for peer in ("floor cold", "python-idl", "ovn-nbctl chained", "ovn-nbctl per group"):
                    if peer in m:
                        label = peer + (" (%s)" % m[peer]["label"] if "label" in m[peer] else "")
                        add("%s %s groups%s" % (action, g, tag), "cold wall s", fc, label, m[peer]["wall_seconds"])
                fw = m["fastovsdb warm"]["self_seconds"]
                if "floor warm" in m:
                    add("%s %s groups%s" % (action, g, tag), "warm s (own span)", fw, "floor warm",
                        m["floor warm"]["self_seconds"])
        if "churn" in res:
            m = res["churn"]["medians"]
            f = m["fastovsdb"]
            p = m["python-idl"]
            add("chassis churn%s" % tag, "events/s", f["events_per_second"], "python-idl", p["events_per_second"],
                higher_is_better=True)
            add("chassis churn%s" % tag, "changes seen", f["events"], "python-idl", p["events"], higher_is_better=True)
            add("chassis churn%s" % tag, "latency p50 ms", f["p50_ms"], "python-idl", p["p50_ms"])
            add("chassis churn%s" % tag, "latency p99 ms", f["p99_ms"], "python-idl", p["p99_ms"])
            add("chassis churn%s" % tag, "monitor cpu s", f["cpu_seconds"], "python-idl", p["cpu_seconds"])
        if "pipeline" in res:
            m = res["pipeline"]["medians"]
            add("pipelined txns%s" % tag, "tx/s", m["fastovsdb"]["transactions_per_second"], "python-idl",
                m["python-idl"]["transactions_per_second"], higher_is_better=True)
            add("pipelined txns%s" % tag, "client cpu s", m["fastovsdb"]["transact_cpu_seconds"], "python-idl",
                m["python-idl"]["transact_cpu_seconds"])
    return rows
