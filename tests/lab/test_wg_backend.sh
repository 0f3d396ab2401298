#!/usr/bin/env bash
# A WireGuard backend (reconcile/kernel/wg.c and wg_uapi.c against real wireguard-go, or
# wg_genl.c against the kernel module when LAB_WG=kernel, as in tests/vm/),
# checked with wg(8): device fields, peers, explicit resets, roaming, 10,000 peers,
# and traffic between two hosts configured only through the backend.
# usage: tests/lab/test_wg_backend.sh [BUILD_DIR]   (root)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib.sh
lab_start "${1:-build}"
CHK=$BUILD/lab/wg_backend_check
lab_need_bin "$CHK"
# WGF_LAB_WRAP runs the checker under a tool, e.g. "valgrind -q --leak-check=full --error-exitcode=9"
read -r -a CHK_CMD <<<"${WGF_LAB_WRAP:-}"
CHK_CMD+=("$CHK")

# Normalizes a `wg show IF dump` or a `wg_backend_check get` output: peers sorted,
# allowed IPs sorted. --hash replaces secrets by the checker's hash (the first 16
# hex digits of SHA-256 of the raw key); --static drops handshake and counters.
norm() {
	python3 -c '
import sys, base64, hashlib
hashit = "--hash" in sys.argv; static = "--static" in sys.argv
h = lambda s: s if s == "(none)" or not hashit else hashlib.sha256(base64.b64decode(s)).hexdigest()[:16]
lines = sys.stdin.read().splitlines()
if not lines: sys.exit(0)
dev = lines[0].split("\t"); dev[0] = h(dev[0]); print("\t".join(dev))
out = []
for l in lines[1:]:
    f = l.split("\t")
    f[1] = h(f[1]); f[3] = ",".join(sorted(f[3].split(",")))
    if static: del f[4:7]
    out.append("\t".join(f))
print("\n".join(sorted(out)))
' "$@"
}

# our get == wg show dump, on HOST IF (extra args go to norm)
get_matches_wg() {
	local h=$1 i=$2; shift 2
	local ours theirs
	ours=$(in_host "$h" "${CHK_CMD[@]}" get "$i") || return 1
	ours=$(norm "$@" <<<"$ours")
	theirs=$(in_host "$h" wg show "$i" dump | norm --hash "$@")
	[ -n "$ours" ] && [ "$ours" = "$theirs" ] && return 0
	diff <(echo "$ours") <(echo "$theirs") | head -5 >&2
	return 1
}

# the value of `wg show IF FIELD` for one peer (allowed IPs sorted)
peer_field() {
	in_host "$1" wg show "$2" "$3" | awk -v p="$4" -F'\t' '$1 == p { print $2 }' | tr ' ' '\n' | sort | paste -sd' '
}
# a peer's line in `wg show IF dump` without handshake and counters
peer_line() {
	in_host "$1" wg show "$2" dump | awk -v p="$3" -F'\t' 'NR > 1 && $1 == p { print $1, $2, $3, $4, $8 }'
}
set_desc() {   # HOST IF, description on stdin
	cat >"$LAB_DIR/desc"
	in_host "$1" "${CHK_CMD[@]}" set "$2" "$LAB_DIR/desc"
}
quiet() { "$@" >/dev/null 2>&1; }
eq() { [ "$1" = "$2" ] || { echo "  got '$1', want '$2'" >&2; return 1; }; }

# wg_dev HOST IF: a device for the backend under test
wg_dev() {
	if [ "$LAB_WG" = kernel ]; then
		in_host "$1" ip link add "$2" type wireguard
	else
		in_host "$1" "${CHK_CMD[@]}" start "$2"
	fi
}

lab_host a
if [ "$LAB_WG" = kernel ]; then
# ---- the kernel module ----
check "kernel: ip link add type wireguard" wg_dev a wgf0
check "kernel: wg(8) sees wgf0" quiet in_host a wg show wgf0
check "kernel: no UAPI socket, so wgf0 is served by the kernel" in_host a test ! -e /run/wireguard/wgf0.sock
else
# ---- starting wireguard-go ----
check "start: wg_userspace_start brings up wgf0 and its UAPI socket answers" \
	in_host a "${CHK_CMD[@]}" start wgf0
