#!/usr/bin/env bash
# Client configs from `wgf peer new` / `wgf peer config`, brought up with the real
# wg-quick (wireguard-go) in each device's namespace, DNS handled by Debian's real
# resolvconf writing that namespace's own resolv.conf (never the machine's).
#
#   hub (role hub) ─┐            router (role router) ── lan 192.168.60.10
#   exit (role exit)┼─ switch ──  split, full, psk (devices, wg-quick)
#        └── internet 203.0.113.80 (behind the exit; the exit is also the
#                                    switch's gateway toward it)
#
# - split: full access on the hub (not an exit): a split tunnel; reaches the hub
#   and the router's LAN; the internet namespace stays on its default route.
# - full: on the exit, in tenant staff: a full tunnel (wg-quick's fwmark rules);
#   the internet namespace sees the exit's address (masquerade).
# - psk: a sealed preshared key with the hub; a wrong one on the device: no handshake.
# - DNS: the Network's, the Tenant's and the Peer's `dns`; the most specific one
#   lands in the namespace's resolv.conf, and wg-quick down takes it out again.
set -u
here=$(cd "$(dirname "$0")" && pwd)
LAB_RUN=${LAB_RUN:-cl-$$}
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need wg wg-quick wireguard-go socat dpkg-deb apt-get nft || { lab_done; exit 1; }
T0=$SECONDS

# --- the machine's DNS, to prove at the end that nothing touched it -------------
machine_dns() {
	stat -c '%F %a %u:%g %i %s %Y' /etc/resolv.conf
	sha256sum </etc/resolv.conf
	readlink /etc/resolv.conf
	ls -d /run/resolvconf /etc/resolvconf /usr/sbin/resolvconf /usr/lib/resolvconf 2>/dev/null
}
MACHINE_DNS=$(machine_dns)
MACHINE_RESOLV=$LAB_DIR/machine-resolv.conf
cp -p /etc/resolv.conf "$MACHINE_RESOLV"

# --- Debian's resolvconf, from its .deb, unpacked once into the build dir --------
resolvconf_root() {
	local d=$BUILD/resolvconf-deb
	if [ ! -x "$d/root/sbin/resolvconf" ]; then
		mkdir -p "$d/deb" && chmod 0777 "$d/deb"   # apt downloads as _apt when it can write there
		rm -f "$d"/deb/resolvconf_*.deb
		(cd "$d/deb" && { apt-get download -qq resolvconf || { apt-get update -qq && apt-get download -qq resolvconf; }; }) \
			>/dev/null 2>&1 || return 1
		rm -rf "$d/root.tmp" "$d/root"
		dpkg-deb -x "$d"/deb/resolvconf_*.deb "$d/root.tmp" && mv "$d/root.tmp" "$d/root" || return 1
	fi
	echo "$d/root"
}
if ! RC_ROOT=$(resolvconf_root); then
	fail "apt-get download resolvconf (the .deb, unpacked into $BUILD/resolvconf-deb)"
	lab_done; exit 1
fi

# dns_setup HOST: resolvconf installed as Debian installs it, but inside HOST's own
# mount namespace only: overlays on /etc and /usr whose upper layers (in LAB_DIR)
# hold the package's files and the /etc/resolv.conf -> /run/resolvconf/resolv.conf
# symlink, and a private /run. Then what its init script does at boot.
dns_setup() {
	local h=$1 o=$LAB_DIR/root-$1
	mkdir -p "$o"/etc "$o"/usr/lib "$o"/usr/sbin "$o"/etc.work "$o"/usr.work &&
	cp -a "$RC_ROOT/etc/resolvconf" "$o/etc/" &&
	ln -s /run/resolvconf/resolv.conf "$o/etc/resolv.conf" &&
	cp -a "$RC_ROOT/lib/resolvconf" "$o/usr/lib/" &&
	cp -a "$RC_ROOT/sbin/resolvconf" "$o/usr/sbin/" &&
	in_host "$h" sh -ec "
		mount -t overlay cl-etc -o lowerdir=/etc,upperdir=$o/etc,workdir=$o/etc.work /etc
		mount -t overlay cl-usr -o lowerdir=/usr,upperdir=$o/usr,workdir=$o/usr.work /usr
		mount -t tmpfs -o mode=0755 cl-run /run
		mkdir -p /run/wireguard /run/resolvconf/interface
		resolvconf --enable-updates
		resolvconf -u"
}

