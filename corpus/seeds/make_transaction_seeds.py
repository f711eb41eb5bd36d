#!/usr/bin/env python3
"""Writes corpus/seeds/transaction/*: inputs of fuzz/fuzz_transaction.cpp
(format described there). Valid transactions as ovn-nbctl/northd would
send, plus the mistakes validate() must name. Run from anywhere."""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "transaction"
U1 = "550e8400-e29b-41d4-a716-446655440000"
U2 = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

SEEDS = {
    # Valid: every op kind against the Northbound schema.
    "nb_ha_group": """N OVN_Northbound
I HA_Chassis|hc1|{"chassis_name":"gw1","priority":20,"external_ids":["map",[["owner","fuzz"]]]}
I HA_Chassis|hc2|{"chassis_name":"gw2","priority":10}
I HA_Chassis_Group|grp|{"name":"g1","ha_chassis":["set",[["named-uuid","hc1"],["named-uuid","hc2"]]]}
S HA_Chassis_Group|[["name","==","g1"]]|["_uuid","name","ha_chassis"]
C 1""",
    "nb_switch_ports": """N OVN_Northbound
U Logical_Switch_Port|%s|lsp|{"name":"p1","addresses":["set",["00:00:00:00:00:01 10.0.0.1"]],"enabled":true,"type":""}
I Logical_Switch|ls|{"name":"sw0","ports":["set",[["named-uuid","lsp"]]]}
M Logical_Switch|[["name","==","sw0"]]|[["ports","insert",["set",[["uuid","%s"]]]],["external_ids","delete",["set",["stale"]]]]
P Logical_Switch_Port|[["_uuid","==",["uuid","%s"]]]|{"options":["map",[["requested-chassis","hv1"]]]}
D ACL|[["priority","<",100],["direction","==","to-lport"]]
W Logical_Switch|[["name","==","sw0"]]|["name"]|==|[{"name":"sw0"}]|1000
# fuzz comment
L ovn_northd""" % (U1, U2, U1),
    "nb_mutate_numbers": """N OVN_Northbound
M NB_Global|[]|[["nb_cfg","+=",1],["hv_cfg","*=",2],["sb_cfg","-=",3],["nb_cfg_timestamp","%=",7],["hv_cfg_timestamp","/=",2]]
S NB_Global|[]|
W NB_Global|[["nb_cfg",">=",0]]|["nb_cfg"]|!=|[{"nb_cfg":0}]|
A""",
    "nb_acl_select": """N OVN_Northbound
S ACL|[["priority",">",1000],["action","!=","drop"],["external_ids","includes",["map",[["k","v"]]]],["label","<=",5]]|["priority","match"]
P ACL|[["match","excludes","ip4"]]|{"log":false,"severity":["set",["info"]],"name":["set",[]]}
C 0""",
    "sb_chassis": """S OVN_Southbound
I Encap|e|{"type":"geneve","ip":"192.0.2.1","chassis_name":"hv1","options":["map",[["csum","true"]]]}
I Chassis|ch|{"name":"hv1","hostname":"hv1.example","encaps":["set",[["named-uuid","e"]]]}
S Port_Binding|[["chassis","==",["named-uuid","ch"]]]|["logical_port","tunnel_key"]
M Port_Binding|[["logical_port","==","lsp1"]]|[["tunnel_key","+=",1]]""",
    # Invalid: validate() must name the problem.
    "bad_unknown_table": """N OVN_Northbound
I No_Such_Table|x|{"a":1}""",
    "bad_unknown_column": """N OVN_Northbound
P Logical_Switch|[["nope","==",1]]|{"name":"a","bogus":2}""",
    "bad_types": """N OVN_Northbound
I HA_Chassis||{"chassis_name":5,"priority":1.5}
M Logical_Switch|[]|[["name","+=",1],["ports","insert",["map",[["a","b"]]]]]
S ACL|[["priority","includes",["set",[1,2]]],["match","<","x"]]|""",
    "bad_ranges": """N OVN_Northbound
I HA_Chassis||{"chassis_name":"a","priority":99999}
I ACL||{"priority":-1,"direction":"sideways","action":"allow","match":"1"}
P Logical_Switch_Port|[]|{"_uuid":["uuid","%s"],"type":["set",["a","b"]]}""" % U1,
    "bad_named_uuid": """N OVN_Northbound
I Logical_Switch|dup|{"name":"a"}
I Logical_Switch|dup|{"name":"b"}
I Logical_Switch_Port|1bad|{"name":"p"}
M Logical_Switch|[]|[["ports","insert",["set",[["named-uuid","undeclared"]]]]]""",
    "bad_database": """N OVN_Southbound
# names the wrong database for the NB schema
S Logical_Switch|[]|""",
    "bad_mutations": """N OVN_Northbound
M Logical_Switch|[]|[["name","insert","x"],["_uuid","+=",1]]
M NB_Global|[]|[["nb_cfg","/=",0],["nb_cfg","%=",0],["external_ids","insert",["map",[["k",1]]]]]
M ACL|[]|[["priority","*=",1.5],["severity","insert",["set",["a","b"]]]]
W ACL|[]|["nope"]|==|[{"priority":"x"}]|-5
U Logical_Switch|not-a-uuid||{}
C 1""",
}