check "start: wg(8) sees wgf0" quiet in_host a wg show wgf0
out=$(in_host a "${CHK_CMD[@]}" start wgf1 /nonexistent/wireguard-go 2>&1)
check "start: missing binary gives ENOENT" grep -q "No such file or directory" <<<"$out"
out=$(WGF_WIREGUARD_GO=/nonexistent/wg-go in_host a "${CHK_CMD[@]}" start wgf1 2>&1)
check "start: \$WGF_WIREGUARD_GO is honoured" grep -q "No such file or directory" <<<"$out"
for bad in "" "a/b" "." ".." "abcdefghijklmnop"; do
	out=$(in_host a "${CHK_CMD[@]}" start "$bad" 2>&1)
	check "start: ifname '$bad' rejected" grep -q "Invalid argument" <<<"$out"
done
out=$(in_host a "${CHK_CMD[@]}" start wgf0 2>&1)
check "start: a running device is not started twice (EEXIST)" grep -q "File exists" <<<"$out"
fi
out=$(in_host a "${CHK_CMD[@]}" get nosuchwg 2>&1)
check "get: absent device gives ENODEV" grep -q "No such device" <<<"$out"
# Kernel backend: without the module (here) or with it (vm), an absent device is ENODEV.
out=$(in_host a "${CHK_CMD[@]}" get -b kernel nosuchwg 2>&1)
check "genl get: absent device gives ENODEV" grep -q "No such device" <<<"$out"
out=$(printf 'fwmark 1\n' | in_host a "${CHK_CMD[@]}" set -b kernel nosuchwg - 2>&1)
check "genl set: absent device gives ENODEV" grep -q "No such device" <<<"$out"

# ---- device fields ----
K=$(wg genkey); KPUB=$(wg pubkey <<<"$K")
set_desc a wgf0 <<EOF
private_key $K
listen_port 51820
fwmark 0x42
EOF
check "set: private key" eq "$(in_host a wg show wgf0 private-key)" "$K"
check "set: listen port" eq "$(in_host a wg show wgf0 listen-port)" 51820
check "set: fwmark" eq "$(in_host a wg show wgf0 fwmark)" 0x42
check "get: device matches wg show dump" get_matches_wg a wgf0

# ---- three peers ----
declare -a PUB PSK
for n in 1 2 3 4; do PUB[n]=$(wg genkey | wg pubkey); PSK[n]=$(wg genpsk); done
set_desc a wgf0 <<EOF
peer ${PUB[1]}
psk ${PSK[1]}
endpoint 192.0.2.1:51001
keepalive 25
allowed_ips 10.10.1.0/24,fd10:1::/64
peer ${PUB[2]}
psk ${PSK[2]}
endpoint [2001:db8::2]:51002
keepalive 15
allowed_ips 10.10.2.1/32,fd10:2::1/128
peer ${PUB[3]}
psk ${PSK[3]}
endpoint 192.0.2.3:51003
allowed_ips 10.10.3.0/24,10.10.4.0/24,fd10:3::/48
EOF
check "peers: three peers" eq "$(in_host a wg show wgf0 peers | wc -l)" 3
check "peers: PSKs" eq "$(peer_field a wgf0 preshared-keys "${PUB[1]}") $(peer_field a wgf0 preshared-keys "${PUB[3]}")" "${PSK[1]} ${PSK[3]}"
check "peers: v4 endpoint" eq "$(peer_field a wgf0 endpoints "${PUB[1]}")" "192.0.2.1:51001"
check "peers: v6 endpoint" eq "$(peer_field a wgf0 endpoints "${PUB[2]}")" "[2001:db8::2]:51002"
check "peers: keepalive" eq "$(peer_field a wgf0 persistent-keepalive "${PUB[2]}")" 15
check "peers: no keepalive" eq "$(peer_field a wgf0 persistent-keepalive "${PUB[3]}")" off
check "peers: v4+v6 allowed IPs" eq "$(peer_field a wgf0 allowed-ips "${PUB[3]}")" "10.10.3.0/24 10.10.4.0/24 fd10:3::/48"
check "peers: device fields untouched by a peer-only set" eq "$(in_host a wg show wgf0 listen-port) $(in_host a wg show wgf0 fwmark)" "51820 0x42"
check "get: three peers match wg show dump" get_matches_wg a wgf0