# --- underlay --------------------------------------------------------------------
CL_N=0
# cl_veth A ADDR_A B ADDR_B: a veth pair clvNa (in A) - clvNb (in B), up, addressed
cl_veth() {
	local a=$1 aa=$2 b=$3 ba=$4
	CL_N=$((CL_N + 1))
	ip link add "clv${CL_N}a" netns "$(lab_ns "$a")" type veth peer name "clv${CL_N}b" netns "$(lab_ns "$b")" || return 1
	[ -z "$aa" ] || in_host "$a" ip addr add "$aa" dev "clv${CL_N}a"
	[ -z "$ba" ] || in_host "$b" ip addr add "$ba" dev "clv${CL_N}b"
	in_host "$a" ip link set "clv${CL_N}a" up && in_host "$b" ip link set "clv${CL_N}b" up
}
# cl_port HOST ADDR: HOST on the switch
cl_port() {
	cl_veth "$1" "$2" sw "" && in_host sw ip link set "clv${CL_N}b" master clbr0
}
setup_underlay() {
	local h
	for h in sw hub exit router lan internet split full psk; do lab_host "$h" || return 1; done
	in_host sw ip link add clbr0 type bridge && in_host sw ip link set clbr0 up || return 1
	cl_port hub 198.51.100.1/24 && cl_port exit 198.51.100.2/24 && cl_port router 198.51.100.3/24 || return 1
	cl_port split 198.51.100.10/24 && cl_port full 198.51.100.11/24 && cl_port psk 198.51.100.12/24 || return 1
	cl_veth router 192.168.60.1/24 lan 192.168.60.10/24 && in_host lan ip route add default via 192.168.60.1 || return 1
	cl_veth exit 203.0.113.1/24 internet 203.0.113.80/24 && in_host internet ip route add default via 203.0.113.1 || return 1
	# the devices' way toward the internet namespace, without a tunnel: the exit,
	# as their ISP's router (it forwards, and masquerades only tunnel sources)
	for h in split full psk; do in_host "$h" ip route add default via 198.51.100.2 || return 1; done
	in_host exit sysctl -qw net.ipv4.ip_forward=1
}
check "underlay: namespaces, switch, LAN behind the router, internet behind the exit" setup_underlay
for h in split full psk; do
	check "$h: resolvconf installed in its own mount namespace only" dns_setup "$h"
done

# the internet says which source address it sees
in_host internet socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &
check "internet: a TCP listener that echoes the source address it sees" wait_listening internet tcp 8080
seen_from() { in_host "$1" timeout 5 socat -T 3 - TCP:203.0.113.80:8080,connect-timeout=3 </dev/null 2>/dev/null; }

# --- the repository ----------------------------------------------------------------
repo=$LAB_DIR/repo
mkdir -p "$repo/hosts" "$repo/peers" "$repo/tenants"
export WGF_IDENTITY=$LAB_DIR/alice.id
hostkeys() {   # hostkeys HOST: `wgf host init` with its own key files; prints the public key
	WGF_KEY_FILE=$LAB_DIR/$1.key WGF_SEALING_KEY_FILE=$LAB_DIR/$1.sealing "$WGF" host init 2>/dev/null
}
sealing_pub() {
	WGF_KEY_FILE=$LAB_DIR/$1.key WGF_SEALING_KEY_FILE=$LAB_DIR/$1.sealing "$WGF" host pubkey --sealing
}
wgf_host() {   # wgf_host HOST SUBCOMMAND ARGS...: wgf_on with the host's sealing key
	local h=$1 sub=$2; shift 2
	in_host "$h" env WGF_KEY_FILE="$LAB_DIR/$h.key" WGF_SEALING_KEY_FILE="$LAB_DIR/$h.sealing" \
		WGF_STATE_DIR="$LAB_DIR/state-$h" NO_COLOR=1 "$WGF" "$sub" --host "$h" "$@"
}
declare -A PUB SEAL
for h in hub exit router; do
	PUB[$h]=$(hostkeys "$h") && SEAL[$h]=$(sealing_pub "$h")
	check "$h: wgf host init (WireGuard and sealing key)" test -n "${PUB[$h]}" -a -n "${SEAL[$h]}"