# One mistake each (validate() stops at the first): bad_<n> = one line.
ONE_MISTAKE = [
    'M Logical_Switch|[]|[["name","+=",1]]',
    'M Logical_Switch|[]|[["ports","insert",["map",[["a","b"]]]]]',
    'S ACL|[["priority","includes",["set",[1,2]]]]|',
    'S ACL|[["match","<","x"]]|',
    'S ACL|[]|["nope"]',
    'I ACL||{"priority":-1}',
    'I ACL||{"direction":"sideways"}',
    'P Logical_Switch_Port|[]|{"_uuid":["uuid","%s"]}' % U1,
    'P Logical_Switch_Port|[]|{"type":["set",["a","b"]]}',
    'P Logical_Switch_Port|[]|{"name":"x"}',
    'I Logical_Switch_Port|1bad|{"name":"p"}',
    'M Logical_Switch|[]|[["ports","insert",["set",[["named-uuid","undeclared"]]]]]',
    'M Logical_Switch|[]|[["name","insert","x"]]',
    'M Logical_Switch|[]|[["_uuid","+=",1]]',
    'M NB_Global|[]|[["nb_cfg","/=",0]]',
    'M NB_Global|[]|[["nb_cfg","%=",0]]',
    'M NB_Global|[]|[["nb_cfg","+=",1.5]]',
    'M NB_Global|[]|[["external_ids","insert",["map",[["k",1]]]]]',
    'M NB_Global|[]|[["external_ids","delete",["map",[["k","v"]]]],["options","delete",["set",["k"]]]]',
    'M ACL|[]|[["priority","*=",1.5]]',
    'M ACL|[]|[["severity","insert",["set",["a","b"]]]]',
    'M HA_Chassis|[]|[["priority","+=",99999]]',
    'W ACL|[]|["nope"]|==|[]|',
    'W ACL|[]|["priority"]|==|[{"priority":"x"}]|',
    'W ACL|[]|["priority"]|==|[{"match":"x"}]|',
    'W ACL|[["nope","==",1]]|["priority"]|==|[]|',
    'D Logical_Switch|[["ports","==",["named-uuid","nope"]]]',
    'D Logical_Switch|[["name","==",["set",["a","b"]]]]',
    'S Logical_Switch|[["external_ids","==",["map",[["a",1]]]]]|',
    'S HA_Chassis|[["priority",">",1.5]]|',
    'S HA_Chassis|[["chassis_name","==",true]]|',
    'S HA_Chassis|[["_uuid","==","not a uuid"]]|',
    'S HA_Chassis|[["_version","==",["uuid","%s"]]]|' % U2,
    'I NB_Global||{}',
    'I Logical_Switch||{"name":["set",[]],"ports":["set",[["uuid","%s"]]]}' % U1,
    'I Logical_Switch||{"_version":["uuid","%s"]}' % U1,
    'U Logical_Switch|%s|a|{}\nU Logical_Switch|%s|b|{}' % (U1, U1),
    'L ',
    'P HA_Chassis_Group|[]|{"ha_chassis":["set",[["named-uuid","x"]]]}',
    'P Logical_Router|[]|{"options":["map",[["a","b"],["a","c"]]]}',
    'P Logical_Router|[]|{"enabled":["set",[true,false]]}',
    'P Logical_Router|[]|{"static_routes":["set",[1]]}',
    'M Logical_Router|[]|[["enabled","-=",true]]',
    'M Logical_Router|[]|[["static_routes","delete",["set",[["uuid","%s"]]]]]' % U2,
]


def main():
    OUT.mkdir(exist_ok=True)
    for name, text in SEEDS.items():
        (OUT / name).write_text(text + "\n")
    for i, line in enumerate(ONE_MISTAKE):
        (OUT / f"mistake_{i:02d}").write_text("N OVN_Northbound\n" + line.replace("\\n", "\n") + "\n")
    print(f"wrote {len(SEEDS) + len(ONE_MISTAKE)} seeds to {OUT}")


if __name__ == "__main__":
    main()