# ---- replace one peer's allowed IPs ----
p1=$(peer_line a wgf0 "${PUB[1]}"); p3=$(peer_line a wgf0 "${PUB[3]}")
set_desc a wgf0 <<EOF
peer ${PUB[2]}
allowed_ips 10.20.0.0/16,fd20::/32
EOF
check "replace: allowed IPs replaced" eq "$(peer_field a wgf0 allowed-ips "${PUB[2]}")" "10.20.0.0/16 fd20::/32"
check "replace: PSK, endpoint, keepalive of that peer kept" eq \
	"$(peer_field a wgf0 preshared-keys "${PUB[2]}") $(peer_field a wgf0 endpoints "${PUB[2]}") $(peer_field a wgf0 persistent-keepalive "${PUB[2]}")" \
	"${PSK[2]} [2001:db8::2]:51002 15"
check "replace: other peers intact" eq "$(peer_line a wgf0 "${PUB[1]}")/$(peer_line a wgf0 "${PUB[3]}")" "$p1/$p3"
check "get: after replace matches wg show dump" get_matches_wg a wgf0

# ---- remove one peer ----
p2=$(peer_line a wgf0 "${PUB[2]}")
set_desc a wgf0 <<EOF
peer ${PUB[3]}
remove
EOF
check "remove: peer gone" eq "$(in_host a wg show wgf0 peers | grep -c "${PUB[3]}")" 0
check "remove: other peers intact" eq "$(peer_line a wgf0 "${PUB[1]}")/$(peer_line a wgf0 "${PUB[2]}")" "$p1/$p2"

# ---- explicit resets ----
set_desc a wgf0 <<EOF
peer ${PUB[1]}
psk none
keepalive 0
EOF
check "reset: PSK cleared" eq "$(peer_field a wgf0 preshared-keys "${PUB[1]}")" "(none)"
check "reset: keepalive cleared" eq "$(peer_field a wgf0 persistent-keepalive "${PUB[1]}")" off
check "reset: endpoint and allowed IPs kept" eq \
	"$(peer_field a wgf0 endpoints "${PUB[1]}") $(peer_field a wgf0 allowed-ips "${PUB[1]}")" \
	"192.0.2.1:51001 10.10.1.0/24 fd10:1::/64"
check "get: after resets matches wg show dump" get_matches_wg a wgf0

# ---- update_only ----
set_desc a wgf0 <<EOF
peer ${PUB[4]}
update_only
keepalive 9
peer ${PUB[2]}
update_only
keepalive 7
EOF
check "update_only: absent peer not created" eq "$(in_host a wg show wgf0 peers | grep -c "${PUB[4]}")" 0
check "update_only: present peer updated" eq "$(peer_field a wgf0 persistent-keepalive "${PUB[2]}")" 7
out=$(printf 'peer %s\nendpoint 192.0.2.9:1\n' "${PUB[1]}" | in_host a "${CHK_CMD[@]}" set nosuchwg - 2>&1)
check "set: absent device gives ENODEV" grep -q "No such device" <<<"$out"

# ---- 10,000 peers ----
N=10000
lab_host big
"${CHK_CMD[@]}" gen $N "$LAB_DIR/big.desc" "$LAB_DIR/big.conf"
wg_dev big wgbig1 && wg_dev big wgbig2
t=$(date +%s%N); in_host big "${CHK_CMD[@]}" set -t wgbig1 "$LAB_DIR/big.desc" 2>"$LAB_DIR/t"; rc=$?; set_ms=$(ms_since "$t")
check "big: set of $N peers in one message" eq "$rc" 0
t=$(date +%s%N); in_host big wg setconf wgbig2 "$LAB_DIR/big.conf"; setconf_ms=$(ms_since "$t")
check "big: $N peers read back by wg" eq "$(in_host big wg show wgbig1 peers | wc -l)" $N
a=$(in_host big wg show wgbig1 dump | norm --hash | tail -n +2)
b=$(in_host big wg show wgbig2 dump | norm --hash | tail -n +2)
check "big: same peers as wg setconf of the equivalent config" eq "$(md5sum <<<"$a")" "$(md5sum <<<"$b")"
check "big: get matches wg show dump exactly" get_matches_wg big wgbig1
t=$(date +%s%N); in_host big "${CHK_CMD[@]}" get -t wgbig1 >/dev/null 2>>"$LAB_DIR/t"; get_ms=$(ms_since "$t")
t=$(date +%s%N); in_host big wg showconf wgbig2 >/dev/null; showconf_ms=$(ms_since "$t")
sed 's/^/# /' "$LAB_DIR/t"
echo "# $N peers, wall time incl. process start: wgf set ${set_ms} ms, wg setconf ${setconf_ms} ms; wgf get ${get_ms} ms, wg showconf ${showconf_ms} ms"