done
cat >"$repo/network.yaml" <<YAML
apiVersion: wgf/v1
kind: Network
metadata: {name: cl}
spec:
  interface: clw0
  listenPort: 51820
  persistentKeepalive: 25
  addressPools: {ipv4: 10.60.0.0/16, ipv6: "fd60::/48"}
  dns:
    servers: [10.60.0.1]
    search: [corp.example]
YAML
cat >"$repo/tenants/staff.yaml" <<YAML
apiVersion: wgf/v1
kind: Tenant
metadata: {name: staff}
spec:
  addressPools: {ipv4: 10.60.10.0/24, ipv6: "fd60:0:0:10::/64"}
  dns:
    servers: [10.60.0.2, "fd60::2"]
    search: [staff.example, lan]
YAML
host_yaml() {   # host_yaml NAME ROLE ADDR4 ADDR6 ENDPOINT [LAN]
	cat <<YAML
apiVersion: wgf/v1
kind: Host
metadata: {name: $1}
spec:
  role: $2
  publicKey: ${PUB[$1]}
  sealingKey: ${SEAL[$1]}
  addresses: [$3, "$4"]
YAML
	[ -z "$5" ] || echo "  endpoint: $5"
	[ -z "${6:-}" ] || echo "  lans: [$6]"
}
host_yaml hub hub 10.60.0.1/16 fd60::1/48 198.51.100.1:51820 >"$repo/hosts/hub.yaml"
host_yaml exit exit 10.60.0.2/16 fd60::2/48 198.51.100.2:51820 >"$repo/hosts/exit.yaml"
host_yaml router router 10.60.0.3/16 fd60::3/48 "" 192.168.60.0/24 >"$repo/hosts/router.yaml"
"$WGF" operator init alice >"$repo/operators.yaml" 2>/dev/null
check "the repository validates (hub, exit, router, tenant, operator)" "$WGF" validate "$repo"

# --- the devices' configs: wgf peer new, the private key only in a 0600 file -------
D=$LAB_DIR/dev
mkdir -p "$D"
peer_new() {   # peer_new NAME IFNAME ARGS...: wgf peer new NAME ARGS -o $D/IFNAME.conf
	local n=$1 i=$2; shift 2
	"$WGF" peer new "$n" "$@" -o "$D/$i.conf" "$repo" >"$LAB_DIR/new-$n.out" 2>&1 && return 0
	sed 's/^/#   /' "$LAB_DIR/new-$n.out"; return 1
}
check "peer new split --hub hub (full access): config in a file" peer_new split clwsplit --hub hub
check "peer new full --hub exit --tenant staff: config in a file" peer_new full clwfull --hub exit --tenant staff
check "peer new psk --hub hub --psk: config in a file" peer_new psk clwpsk --hub hub --psk
for i in clwsplit clwfull clwpsk; do
	check "$i.conf: mode 0600, a private key, no hooks" bash -c "test \$(stat -c %a '$D/$i.conf') = 600 &&
		grep -qE '^PrivateKey = [A-Za-z0-9+/]{43}=$' '$D/$i.conf' && ! grep -qiE '^(Pre|Post)(Up|Down)' '$D/$i.conf'"
