"""Checks with ovn-nbctl that an evacuation or restore did what it should:
every group at once, or the sampled groups of the per-group peer."""
from .common import CHASSIS, run_quiet


def nbctl_count(remote, *cmd):
    out = run_quiet(["ovn-nbctl", "--db=" + remote, "--timeout=60", "--bare", "--columns=_uuid"] + list(cmd))
    return len([l for l in out.splitlines() if l.strip()])


def verify_ha(server, groups, members, action):
    """After evacuate: no HA_Chassis named CHASSIS, groups x (members-1) in
    all; after restore: groups x members, and CHASSIS once per group."""
    named = nbctl_count(server.remote, "find", "HA_Chassis", "chassis_name=" + CHASSIS)
    total = nbctl_count(server.remote, "list", "HA_Chassis")
    want = (0, groups * (members - 1)) if action == "evacuate" else (groups, groups * members)
    if (named, total) != want:
        raise RuntimeError("VERIFY FAILED after %s: %d HA_Chassis named %s, %d in all (expected %d and %d)"
                           % (action, named, CHASSIS, total, want[0], want[1]))
    return {"named": named, "total": total}


def check_sampled(server, action, sample, members):
    for i in sample:
        names = run_quiet(["ovn-nbctl", "--db=" + server.remote, "--bare", "--columns=chassis_name", "list",
                           "HA_Chassis"] + run_quiet(["ovn-nbctl", "--db=" + server.remote, "--bare",
                                                      "--columns=ha_chassis", "find", "HA_Chassis_Group",
                                                      "name=lxd-net%d" % i]).split()).split()
        ok = (CHASSIS not in names and len(names) == members - 1) if action == "evacuate" else \
            (names.count(CHASSIS) == 1 and len(names) == members)
        if not ok:
            raise RuntimeError("VERIFY FAILED: lxd-net%d has members %s after the per-group %s" % (i, names, action))
