#!/usr/bin/env bash
# Every group's change chained into as few ovn-nbctl invocations as ARG_MAX
# allows (`ovn-nbctl -- cmd1 -- cmd2 ...`: one transaction per invocation):
#   chained_nbctl.sh evacuate|restore CHASSIS GROUPS
# for HA_Chassis_Group lxd-net0..GROUPS-1, with $NB the ovn-nbctl database
# option:
#   evacuate  `ha-chassis-group-remove-chassis <g> CHASSIS` per group
#   restore   one `list HA_Chassis_Group` (name, external_ids) for the
#             priorities the evacuation recorded ("fastovsdb:evacuated:
#             CHASSIS"), then per recorded group `ha-chassis-group-add-chassis
#             <g> CHASSIS <priority>` and `remove` of that key
# Prints the number of invocations on stdout. Used by
# bench/evacuation/run_evacuation_bench.sh and bench/cluster/run.
set -eu
: "${NB:?set NB to the ovn-nbctl database option}"
action=$1 chassis=$2 groups=$3
key="fastovsdb:evacuated:$chassis"
names=() cmds=()
case $action in
  evacuate)
    for ((i = 0; i < groups; i++)); do
      names+=("lxd-net$i")
      cmds+=("ha-chassis-group-remove-chassis lxd-net$i $chassis")
    done
    ;;
  restore)
    while IFS= read -r line; do
      if [[ $line =~ ^([^,]+),.*\"?${key}\"?=\"?(-?[0-9]+) ]]; then
        names+=("${BASH_REMATCH[1]}")
        cmds+=("ha-chassis-group-add-chassis ${BASH_REMATCH[1]} $chassis ${BASH_REMATCH[2]}")
      fi
    done < <(ovn-nbctl "$NB" --timeout=600 --format=csv --data=bare --no-headings \
               --columns=name,external_ids list HA_Chassis_Group)
    ;;
  *) echo "chained_nbctl.sh: action is evacuate or restore" >&2; exit 2 ;;
esac
# Bytes per group's arguments, generously, so each invocation fits ARG_MAX.
per_group=$((64 + ${#key} * 2 + ${#chassis} * 2))
chunk=$((($(getconf ARG_MAX) - $(env | wc -c) - 65536) / per_group))
invocations=0
for ((s = 0; s < ${#names[@]}; s += chunk)); do
  args=()
  for ((i = s; i < s + chunk && i < ${#names[@]}; i++)); do
    # shellcheck disable=SC2206  # the command's words
    args+=(-- ${cmds[i]})
    if [ "$action" = restore ]; then args+=(-- remove HA_Chassis_Group "${names[i]}" external_ids "\"$key\""); fi
  done
  ovn-nbctl "$NB" --timeout=600 "${args[@]}"
  invocations=$((invocations + 1))
done
echo "$invocations"