done
conf() { sed -n "s/^$2 = //p" "$D/$1.conf" | paste -sd'|'; }
# conf_is IFNAME KEY VALUE: the config's KEY lines (joined by |) are VALUE
conf_is() {
	[ "$(conf "$1" "$2")" = "$3" ] && return 0
	echo "#   $1.conf: $2 = '$(conf "$1" "$2")', want '$3'"; return 1
}
# allowed_is IFNAME INCLUDE EXCLUDE: the config's AllowedIPs cover exactly the
# prefixes INCLUDE minus those of EXCLUDE (comma-separated lists)
allowed_is() {
	python3 - "$(conf "$1" AllowedIPs)" "$2" "$3" <<'PY'
import ipaddress as ip, sys
def nets(s): return [ip.ip_network(x.strip()) for x in s.split(",") if x.strip()]
have, inc, exc = (nets(a) for a in sys.argv[1:4])
want = []
for n in inc:
    parts = [n]
    for x in exc:
        parts = [q for p in parts for q in ([p] if not p.overlaps(x) else p.address_exclude(x) if x.subnet_of(p) else [])]
    want += parts
for v in (4, 6):
    h = list(ip.collapse_addresses(n for n in have if n.version == v))
    w = list(ip.collapse_addresses(n for n in want if n.version == v))
    if h != w:
        sys.exit("#   AllowedIPs (IPv%d) %s, want %s" % (v, [str(n) for n in h], [str(n) for n in w]))
PY
}
# (the tenant's pool is carved out: the tenant is isolated, the split peer is no member)
check "split: a split tunnel: the pool but tenant staff's, and the router's LAN" \
	allowed_is clwsplit "10.60.0.0/16, fd60::/48, 192.168.60.0/24" "10.60.10.0/24, fd60:0:0:10::/64"
check "full: a full tunnel through the exit" conf_is clwfull AllowedIPs "0.0.0.0/0, ::/0"
check "psk: a preshared key in the config, none in the repository" bash -c \
	"k=\$(sed -n 's/^PresharedKey = //p' '$D/clwpsk.conf'); test -n \"\$k\" && ! grep -rqF \"\$k\" '$repo'"
# the device keeps its private key; wgf kept it nowhere (not in the repository,
# not on its output)
for i in clwsplit clwfull clwpsk; do
	( umask 077; sed -n 's/^PrivateKey = //p' "$D/$i.conf" >"$D/$i.key" )
done
key_only_on_device() {
	local i
	for i in clwsplit clwfull clwpsk; do
		! grep -rqF "$(cat "$D/$i.key")" "$repo" "$LAB_DIR"/new-*.out || { echo "#   $i's private key found"; return 1; }
	done
}
check "the private keys are in the devices' files only (not in the repository, not printed)" key_only_on_device

# remake NAME IFNAME: the device's config again, from `wgf peer config` (its private
# key put in from the device's key file, a sealed PSK opened with the operator's identity)
remake() {
	( umask 077; "$WGF" peer config "$1" --private-key-file "$D/$2.key" "$repo" >"$D/$2.conf.new" 2>"$LAB_DIR/config-$1.err" ) &&
		mv "$D/$2.conf.new" "$D/$2.conf" && return 0
	sed 's/^/#   /' "$LAB_DIR/config-$1.err"; return 1
}
# the Peer's own dns (the most specific): set on psk, its config made again
printf '  dns:\n    servers: [10.60.0.1, "fd60::1"]\n    search: [psk.example]\n' >>"$repo/peers/psk.yaml"
psk_before=$(conf clwpsk PresharedKey)
check "peer config psk --private-key-file: the config made again" remake psk clwpsk
check "psk: the Peer's dns in the config" conf_is clwpsk DNS "10.60.0.1, fd60::1, psk.example"
check "psk: the same preshared key (opened with the operator's identity)" conf_is clwpsk PresharedKey "$psk_before"
check "psk: the same private key (from the device's key file)" conf_is clwpsk PrivateKey "$(cat "$D/clwpsk.key")"
check "split: the Network's dns" conf_is clwsplit DNS "10.60.0.1, corp.example"
check "full: the Tenant's dns (over the Network's)" conf_is clwfull DNS "10.60.0.2, fd60::2, staff.example, lan"

