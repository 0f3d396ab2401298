#!/usr/bin/env bash
# Large configurations through wgf, on the WireGuard LAB_WG names (tests/vm/ runs it
# against the kernel module, where a device is written in page-sized messages and
# read back in dumps that split peers across messages):
#   - 2,000 peers with two allowed IPs each (tests/bench/gen's network)
#   - one of them with 130,560 allowed IPs (its lans, /32s in 172.16.0.0/15)
# Each: apply, then wg(8)'s view equals the configuration written independently
# (gen's setconf file), a plan is empty and a second apply writes nothing.
# (test_wg_backend.sh counts the page-sized messages of a 130,560-IP peer.)
# The hub's key file holds an unclamped private key: the kernel keeps it clamped,
# and wgf must still see no change.
# usage: tests/vm/test_large.sh [BUILD_DIR]   (root)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/lib.sh"
lab_start "${1:-build}"
N=${LARGE_PEERS:-2000} BIG=${LARGE_ALLOWED_IPS:-130560}

lab_host hub
# an unclamped key: low three bits and the top bit set
python3 - "$LAB_DIR/hub.key" <<'PY'
import base64, os, sys
k = bytearray(os.urandom(32)); k[0] |= 7; k[31] |= 0xC0
with open(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write(base64.b64encode(bytes(k)).decode() + "\n")
PY
python3 "$here/../bench/gen" "$LAB_DIR/g" --hub-key "$LAB_DIR/hub.key" --peers "$N" --seed 5 >/dev/null
repo=$LAB_DIR/g/repo

# expected: peer -> sorted allowed IPs, from the setconf file; actual: from wg show dump
want() {
	python3 - "$LAB_DIR/g/setconf.conf" "$@" <<'PY'
import sys
peers, cur = {}, None
for line in open(sys.argv[1]):
    k, _, v = line.partition("=")
    k, v = k.strip(), v.strip()
    if k == "PublicKey":
        cur = peers.setdefault(v, [])
    elif k == "AllowedIPs":
        cur += [x.strip() for x in v.split(",")]
for extra in sys.argv[2:]:   # KEY@FILE: more allowed IPs for KEY, one a line
    key, _, path = extra.partition("@")
    peers[key] += open(path).read().split()
for key in sorted(peers):
    print(key, ",".join(sorted(peers[key])))
PY
}
have() {
	in_host hub wg show wg0 dump | python3 -c '
import sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin][1:]
for r in sorted(rows):
    print(r[0], ",".join(sorted(r[3].split(","))) if r[3] != "(none)" else "")'
}
same_config() {   # [KEY@FILE]...: the device holds exactly the setconf file's peers (plus EXTRA)
	want "$@" >"$LAB_DIR/want"; have >"$LAB_DIR/have"
	cmp -s "$LAB_DIR/want" "$LAB_DIR/have" && return 0
	diff "$LAB_DIR/want" "$LAB_DIR/have" | head -n 4 | cut -c1-200 | sed 's/^/#   /'
	return 1
}
# TAG: plan empty (exit 0), and a second apply exits 0 and writes nothing to WireGuard
converged() { lab_converged hub "$repo" "$1"; }

t=$(date +%s%N)
wgf_on hub apply --yes "$repo" >"$LAB_DIR/apply1" 2>&1; rc=$?
echo "# $N peers: apply from empty $(ms_since "$t") ms"
check "$N peers: apply succeeds" test $rc -eq 0
[ $rc -eq 0 ] || tail -n 5 "$LAB_DIR/apply1" | sed 's/^/#   /'
check "$N peers: wg(8) shows $N peers" test "$(in_host hub wg show wg0 peers | wc -l)" -eq "$N"
check "$N peers: every peer's allowed IPs exactly as configured" same_config
converged "$N peers"
check "unclamped key: the device's public key is the one derived from the key file" \
	test "$(in_host hub wg show wg0 public-key)" = "$(wg pubkey <"$LAB_DIR/hub.key")"
if [ "$LAB_WG" = kernel ]; then
	check "unclamped key: the kernel stores it clamped (so wgf compares after clamping)" \
		test "$(in_host hub wg show wg0 private-key)" != "$(cat "$LAB_DIR/hub.key")"
fi

# one peer with $BIG allowed IPs
big=$(awk 'NR == 1 { print $2 }' "$LAB_DIR/g/peers.tsv")
bigfile=$(awk 'NR == 1 { print $5 }' "$LAB_DIR/g/peers.tsv")
python3 - "$BIG" "$repo/$bigfile" "$LAB_DIR/big.ips" <<'PY'
import ipaddress, sys
n, yaml, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = int(ipaddress.IPv4Address("172.16.0.0"))
ips = ["%s/32" % ipaddress.IPv4Address(base + i) for i in range(n)]
with open(yaml, "a") as f:
    f.write("  lans:\n" + "".join("    - %s\n" % p for p in ips))
with open(out, "w") as f:
    f.write("\n".join(ips) + "\n")
PY
wgf_on hub plan "$repo" >"$LAB_DIR/plan-big" 2>&1; rc=$?
check "$BIG allowed IPs: plan exits 2 and changes that one peer, adding its routes" test $rc -eq 2 -a \
	"$(grep -c '^  ~ peer ' "$LAB_DIR/plan-big")" -eq 1 -a "$(grep -c '^  + route ' "$LAB_DIR/plan-big")" -eq "$BIG"
t=$(date +%s%N)
wgf_on hub apply --yes "$repo" >"$LAB_DIR/apply-big" 2>&1; rc=$?
echo "# one peer with $BIG allowed IPs: apply $(ms_since "$t") ms"
check "$BIG allowed IPs: apply succeeds" test $rc -eq 0
[ $rc -eq 0 ] || tail -n 5 "$LAB_DIR/apply-big" | sed 's/^/#   /'
check "$BIG allowed IPs: wg(8) shows them all" \
	test "$(in_host hub wg show wg0 allowed-ips | awk -v k="$big" '$1 == k { print NF - 1 }')" -eq $((BIG + 2))
check "$BIG allowed IPs: every peer's allowed IPs exactly as configured" same_config "$big@$LAB_DIR/big.ips"
converged "$BIG allowed IPs"

lab_done