# ---- one peer with 130,560 allowed IPs ----
# The kernel takes them in page-sized messages (the first carries the peer's
# flags, the rest only its key and more allowed IPs) and dumps them back split
# across messages too; wireguard-go takes one request.
python3 - "$LAB_DIR/wide.desc" "$LAB_DIR/wide.conf" "$(wg genkey | wg pubkey)" <<'PY'
import ipaddress, sys
desc, conf, key = sys.argv[1:]
base = int(ipaddress.IPv4Address("10.128.0.0"))
v4 = ["%s/32" % ipaddress.IPv4Address(base + i) for i in range(65280)]
v6 = ["fd00:%x::/32" % i for i in range(65280)]   # 2 x 65,280 = 130,560
ips = ",".join(v4 + v6)
open(desc, "w").write("peer %s\nallowed_ips %s\n" % (key, ips))
open(conf, "w").write("[Peer]\nPublicKey = %s\nAllowedIPs = %s\n" % (key, ips))
PY
wg_dev big wgwide1 && wg_dev big wgwide2
in_host big strace -qq -e trace=sendto,sendmsg,write -o "$LAB_DIR/wide.strace" \
	"${CHK_CMD[@]}" set wgwide1 "$LAB_DIR/wide.desc"
check "wide: set of one peer with 130,560 allowed IPs" test $? -eq 0
in_host big wg setconf wgwide2 "$LAB_DIR/wide.conf"
check "wide: wg(8) shows 130,560 allowed IPs" test "$(in_host big wg show wgwide1 allowed-ips | awk '{ print NF - 1 }')" -eq 130560
a=$(in_host big wg show wgwide1 dump | norm --hash | tail -n +2)
b=$(in_host big wg show wgwide2 dump | norm --hash | tail -n +2)
check "wide: same as wg setconf of the same peer" eq "$(md5sum <<<"$a")" "$(md5sum <<<"$b")"
check "wide: get merges the split dump back, exactly as wg show dump" get_matches_wg big wgwide1
if [ "$LAB_WG" = kernel ]; then
	msgs=$(grep -c 'nlmsg_type=wireguard' "$LAB_DIR/wide.strace")
	echo "# wide: $msgs generic netlink messages"
	check "wide: sent in page-sized messages" test "$msgs" -gt 100
fi
in_host big ip link del wgwide1; in_host big ip link del wgwide2

if [ "$LAB_WG" = kernel ]; then
	# A dump that a change interrupts (NLM_F_DUMP_INTR) is read again, whole: get
	# the 10,000 peers while another process changes one of them twice a second,
	# until some get needed more than one dump (strace counts them).
	one=$(in_host big wg show wgbig1 peers | head -n 1)
	in_host big sh -c "i=0; while [ ! -e '$LAB_DIR/stop' ]; do i=\$((i % 100 + 1));
		wg set wgbig1 peer '$one' persistent-keepalive \$i; sleep 0.5; done" & chg=$!
	gets=0 complete=0 retried=0
	while [ $gets -lt 40 ] && [ $retried -eq 0 ]; do
		gets=$((gets + 1))
		in_host big strace -qq -e trace=sendto -o "$LAB_DIR/dump" "${CHK_CMD[@]}" get wgbig1 >"$LAB_DIR/get" 2>&1 &&
			[ "$(wc -l <"$LAB_DIR/get")" -eq $((N + 1)) ] && complete=$((complete + 1))
		[ "$(grep -c 'nlmsg_type=wireguard' "$LAB_DIR/dump")" -gt 1 ] && retried=1
	done
	touch "$LAB_DIR/stop"; wait "$chg"
	check "interrupted dump: every get under changes returned all $N peers ($complete of $gets)" test $complete -eq $gets
	check "interrupted dump: a get that was interrupted dumped again (after $gets gets)" test $retried -eq 1
