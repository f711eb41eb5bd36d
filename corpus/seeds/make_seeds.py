#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_jsonrpc, fuzz_schema, fuzz_roundtrip and
fuzz_json_differential from the readable definitions below, the real
ovsdb-server traffic in corpus/captures and the schemas in corpus/schemas.

    python3 corpus/seeds/make_seeds.py      # rewrites those four folders

Each folder is emptied first, so the files are exactly what this script
defines. (The other targets' seeds are hand-written files; leave them be.)
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)

# Open vSwitch oss-fuzz issue 9044 ("json: Fix overflow in json_lex_number"):
# exponents whose accumulation overflowed an int in json_lex_number. The
# inputs are the ones OVS's tests/json.at keeps for it (and its neighbours).
OSS_FUZZ_9044 = {
    "accumulated_exponent_over_int_max": "340282366920938463461761716499e2147483647",
    "accumulated_exponent_under_int_min": "0.340282366920938463461761716499e-2147483648",
    "exponent_over_int_max": "1e9999999999999999999",
    "exponent_under_int_min": "1e-9999999999999999999",
}


def capture_messages(name="nb_session.bin"):
    """The messages of a capture, as the exact bytes the server sent."""
    data = open(os.path.join(CORPUS, "captures", name), "rb").read()
    text = data.decode("latin-1")  # one char per byte: offsets stay byte offsets
    decoder = json.JSONDecoder()
    messages, i = [], 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            return data, messages
        value, end = decoder.raw_decode(text, i)
        messages.append((data[i:end], value))
        i = end


