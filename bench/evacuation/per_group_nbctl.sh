#!/usr/bin/env bash
# What a cluster manager that shells out to ovn-nbctl does, group by group:
#   per_group_nbctl.sh evacuate|restore CHASSIS INDEX...
# for each HA_Chassis_Group lxd-net<INDEX>, with $NB the ovn-nbctl database
# option (e.g. --db=unix:/path/nb.sock):
#   evacuate  `find HA_Chassis chassis_name=CHASSIS`, `find HA_Chassis_Group
#             name=<g>` (its ha_chassis), then, if one is a member,
#             `ha-chassis-group-remove-chassis <g> CHASSIS`
#   restore   `get` the group's external_ids "fastovsdb:evacuated:CHASSIS"
#             (the priority the evacuation recorded), then, if set,
#             `ha-chassis-group-add-chassis <g> CHASSIS <priority>` and
#             `remove` that key, in one ovn-nbctl
# Prints one line per group: INDEX START END (bash EPOCHREALTIME). Used by
# bench/evacuation/run_evacuation_bench.sh and bench/cluster/run, which time
# it on a sample of the groups and scale.
set -eu
: "${NB:?set NB to the ovn-nbctl database option}"
action=$1 chassis=$2
shift 2
key="fastovsdb:evacuated:$chassis"
for i in "$@"; do
  t0=$EPOCHREALTIME
  case $action in
    evacuate)
      members=$(ovn-nbctl "$NB" --bare --columns=_uuid find HA_Chassis "chassis_name=$chassis")
      group=$(ovn-nbctl "$NB" --bare --columns=ha_chassis find HA_Chassis_Group "name=lxd-net$i")
      hit=
      for m in $members; do
        case " $group " in *" $m "*) hit=1 ;; esac
      done
      if [ -n "$hit" ]; then ovn-nbctl "$NB" ha-chassis-group-remove-chassis "lxd-net$i" "$chassis"; fi
      ;;
    restore)
      priority=$(ovn-nbctl "$NB" --if-exists get HA_Chassis_Group "lxd-net$i" "external_ids:\"$key\"")
      priority=${priority//\"/}
      if [ -n "$priority" ]; then
        ovn-nbctl "$NB" ha-chassis-group-add-chassis "lxd-net$i" "$chassis" "$priority" \
          -- remove HA_Chassis_Group "lxd-net$i" external_ids "\"$key\""
      fi
      ;;
    *) echo "per_group_nbctl.sh: action is evacuate or restore" >&2; exit 2 ;;
  esac
  echo "$i $t0 $EPOCHREALTIME"
done
