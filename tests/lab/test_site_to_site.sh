#!/usr/bin/env bash
# examples/two-site-office on real tunnels: two site routers with LANs and an HQ
# hub with a road warrior. A PC on site A's LAN reaches a PC on site B's LAN
# (IPv4 and IPv6); the road warrior reaches site A's LAN through the hub. The
# desired state is read from a git commit (no checkout), and the plan names it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
lab_start "${1:-build}"

work=$LAB_DIR/work
lab_repo two-site-office "$work"

lab_switch
for h in site-a site-b hq-hub pca pcb rw; do lab_host "$h"; done
lab_port site-a 198.51.100.10/24
lab_port site-b 198.51.100.20/24
lab_port hq-hub 198.51.100.30/24
lab_port rw 198.51.100.50/24
lab_link site-a 192.168.10.1/24 pca 192.168.10.10/24 fd20:a::1/64 fd20:a::10/64 >/dev/null
lab_link site-b 192.168.20.1/24 pcb 192.168.20.10/24 fd20:b::1/64 fd20:b::10/64 >/dev/null
for pc in pca pcb; do
	gw4=192.168.10.1 gw6=fd20:a::1
	[ $pc = pcb ] && gw4=192.168.20.1 gw6=fd20:b::1
	in_host $pc ip route add default via $gw4
	in_host $pc ip -6 route add default via $gw6
done

for h in site-a site-b hq-hub; do set_public_key "$work" "$h" "$(wgf_host_key "$h")"; done
(umask 077; wg genkey >"$LAB_DIR/rw.key")
set_public_key "$work" road-warrior "$(wg pubkey <"$LAB_DIR/rw.key")"

# the repository lives in git; wgf reads the commit, not the files
git -C "$work" init -q -b main
git -C "$work" -c user.name=lab -c user.email=lab@wgf.invalid add -A
git -C "$work" -c user.name=lab -c user.email=lab@wgf.invalid commit -qm "office network"
commit=$(git -C "$work" rev-parse HEAD)
rm -f "$work/network.yaml"   # the work tree no longer matters

check "validate from git" "$WGF" validate --repo "$work" --ref main
wgf_on site-a plan --repo "$work" --ref main >"$LAB_DIR/plan" 2>&1
check "plan names the commit" grep -q "commit ${commit:0:12}" "$LAB_DIR/plan"
for h in site-a site-b hq-hub; do
	check "apply on $h from git" wgf_on "$h" apply --yes --repo "$work" --ref main
done
for h in site-a site-b hq-hub; do
	wgf_on "$h" plan --repo "$work" --ref main >/dev/null 2>&1
	check "$h converged (plan exits 0)" test $? -eq 0
done

HUBPUB=$(WGF_KEY_FILE=$LAB_DIR/hq-hub.key "$WGF" host pubkey)
plain_peer rw "$LAB_DIR/rw.key" "10.20.0.20/24 fd20::20/64" "$HUBPUB" 198.51.100.30:51820 \
	10.20.0.0/24,fd20::/64,192.168.10.0/24,192.168.20.0/24,fd20:a::/64,fd20:b::/64

check "site A LAN reaches site B LAN (IPv4)" pings pca 192.168.20.10
check "site A LAN reaches site B LAN (IPv6)" pings pca fd20:b::10
check "site B LAN reaches site A LAN (IPv4)" pings pcb 192.168.10.10
check "road warrior reaches site A LAN through the hub" pings rw 192.168.10.10
check "road warrior reaches site B LAN through the hub (IPv6)" pings rw fd20:b::10
check "site-a has wgf routes for site B's LANs" bash -c "ip netns exec $(lab_ns site-a) ip route show proto 157 | grep -q '192.168.20.0/24 dev wg0'"

# a TCP connection across the sites, not just ping
in_host pcb timeout 10 nc -l -p 8080 >"$LAB_DIR/got" 2>"$LAB_DIR/nc.err" & srv=$!
check "the TCP listener on site B's PC listens" wait_listening pcb tcp 8080 || sed 's/^/#   /' "$LAB_DIR/nc.err"
echo hello-from-a | in_host pca timeout 5 nc -N 192.168.20.10 8080 >/dev/null 2>&1 || \
	echo hello-from-a | in_host pca timeout 5 nc -q1 192.168.20.10 8080 >/dev/null 2>&1
wait $srv 2>/dev/null
check "TCP from site A LAN to site B LAN" grep -q hello-from-a "$LAB_DIR/got"

# an unknown ref is a clear error
"$WGF" validate --repo "$work" --ref no-such-branch >"$LAB_DIR/err" 2>&1
check "unknown ref is an error" test $? -eq 1
check "unknown ref is named" grep -q 'no-such-branch' "$LAB_DIR/err"
lab_done
