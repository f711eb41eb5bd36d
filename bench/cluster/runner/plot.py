"""--plot: evacuation time against groups, log-log, drawn with gnuplot from
the standalone (else the first mode's) medians."""
import subprocess

from .common import log


def plot(results, path):
    res = results.get("standalone") or next(iter(results.values()))
    if "evacuate" not in res:
        log("--plot: no evacuation results to draw")
        return
    sizes = sorted(int(g) for g in res["evacuate"]["sizes"])
    series = [("fastovsdb cold", "wall_seconds"), ("fastovsdb warm", "self_seconds"), ("floor cold", "wall_seconds"),
              ("floor warm", "self_seconds"), ("python-idl", "wall_seconds"), ("ovn-nbctl chained", "wall_seconds"),
              ("ovn-nbctl per group", "wall_seconds")]
    data = path + ".dat"
    with open(data, "w") as f:
        f.write("# groups " + " ".join('"%s"' % s for s, _ in series) + "\n")
        for g in sizes:
            m = res["evacuate"]["sizes"][str(g)]["medians"]
            f.write("%d %s\n" % (g, " ".join("%.6g" % m[s][k] for s, k in series)))
    titles = [s + (" (sampled, scaled)" if s == "ovn-nbctl per group" else "") +
              (" (own span)" if k == "self_seconds" else "") for s, k in series]
    plots = ", ".join("'%s' using 1:%d with linespoints title '%s'" % (data, i + 2, t) for i, t in enumerate(titles))
    script = ("set terminal pngcairo size 900,600 noenhanced\n" if "pngcairo" in terminals() else
              "set terminal png size 900,600 noenhanced\n")
    script += ("set output '%s'\nset logscale xy\nset xlabel 'HA chassis groups'\nset ylabel 'seconds'\n"
               "set title 'Evacuating one chassis from every group (medians, log-log)'\nset key top left\n"
               "set grid\nplot %s\n" % (path, plots))
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    log("plot written to %s (data %s)" % (path, data))


def terminals():
    r = subprocess.run(["gnuplot", "-e", "set terminal"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.stdout