fi

# ---- traffic between two hosts configured only through the backend ----
lab_host t1; lab_host t2
lab_link t1 198.51.100.1/24 t2 198.51.100.2/24 2001:db8:100::1/64 2001:db8:100::2/64 >/dev/null
K1=$(wg genkey); K2=$(wg genkey); P1=$(wg pubkey <<<"$K1"); P2=$(wg pubkey <<<"$K2")
D=$(wg genkey | wg pubkey); SPSK=$(wg genpsk)
wg_dev t1 wgt && wg_dev t2 wgt
# t1's endpoint for t2 names a wrong port: t1 must learn the real one when t2 connects.
set_desc t1 wgt <<EOF
private_key $K1
listen_port 51820
peer $P2
psk $SPSK
endpoint 198.51.100.2:9
allowed_ips 10.99.0.2/32,fd99::2/128
peer $D
allowed_ips 10.98.0.0/24
EOF
set_desc t2 wgt <<EOF
private_key $K2
listen_port 51821
peer $P1
psk $SPSK
endpoint 198.51.100.1:51820
allowed_ips 10.99.0.1/32,fd99::1/128
EOF
for h in 1 2; do
	in_host t$h ip addr add 10.99.0.$h/24 dev wgt
	in_host t$h ip addr add fd99::$h/64 dev wgt nodad
	in_host t$h ip link set wgt up
done
check "traffic: IPv4 ping t2 -> t1 over the tunnel" quiet in_host t2 ping -c 2 -W 3 -q 10.99.0.1
check "roaming: get reads back the roamed endpoint" eq \
	"$(in_host t1 "${CHK_CMD[@]}" get wgt | awk -v p="$P2" -F'\t' '$1 == p { print $3 }')" "198.51.100.2:51821"
check "roaming: wg agrees" eq "$(peer_field t1 wgt endpoints "$P2")" "198.51.100.2:51821"
check "traffic: IPv4 ping t1 -> t2" quiet in_host t1 ping -c 2 -W 3 -q 10.99.0.2
check "traffic: IPv6 ping t1 -> t2" quiet in_host t1 ping -6 -c 2 -W 3 -q fd99::2
check "traffic: IPv6 ping t2 -> t1" quiet in_host t2 ping -6 -c 2 -W 3 -q fd99::1
check "get: with traffic matches wg show dump (status fields aside)" get_matches_wg t1 wgt --static

# Replace another peer's allowed IPs while traffic flows: t2's session must not notice.
in_host t1 ping -c 25 -i 0.2 -W 2 10.99.0.2 >"$LAB_DIR/ping" 2>&1 &
ping_pid=$!
sleep 1
before=$(in_host t1 "${CHK_CMD[@]}" get wgt | awk -v p="$P2" -F'\t' '$1 == p { print $5, $6 }')
line_before=$(peer_line t1 wgt "$P2")
set_desc t1 wgt <<EOF
peer $D
allowed_ips 10.98.1.0/24,fd98::/64
EOF
sleep 1
after=$(in_host t1 "${CHK_CMD[@]}" get wgt | awk -v p="$P2" -F'\t' '$1 == p { print $5, $6 }')
wait "$ping_pid"
check "live: other peer's allowed IPs replaced" eq "$(peer_field t1 wgt allowed-ips "$D")" "10.98.1.0/24 fd98::/64"
check "live: session peer's line unchanged" eq "$(peer_line t1 wgt "$P2")" "$line_before"
check "live: session peer's handshake untouched" eq "${after% *}" "${before% *}"
check "live: session peer's rx counter kept growing" test "${after#* }" -gt "${before#* }"
check "live: no packet lost across the set" grep -q " 0% packet loss" "$LAB_DIR/ping"

lab_done