# --- the hosts: wgf apply ------------------------------------------------------------
check "validate the repository with the three peers" "$WGF" validate "$repo"
for h in hub exit router; do
	wgf_host "$h" apply --yes "$repo" >"$LAB_DIR/apply-$h" 2>&1; rc=$?
	check "wgf apply on $h" test $rc -eq 0
	[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/apply-$h" | tail -n 15
done
check "the hub set the psk peer's preshared key" grep -qF "$psk_before" <(in_host hub wg show clw0 preshared-keys)
check "the router reaches the hub (host mesh)" pings router 10.60.0.1

# --- wg-quick up, for real -----------------------------------------------------------
wgq() {   # wgq HOST up|down IFNAME: the real wg-quick, userspace, in HOST's namespaces
	in_host "$1" env -u WG_PROCESS_FOREGROUND WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
		wg-quick "$2" "$D/$3.conf" >"$LAB_DIR/wgq-$3-$2" 2>&1 && return 0
	sed 's/^/#   /' "$LAB_DIR/wgq-$3-$2" | tail -n 15; return 1
}
routes() { in_host "$1" sh -c 'ip -4 rule; ip -6 rule; ip route show default; ip -6 route show default'; }
# resolv HOST: the namespace's resolv.conf without comments: "nameserver A|nameserver B|search X Y"
resolv() { in_host "$1" grep -v '^#' /etc/resolv.conf | grep . | paste -sd'|'; }
# expect_resolv HOST SERVERS SEARCH: the namespace's resolv.conf has exactly these
expect_resolv() {
	local want s
	want=$(for s in $2; do echo "nameserver $s"; done; [ -z "$3" ] || echo "search $3")
	want=$(paste -sd'|' <<<"$want")
	[ "$(resolv "$1")" = "$want" ] && return 0
	echo "#   $1: resolv.conf is '$(resolv "$1")', want '$want'"; return 1
}

for h in split full psk; do
	check "$h: resolv.conf before wg-quick up: no nameserver (resolvconf, nothing declared)" expect_resolv "$h" "" ""
done
split_routes=$(routes split)
check "split: wg-quick up" wgq split up clwsplit
check "split: wg-quick called resolvconf -a tun.clwsplit -m 0 -x" grep -qxF '[#] resolvconf -a tun.clwsplit -m 0 -x' "$LAB_DIR/wgq-clwsplit-up"
check "split: resolvconf's record of it is tun.clwsplit" test "$(in_host split ls /run/resolvconf/interface)" = tun.clwsplit
check "split: resolv.conf has the Network's server and search domain" expect_resolv split "10.60.0.1" "corp.example"
check "split: /etc/resolv.conf there is resolvconf's (a symlink to /run/resolvconf/resolv.conf)" \
	test "$(in_host split readlink /etc/resolv.conf)" = /run/resolvconf/resolv.conf
check "the machine's /etc/resolv.conf is untouched while a namespace's has the tunnel's DNS" \
	test "$(machine_dns)" = "$MACHINE_DNS"
check "split pings the hub's tunnel address" pings split 10.60.0.1
check "split pings the hub over IPv6" pings split fd60::1
check "split pings a host in the router's LAN (192.168.60.10)" pings split 192.168.60.10
check "split: default route and rules untouched by wg-quick" test "$(routes split)" = "$split_routes"
route_to() { in_host "$1" ip route get "$2" | head -n 1; }
check "split: the internet namespace is routed outside the tunnel" \
	grep -qE '^203\.0\.113\.80 via 198\.51\.100\.2 dev clv[0-9]+a ' <(route_to split 203.0.113.80)
check "split: the internet sees its own underlay address, not the tunnel's or the exit's" test "$(seen_from split)" = 198.51.100.10

check "full: wg-quick up" wgq full up clwfull
check "full: resolv.conf has the Tenant's servers and search domains (not the Network's)" \
	expect_resolv full "10.60.0.2 fd60::2" "staff.example lan"
full_default() {
	in_host full ip -4 rule | grep -q 'not from all fwmark 0xca6c lookup 51820' &&
		in_host full ip -6 rule | grep -q 'not from all fwmark 0xca6c lookup 51820' &&
		in_host full ip route show table 51820 | grep -q '^default dev clwfull' &&
		route_to full 203.0.113.80 | grep -q 'dev clwfull table 51820'
}
check "full: the default route goes through the tunnel (wg-quick's fwmark rules)" full_default
check "full reaches the internet namespace (ping)" pings full 203.0.113.80
check "full: the internet sees the exit's address (masquerade)" test "$(seen_from full)" = 203.0.113.1

check "psk: wg-quick up" wgq psk up clwpsk
check "psk: resolv.conf has the Peer's own servers and search domain" expect_resolv psk "10.60.0.1 fd60::1" "psk.example"
check "psk: pings the hub" pings psk 10.60.0.1
hs() { in_host psk wg show clwpsk latest-handshakes | awk '{ print $2 }'; }
check "psk: handshake done" test "$(hs)" -gt 0

# wg-quick down takes DNS out again
check "split: wg-quick down" wgq split down clwsplit
check "split: wg-quick down called resolvconf -d tun.clwsplit -f" grep -qxF '[#] resolvconf -d tun.clwsplit -f' "$LAB_DIR/wgq-clwsplit-down"
check "split: resolv.conf without the tunnel's DNS after wg-quick down" expect_resolv split "" ""
check "split: its resolvconf record is gone" test "$(in_host split ls /run/resolvconf/interface)" = ""
check "split: routes and rules as before wg-quick up" test "$(routes split)" = "$split_routes"
check "full: wg-quick down" wgq full down clwfull
check "full: resolv.conf without the tunnel's DNS after wg-quick down" expect_resolv full "" ""
# the Peer's dns over its Tenant's: full gets its own, its config made again
printf '  dns:\n    servers: [10.60.0.1]\n    search: [full.example]\n' >>"$repo/peers/full.yaml"
check "peer config full, with the Peer's own dns" remake full clwfull
check "full: the Peer's dns in the config (over the Tenant's)" conf_is clwfull DNS "10.60.0.1, full.example"
check "full: wg-quick up again" wgq full up clwfull
check "full: resolv.conf has the Peer's server and search domain, not the Tenant's" expect_resolv full "10.60.0.1" "full.example"
check "full: reaches the internet through the exit again" test "$(seen_from full)" = 203.0.113.1
check "full: wg-quick down again" wgq full down clwfull
check "full: resolv.conf without the tunnel's DNS" expect_resolv full "" ""
check "full: wg-quick's rules gone, its default route its own again" \
	grep -qE '^203\.0\.113\.80 via 198\.51\.100\.2 dev clv[0-9]+a ' <(route_to full 203.0.113.80)

# a wrong preshared key on the device: no handshake, no ping
check "psk: wg-quick down" wgq psk down clwpsk
sed -i "s|^PresharedKey = .*|PresharedKey = $(wg genpsk)|" "$D/clwpsk.conf"
check "psk (wrong key): wg-quick up" wgq psk up clwpsk
check "psk (wrong key): pings fail" test "$(in_host psk ping -c 8 -i 0.5 -W 1 10.60.0.1 | grep -c 'bytes from')" = 0
check "psk (wrong key): latest handshake stays 0" test "$(hs)" = 0
check "psk (wrong key): wg-quick down" wgq psk down clwpsk

for h in split full psk; do
	check "$h: wg-quick down left no process behind (wireguard-go ended with its interface)" \
		test -z "$(ip netns pids "$(lab_ns "$h")")"
done
check "the machine's /etc/resolv.conf is byte for byte what it was" cmp -s /etc/resolv.conf "$MACHINE_RESOLV"
check "the machine's DNS files as before (no /run/resolvconf, /etc/resolvconf, /sbin/resolvconf)" \
	test "$(machine_dns)" = "$MACHINE_DNS"
note "runtime: $((SECONDS - T0)) s"
lab_done