def reset(folder):
    path = os.path.join(HERE, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(folder, name, content):
    if isinstance(content, str):
        content = content.encode("utf-8")
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(content)


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def describe(value):
    if "method" in value:
        return value["method"]
    return "reply%s" % value.get("id") if isinstance(value.get("id"), int) else "reply"


# --- fuzz_jsonrpc ------------------------------------------------------------

JSONRPC = {
    "echo_int_id": '{"id":1,"method":"echo","params":[]}',
    "echo_string_id": '{"id":"echo","method":"echo","params":["ping",{"n":1}]}',
    "echo_array_id": '{"id":[1,"a",null],"method":"echo","params":[[]]}',
    "echo_object_id": '{"id":{"b":1,"a":2,"a":3},"method":"echo","params":[{}]}',
    "echo_uint64_id": '{"id":18446744073709551615,"method":"echo","params":[1]}',
    "echo_int64_min_id": '{"id":-9223372036854775808,"method":"echo","params":[-0]}',
    "echo_real_ids": '{"id":1.5,"method":"echo","params":[1e300]}'
                     '{"id":-0.0,"method":"echo","params":[-0.0]}'
                     '{"id":1E2,"method":"echo","params":[5e-324]}',
    "echo_escapes": '{"id":"\\u00e9\\n\\"","method":"echo","params":["\\ud83d\\ude00","\\u0000","\\/"]}',
    "echo_member_order": '{"params":["x"],"method":"echo","id":7}',
    "notification": '{"id":null,"method":"update2","params":[["monid","OVN_Northbound"],{}]}',
    "notification_no_id": '{"method":"locked","params":["lock"]}',
    "method_empty": '{"id":3,"method":"","params":[]}',
    "method_nul": '{"id":3,"method":"ec\\u0000ho","params":[]}',
    "method_not_string": '{"id":3,"method":5,"params":[]}',
    "params_missing": '{"id":3,"method":"echo"}',
    "params_not_array": '{"id":3,"method":"echo","params":{}}',
    "unknown_member": '{"id":3,"method":"echo","params":[],"jsonrpc":"2.0"}',
    "duplicate_member": '{"id":3,"id":4,"method":"echo","params":[]}',
    "method_and_result": '{"id":3,"method":"echo","params":[],"result":1}',
    "response_ok": '{"id":4,"result":{"a":[1,2.5,true,null]},"error":null}',
    "response_no_error_member": '{"id":4,"result":[]}',
    "response_error_object": '{"id":5,"result":null,"error":{"error":"not leader","details":"x"}}',
    "response_error_string": '{"id":5,"error":"unknown method"}',
    "response_error_empty_string": '{"id":5,"result":null,"error":""}',
    "response_both": '{"id":5,"result":1,"error":"e"}',
    "response_null_id": '{"id":null,"result":1,"error":null}',
    "response_null_id_error": '{"id":null,"result":null,"error":"e"}',
    "response_no_id": '{"result":1,"error":null}',
    "response_with_params": '{"id":1,"result":1,"error":null,"params":[]}',
    "empty_object": "{}",
    "not_an_object": '[{"id":1,"method":"echo","params":[]}]',
    "stream_with_whitespace": ' {"id":1,"method":"echo","params":[]}\n\t'
                              '{"id":1,"result":[],"error":null}\r\n'
                              '{"id":null,"method":"update3","params":[[],"0-0",{}]}',
    "truncated_tail": '{"id":1,"method":"echo","params":[]}{"id":2,"method":"ec',
    "invalid_utf8": b'{"id":1,"method":"ech\xc3\x28","params":[]}',
    "overlong_utf8": b'{"id":1,"method":"echo","params":["\xc0\xaf"]}',
    "bad_syntax": '{"id":1,"method":"echo","params":[1,]}',
    "big_integer_param": '{"id":1,"method":"echo","params":[18446744073709551616]}',
    "real_out_of_range": '{"id":1,"method":"echo","params":[1e400]}',
    "deep_params": '{"id":1,"method":"echo","params":' + "[" * 40 + "]" * 40 + "}",
}


def make_jsonrpc():
    folder = "jsonrpc"
    reset(folder)
    for name, text in JSONRPC.items():
        write(folder, name, text)
    for name, number in OSS_FUZZ_9044.items():
        write(folder, "oss_fuzz_9044_" + name, '{"id":1,"method":"echo","params":[%s]}' % number)
    data, messages = capture_messages()
    write(folder, "capture_nb_session", data)
    for i, (raw, value) in enumerate(messages):
        write(folder, "capture_nb_session_%02d_%s" % (i, describe(value)), raw)


# --- fuzz_schema -------------------------------------------------------------

def schema(tables, name="S", version="1.0.0", **extra):
    s = {"name": name, "tables": tables}
    if version is not None:
        s["version"] = version
    s.update(extra)
    return compact(s)


T_SIMPLE = {"T": {"columns": {"name": {"type": "string"}}}}

SCHEMA = {
    "minimal": schema(T_SIMPLE),
    "no_version": schema(T_SIMPLE, version=None),
    "cksum": schema(T_SIMPLE, cksum="123 456"),
    "version_two_parts": schema(T_SIMPLE, version="1.0"),
    "version_four_parts": schema(T_SIMPLE, version="1.2.3.4"),
    "version_negative": schema(T_SIMPLE, version="1.-2.3"),
    "version_overflow": schema(T_SIMPLE, version="4294967296.0.0"),
    "version_not_string": schema(T_SIMPLE, version=1),
    "name_not_id": schema(T_SIMPLE, name="1abc"),
    "no_tables": '{"name":"S","version":"1.0.0"}',
    "empty_tables": schema({}),
    "table_no_columns": schema({"T": {"columns": {}}}),
    "reserved_column": schema({"T": {"columns": {"_uuid": {"type": "uuid"}}}}),
    "reserved_table": schema({"_T": {"columns": {"a": {"type": "string"}}}}),
    "unknown_member": schema({"T": {"columns": {"a": {"type": "string"}}, "color": "red"}}),
    "duplicate_column": '{"name":"S","version":"1.0.0","tables":{"T":{"columns":'
                        '{"a":{"type":"string"},"a":{"type":"integer"}}}}}',
    "duplicate_table": '{"name":"S","tables":{"T":{"columns":{"a":{"type":"string"}}},'
                       '"T":{"columns":{"b":{"type":"string"}}}}}',
    "all_atomic_types": schema({"T": {"columns": {
        "i": {"type": "integer"}, "r": {"type": "real"}, "b": {"type": "boolean"},
        "s": {"type": "string"}, "u": {"type": "uuid"}}}}),
    "enum_set": schema({"T": {"columns": {"mode": {"type": {"key": {
        "type": "string", "enum": ["set", ["active", "standby", "backup"]]}, "min": 0, "max": 1}}}}}),
    "enum_single": schema({"T": {"columns": {"a": {"type": {"key": {"type": "string", "enum": "drop"}}}}}}),
    "enum_integer": schema({"T": {"columns": {"a": {"type": {"key": {"type": "integer", "enum": ["set", [1, 2, 3]]}}}}}}),
    "enum_wrong_type": schema({"T": {"columns": {"a": {"type": {"key": {"type": "integer", "enum": ["set", ["x"]]}}}}}}),
    "enum_with_range": schema({"T": {"columns": {"a": {"type": {"key": {
        "type": "integer", "enum": ["set", [1]], "minInteger": 0}}}}}}),
    "integer_range": schema({"T": {"columns": {"port": {"type": {"key": {
        "type": "integer", "minInteger": 0, "maxInteger": 65535}, "min": 0, "max": 4}}}}}),
    "integer_range_inverted": schema({"T": {"columns": {"a": {"type": {"key": {
        "type": "integer", "minInteger": 10, "maxInteger": 1}}}}}}),
    "real_range": schema({"T": {"columns": {"a": {"type": {"key": {
        "type": "real", "minReal": -1.5, "maxReal": 1e10}}}}}}),
    "real_range_1e400": '{"name":"S","tables":{"T":{"columns":{"a":{"type":{"key":'
                        '{"type":"real","maxReal":1e400}}}}}}}',
    "string_length": schema({"T": {"columns": {"a": {"type": {"key": {
        "type": "string", "minLength": 1, "maxLength": 8}}}}}}),
    "string_length_on_integer": schema({"T": {"columns": {"a": {"type": {"key": {
        "type": "integer", "minLength": 1}}}}}}),
    "min_max_unlimited": schema({"T": {"columns": {"a": {"type": {
        "key": "string", "value": "string", "min": 0, "max": "unlimited"}}}}}),
    "min_over_max": schema({"T": {"columns": {"a": {"type": {"key": "string", "min": 2, "max": 1}}}}}),
    "max_zero": schema({"T": {"columns": {"a": {"type": {"key": "string", "min": 0, "max": 0}}}}}),
    "min_two": schema({"T": {"columns": {"a": {"type": {"key": "string", "min": 2, "max": 3}}}}}),
    "max_huge": schema({"T": {"columns": {"a": {"type": {"key": "string", "min": 0, "max": 4294967296}}}}}),
    "ref_strong_weak": schema({
        "A": {"columns": {"b": {"type": {"key": {"type": "uuid", "refTable": "B"}, "min": 0, "max": "unlimited"}},
                          "w": {"type": {"key": {"type": "uuid", "refTable": "B", "refType": "weak"},
                                         "min": 0, "max": 1}, "mutable": False}},
              "isRoot": True},
        "B": {"columns": {"n": {"type": "integer", "ephemeral": True},
                          "m": {"type": {"key": "string", "value": {"type": "uuid", "refTable": "A"},
                                         "min": 0, "max": "unlimited"}}}}}),
    "ref_undefined": schema({"A": {"columns": {"b": {"type": {"key": {"type": "uuid", "refTable": "Z"}}}}}}),
    "ref_on_string": schema({"A": {"columns": {"b": {"type": {"key": {"type": "string", "refTable": "A"}}}}}}),
    "ref_type_bad": schema({"A": {"columns": {"b": {"type": {"key": {"type": "uuid", "refTable": "A",
                                                                     "refType": "soft"}}}}}}),
    "ephemeral_strong_ref_to_non_root": schema({
        "A": {"columns": {"b": {"type": {"key": {"type": "uuid", "refTable": "B"}}, "ephemeral": True}},
              "isRoot": True},
        "B": {"columns": {"x": {"type": "integer"}}}}),
    "max_rows": schema({"T": {"columns": {"a": {"type": "string"}}, "maxRows": 1, "isRoot": True}}),
    "max_rows_zero": schema({"T": {"columns": {"a": {"type": "string"}}, "maxRows": 0}}),
    "max_rows_huge": schema({"T": {"columns": {"a": {"type": "string"}}, "maxRows": 99999999999}}),
    "max_rows_real": schema({"T": {"columns": {"a": {"type": "string"}}, "maxRows": 1.5}}),
    "indexes": schema({"T": {"columns": {"a": {"type": "string"}, "b": {"type": "integer"}},
                             "indexes": [["a"], ["a", "b"]], "isRoot": True}}),
    "index_unknown_column": schema({"T": {"columns": {"a": {"type": "string"}}, "indexes": [["z"]]}}),
    "index_implicit_column": schema({"T": {"columns": {"a": {"type": "string"}}, "indexes": [["_uuid"]]}}),
    "index_twice": schema({"T": {"columns": {"a": {"type": "string"}}, "indexes": [["a", "a"]]}}),
    "index_empty": schema({"T": {"columns": {"a": {"type": "string"}}, "indexes": [[]]}}),
    "index_ephemeral": schema({"T": {"columns": {"a": {"type": "string", "ephemeral": True}},
                                     "indexes": [["a"]]}}),
    "is_root_mixed": schema({"R": {"columns": {"a": {"type": "string"}}, "isRoot": True},
                             "N": {"columns": {"a": {"type": "string"}}, "isRoot": False}}),
    "is_root_not_bool": schema({"R": {"columns": {"a": {"type": "string"}}, "isRoot": 1}}),
    "table_immutable": schema({"T": {"columns": {"a": {"type": "string", "mutable": False}}, "mutable": False}}),
    "type_unknown": schema({"T": {"columns": {"a": {"type": "float"}}}}),
    "type_missing": schema({"T": {"columns": {"a": {"mutable": True}}}}),
    "not_an_object": '["name","S"]',
    "not_json": '{"name":"S",',
}


def make_schema():
    folder = "schema"
    reset(folder)
    for name, text in SCHEMA.items():
        write(folder, name, text)
    for file in sorted(os.listdir(os.path.join(CORPUS, "schemas"))):
        if file.endswith(".ovsschema"):
            with open(os.path.join(CORPUS, "schemas", file), "rb") as f:
                write(folder, "real_" + file.replace(".ovsschema", "").replace("-", "_"), f.read())
    # The schema exactly as ovsdb-server serves it (other member order).
    _, messages = capture_messages()
    for raw, value in messages:
        if isinstance(value.get("result"), dict) and "tables" in value["result"]:
            text = raw.decode("utf-8")
            result = json.loads(text)["result"]
            write(folder, "capture_get_schema_ovn_nb", compact(result))


# --- fuzz_roundtrip ----------------------------------------------------------
# Byte 0 picks the mode (byte % 4): "0" datum, "1" OVN_Northbound stream,
# "2" OVN_Southbound stream, "3" _Server stream. In datum mode byte 1 is the
# column type index (fuzz_support.hpp: 0 integer, 1 real, 2 boolean,
# 3 string, 4 uuid, 5 string set, 6 string map, 7 port set (0..65535, max 4),
# 8 enum active/standby/backup, 9 strong ref set, 10 integer->weak ref map,
# 11 real set in [-1.5, 1e10], 12 string of 1..8 chars, 13 boolean->real map
# of 1..2, 14 uuid->string map, 15 optional real).

U1 = "11111111-0000-4000-8000-000000000001"
U2 = "22222222-0000-4000-8000-000000000002"
U3 = "33333333-0000-4000-8000-000000000003"

DATUMS = {
    "integer": (0, "42"),
    "integer_min": (0, "-9223372036854775808"),
    "integer_beyond_int64": (0, "9223372036854775808"),
    "integer_as_set": (0, '["set",[7]]'),
    "real": (1, "2.5"),
    "real_whole": (1, "3"),
    "real_negative_zero": (1, "-0.0"),
    "real_tiny": (1, "5e-324"),
    "real_max": (1, "1.7976931348623157e308"),
    "real_1e400": (1, "1e400"),
    "boolean": (2, "true"),
    "string_escapes": (3, '"tab\\t quote\\" e\\u00e9 emoji\\ud83d\\ude00 slash\\/"'),
    "string_nul": (3, '"a\\u0000b"'),
    "uuid": (4, '["uuid","%s"]' % U1),
    "uuid_upper": (4, '["uuid","%s"]' % U1.upper()),
    "uuid_named": (4, '["named-uuid","row1"]'),
    "string_set": (5, '["set",["b","a","c"]]'),
    "string_set_empty": (5, '["set",[]]'),
    "string_set_dup": (5, '["set",["a","a"]]'),
    "string_map": (6, '["map",[["k2","v2"],["k1","v1"]]]'),
    "string_map_dup_key": (6, '["map",[["k","a"],["k","b"]]]'),
    "port_set": (7, '["set",[80,443,8080]]'),
    "port_set_too_big": (7, '["set",[1,2,3,4,5]]'),
    "port_out_of_range": (7, "65536"),
    "enum_ok": (8, '"standby"'),
    "enum_bad": (8, '"primary"'),
    "ref_set": (9, '["set",[["uuid","%s"],["uuid","%s"]]]' % (U2, U1)),
    "weak_ref_map": (10, '["map",[[2,["uuid","%s"]],[1,["uuid","%s"]]]]' % (U1, U2)),
    "real_range": (11, '["set",[-1.5,0,1e10]]'),
    "real_range_bad": (11, "1e11"),
    "string_length": (12, '"\\u00e9\\u00e9\\u00e9"'),
    "string_too_long": (12, '"123456789"'),
    "bool_real_map": (13, '["map",[[true,1.5],[false,-2]]]'),
    "uuid_string_map": (14, '["map",[[["uuid","%s"],"x"]]]' % U3),
    "optional_real_empty": (15, '["set",[]]'),
}


def datum_seed(type_index, text):
    return b"0" + bytes([type_index]) + text.encode("utf-8")


def notification(method, params):
    return compact({"id": None, "method": method, "params": params})


NB_UPDATES = [
    notification("update2", [["monid", "OVN_Northbound"], {
        "Logical_Switch": {U1: {"insert": {"name": "ls1", "ports": ["set", [["uuid", U2]]],
                                           "other_config": ["map", [["subnet", "10.0.0.0/24"]]]}}},
        "Logical_Switch_Port": {U2: {"insert": {"name": "lsp1", "addresses": ["set", ["router"]],
                                                "tag_request": 5, "enabled": True}}}}]),
    notification("update2", [["monid", "OVN_Northbound"], {
        "Logical_Switch_Port": {U2: {"modify": {"addresses": ["set", ["router", "dynamic"]],
                                                "tag_request": ["set", []], "name": "lsp1b"}}}}]),
    notification("update2", [["monid", "OVN_Northbound"], {
        "Logical_Switch": {U1: {"modify": {"other_config": ["map", [["subnet", "10.0.0.0/24"], ["x", "y"]]]}}}}]),
    notification("update2", [["monid", "OVN_Northbound"], {"Logical_Switch_Port": {U2: {"delete": None}}}]),
]

NB_UPDATE1 = [
    notification("update", ["mon", {
        "NB_Global": {U3: {"new": {"name": "global", "nb_cfg": 7, "options": ["map", [["mac_prefix", "0a:00"]]]}}},
        "ACL": {U1: {"new": {"priority": 1001, "direction": "to-lport", "match": "ip4", "action": "allow",
                             "log": False, "severity": ["set", []]}}}}]),
    notification("update", ["mon", {
        "ACL": {U1: {"old": {"priority": 1001}, "new": {"priority": 1002, "direction": "to-lport",
                                                        "match": "ip4", "action": "drop"}}}}]),
]

NB_UPDATE3 = [
    notification("update3", [["monid", "OVN_Northbound"], "00000000-0000-0000-0000-0000000000aa", {
        "HA_Chassis": {U1: {"insert": {"chassis_name": "ch-a", "priority": 20}}},
        "HA_Chassis_Group": {U2: {"insert": {"name": "grp", "ha_chassis": ["uuid", U1]}}}}]),
    notification("update3", [["monid", "OVN_Northbound"], "00000000-0000-0000-0000-0000000000ab", {
        "HA_Chassis": {U1: {"modify": {"priority": 30}}}}]),
]

SB_UPDATES = [
    compact({"id": 4, "result": {
        "Chassis": {U1: {"initial": {"name": "ch-a", "hostname": "host-a", "encaps": ["uuid", U2],
                                     "other_config": ["map", [["ovn-bridge-mappings", "phys:br-ex"]]]}}},
        "Encap": {U2: {"initial": {"type": "geneve", "ip": "192.0.2.1", "chassis_name": "ch-a",
                                   "options": ["map", [["csum", "true"]]]}}}}, "error": None}),
    notification("update2", [["monid", "OVN_Southbound"], {
        "Port_Binding": {U3: {"insert": {"logical_port": "lsp1", "tunnel_key": 1, "chassis": ["uuid", U1],
                                         "datapath": ["uuid", U1], "up": True}}}}]),
    notification("update2", [["monid", "OVN_Southbound"], {
        "Port_Binding": {U3: {"modify": {"chassis": ["set", []], "up": False}}}}]),
]

SERVER_UPDATES = [
    notification("update2", [["monid", "_Server"], {"Database": {U1: {"initial": {
        "name": "OVN_Northbound", "model": "clustered", "connected": True, "leader": True,
        "schema": ["set", ["{\"name\":\"OVN_Northbound\"}"]], "cid": ["uuid", U2], "sid": ["uuid", U3],
        "index": ["set", [42]]}}}}]),
    notification("update2", [["monid", "_Server"], {"Database": {U1: {"modify": {"leader": False, "index": 43}}}}]),
    notification("update2", [["monid", "_Server"], {"Database": {U1: {"modify": {"model": "unknown"}}}}]),
]


def make_roundtrip():
    folder = "roundtrip"
    reset(folder)
    for name, (type_index, text) in DATUMS.items():
        write(folder, "datum_" + name, datum_seed(type_index, text))
    for name, number in OSS_FUZZ_9044.items():
        write(folder, "oss_fuzz_9044_real_" + name, datum_seed(1, number))
        write(folder, "oss_fuzz_9044_integer_" + name, datum_seed(0, number))
    write(folder, "nb_update2_lifecycle", "1" + "\n".join(NB_UPDATES))
    write(folder, "nb_update", "1" + "".join(NB_UPDATE1))
    write(folder, "nb_update3", "1" + " ".join(NB_UPDATE3))
    write(folder, "sb_monitor_reply_and_update2", "2" + "\n".join(SB_UPDATES))
    write(folder, "server_database", "3" + "\n".join(SERVER_UPDATES))
    # The real monitor_cond reply and update2 notifications of the capture.
    _, messages = capture_messages()
    updates = [raw for raw, value in messages
               if value.get("method") == "update2" or isinstance(value.get("result"), dict)
               and "tables" not in value["result"]]
    write(folder, "nb_capture_monitor_and_updates", b"1" + b"".join(updates))


# --- fuzz_json_differential --------------------------------------------------

DIFFERENTIAL = {
    "object": '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
    "top_level_scalars": "42",
    "top_level_string": '"just a string"',
    "whitespace": ' \t\r\n[ 1 , { "a" : [ ] } ] \n',
    "int64_limits": "[9223372036854775807,-9223372036854775808,0,-0]",
    "uint64_max": "[18446744073709551615,9223372036854775808]",
    "uint64_beyond": "[18446744073709551616]",
    "int64_below": "[-9223372036854775809]",
    "long_integer": "[123456789012345678901234567890]",
    "reals": "[0.1,1e2,1E-2,-0.0,2.5e+3,123456789012345678901234567890.5]",
    "real_hard_rounding": "[2.2250738585072011e-308,2.2250738585072012e-308,9007199254740993,"
                          "9007199254740993.0,0.1000000000000000055511151231257827,1.00000000000000011102230246251565404]",
    "real_subnormal": "[5e-324,2.4703282292062327e-324,4.9406564584124654e-324]",
    "real_underflow": "[1e-400]",
    "real_overflow": "[1e400]",
    "real_max": "[1.7976931348623157e308,1.7976931348623158e308,1.7976931348623159e308]",
    "long_mantissa": "[0." + "1" * 800 + "e5]",
    "strings": '["","a\\"b","\\\\","\\/","\\b\\f\\n\\r\\t","\\u00e9","\\u20ac","\\ud83d\\ude00","\\u0000"]',
    "raw_utf8": '["\u00e9\u20ac\U0001f600"]',
    "lone_high_surrogate": '["\\ud800"]',
    "lone_low_surrogate": '["\\udc00"]',
    "surrogate_then_other": '["\\ud800\\u0041"]',
    "invalid_utf8": b'["\xc3\x28"]',
    "overlong_utf8": b'["\xc0\xaf"]',
    "utf8_surrogate": b'["\xed\xa0\x80"]',
    "utf8_above_max": b'["\xf4\x90\x80\x80"]',
    "control_in_string": b'["a\x01b"]',
    "bad_escape": '["\\x"]',
    "duplicate_keys": '{"a":1,"a":2,"b":3,"a":[4]}',
    "depth_32": "[" * 32 + "]" * 32,
    "depth_33_empty_innermost": "[" * 33 + "]" * 33,
    "depth_33_nonempty": "[" * 33 + "1" + "]" * 33,
    "depth_34": "[" * 34 + "]" * 34,
    "depth_mixed": '{"a":' * 20 + "[" * 12 + "1" + "]" * 12 + "}" * 20,
    "trailing_garbage": "[]x",
    "two_values": "[] []",
    "trailing_comma": "[1,]",
    "comment": "[1/*c*/]",
    "leading_zero": "[01]",
    "lone_minus": "[-]",
    "dot_no_digits": "[1.]",
    "exponent_no_digits": "[1e]",
    "nan_inf": "[NaN,Infinity]",
    "single_quotes": "['a']",
    "empty": "",
    "only_whitespace": "   ",
    "unclosed": '{"a":[1,2',
    "bare_literal_case": "[True]",
    "nul_after_value": b"6 \0 1",
    "nul_in_string": b'["a\0b"]',
}


def make_differential():
    folder = "json_differential"
    reset(folder)
    for name, text in DIFFERENTIAL.items():
        write(folder, name, text)
    for name, number in OSS_FUZZ_9044.items():
        write(folder, "oss_fuzz_9044_" + name, "[%s]" % number)
    _, messages = capture_messages()
    for i, (raw, value) in enumerate(messages):
        write(folder, "capture_nb_session_%02d_%s" % (i, describe(value)), raw)


if __name__ == "__main__":
    make_jsonrpc()
    make_schema()
    make_roundtrip()
    make_differential()
    for folder in ("jsonrpc", "schema", "roundtrip", "json_differential"):
        print("%-18s %3d seeds" % (folder, len(os.listdir(os.path.join(HERE, folder)))))
