#!/usr/bin/env bash
# DNS on a wgf host without systemd-resolved: the Host's own `dns` set through
# Debian's real resolvconf, installed in the host's own mount namespace only
# (never the machine's), and answered by a real dnsmasq on the tunnel's far side.
#
#   hub (role hub, dnsmasq on its tunnel address 10.61.0.1: *.corp.test)
#    └── switch ── gw  (member, attached to the hub, dns: servers + search, resolvconf)
#              └── bare (member, dns, but neither resolvconf nor systemd-resolved)
#
# - plan shows the dns change, apply makes resolvconf write the namespace's
#   resolv.conf, and a name under the search domain resolves through the tunnel;
# - drift made by hand (`resolvconf -a` with other content) is shown and fixed;
# - split DNS (routing domains) without systemd-resolved is a plan error that
#   names the Host's dns and changes nothing; DNS with no manager at all too;
# - dropping the dns deletes the record; the machine's own DNS is untouched.
set -u
here=$(cd "$(dirname "$0")" && pwd)
LAB_RUN=${LAB_RUN:-wd-$$}
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need wg wireguard-go dnsmasq dpkg-deb apt-get getent || { lab_done; exit 1; }

machine_dns() {
	stat -c '%F %a %u:%g %i %s %Y' /etc/resolv.conf
	sha256sum </etc/resolv.conf
	ls -d /run/resolvconf /etc/resolvconf /usr/sbin/resolvconf /usr/lib/resolvconf 2>/dev/null
}
MACHINE_DNS=$(machine_dns)

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
# dns_setup HOST: resolvconf as Debian installs it, in HOST's mount namespace only
# (overlays on /etc and /usr, a private /run), then what its init script does.
dns_setup() {
	local h=$1 o=$LAB_DIR/root-$1
	mkdir -p "$o"/etc "$o"/usr/lib "$o"/usr/sbin "$o"/etc.work "$o"/usr.work &&
	cp -a "$RC_ROOT/etc/resolvconf" "$o/etc/" &&
	ln -s /run/resolvconf/resolv.conf "$o/etc/resolv.conf" &&
	cp -a "$RC_ROOT/lib/resolvconf" "$o/usr/lib/" &&
	cp -a "$RC_ROOT/sbin/resolvconf" "$o/usr/sbin/" &&
	in_host "$h" sh -ec "
		mount -t overlay wd-etc -o lowerdir=/etc,upperdir=$o/etc,workdir=$o/etc.work /etc
		mount -t overlay wd-usr -o lowerdir=/usr,upperdir=$o/usr,workdir=$o/usr.work /usr
		mount -t tmpfs -o mode=0755 wd-run /run
		mkdir -p /run/wireguard /run/resolvconf/interface
		resolvconf --enable-updates
		resolvconf -u"
}

setup_underlay() {
	local h
	lab_switch || return 1
	for h in hub gw bare; do lab_host "$h" || return 1; done
	lab_port hub 198.51.100.1/24 && lab_port gw 198.51.100.2/24 && lab_port bare 198.51.100.3/24
}
check "underlay: hub, gw and bare on a switch" setup_underlay
check "gw: resolvconf installed in its own mount namespace only" dns_setup gw
check "bare: no resolvconf and no system bus in its namespace" in_host bare sh -c \
	'mount -t tmpfs -o mode=0755 wd-run /run && mkdir -p /run/wireguard && ! command -v resolvconf'

# --- the repository ------------------------------------------------------------------
repo=$LAB_DIR/repo
mkdir -p "$repo/hosts"
declare -A PUB
for h in hub gw bare; do
	PUB[$h]=$(WGF_KEY_FILE=$LAB_DIR/$h.key "$WGF" host init 2>/dev/null)
done
cat >"$repo/network.yaml" <<YAML
apiVersion: wgf/v1
kind: Network
metadata: {name: wd}
spec:
  interface: wdwg0
  addressPools: {ipv4: 10.61.0.0/24}
  dns: {servers: [10.61.0.99]}     # what peers' client configs get, not the hosts'
YAML
cat >"$repo/hosts/hub.yaml" <<YAML
apiVersion: wgf/v1
kind: Host
metadata: {name: hub}
spec:
  role: hub
  publicKey: ${PUB[hub]}
  addresses: [10.61.0.1/24]
  endpoint: 198.51.100.1:51820
YAML
host_yaml() {   # host_yaml NAME ADDR: a member attached to the hub, its dns from stdin
	cat <<YAML
apiVersion: wgf/v1
kind: Host
metadata: {name: $1}
spec:
  publicKey: ${PUB[$1]}
  addresses: [$2]
  hubs: [hub]
YAML
	cat
}
host_yaml gw 10.61.0.2/24 >"$repo/hosts/gw.yaml" <<YAML
  dns:
    servers: [10.61.0.1]
    search: [corp.test]
YAML
host_yaml bare 10.61.0.3/24 >"$repo/hosts/bare.yaml" </dev/null
check "the repository validates" "$WGF" validate "$repo"

# has_line HOST FILE LINE: FILE (as HOST's processes see it) has the line LINE
has_line() { in_host "$1" cat "$2" 2>/dev/null | grep -qxF "$3"; }
lacks() { ! in_host "$1" grep -qF "$3" "$2"; }
# resolves HOST NAME PATTERN: glibc on HOST (its resolv.conf) resolves NAME to a line matching PATTERN
resolves() { in_host "$1" getent hosts "$2" | grep -qE "$3"; }
# dns_files HOST: a digest of its resolv.conf and wgf's record
dns_files() { in_host "$1" sh -c 'cat /etc/resolv.conf /run/resolvconf/interface/wdwg0 2>&1' | sha256sum; }
REC=/run/resolvconf/interface/wdwg0
# apply_on HOST: wgf apply --yes, its output kept (shown when it fails)
apply_on() {
	wgf_on "$1" apply --yes "$repo" >"$LAB_DIR/apply-$1.out" 2>&1 && return 0
	sed 's/^/#   /' "$LAB_DIR/apply-$1.out"; return 1
}

# --- plan and apply ------------------------------------------------------------------
check "hub: wgf apply" apply_on hub
in_host hub dnsmasq -k --conf-file=/dev/null --user=root --pid-file= --no-resolv --no-hosts \
	--bind-dynamic --listen-address=10.61.0.1 --address=/corp.test/10.61.0.77 \
	--log-queries --log-facility="$LAB_DIR/dnsmasq.log" >/dev/null 2>&1 &
check "hub: dnsmasq answers *.corp.test on the tunnel address" bash -c \
	"for i in \$(seq 50); do grep -q 'started' '$LAB_DIR/dnsmasq.log' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"

wgf_on gw plan "$repo" >"$LAB_DIR/plan1" 2>&1; rc=$?
check "gw: plan exits 2 (changes pending)" test $rc -eq 2
check "gw: plan shows the dns of wdwg0 with its server and search domain" grep -qzP \
	'\+ dns wdwg0\n +servers: 10\.61\.0\.1\n +search: +corp\.test\n' "$LAB_DIR/plan1"
wgf_on gw plan --json "$repo" >"$LAB_DIR/plan1.json" 2>/dev/null
check "gw: plan --json: a dns create with the whole setting" bash -c "jq -e '.changes[] | select(.object == \"dns\")
	| .action == \"create\" and .interface == \"wdwg0\" and .dns.servers == [\"10.61.0.1\"] and .dns.search == [\"corp.test\"]
	and .dns.routing == [] and .dns.default_route == \"auto\"' '$LAB_DIR/plan1.json' >/dev/null"
check "gw: wgf apply" apply_on gw
check "gw: resolvconf's record of wdwg0 holds the server" has_line gw $REC 'nameserver 10.61.0.1'
check "gw: resolvconf's record of wdwg0 holds the search domain" has_line gw $REC 'search corp.test'
check "gw: the namespace's resolv.conf got the server" has_line gw /etc/resolv.conf 'nameserver 10.61.0.1'
check "gw: a name under the search domain resolves through the tunnel (dnsmasq)" resolves gw x.corp.test '^10\.61\.0\.77 '
check "gw: a short name takes the search domain" resolves gw short '^10\.61\.0\.77 +short\.corp\.test'
check "hub: dnsmasq's log shows gw's queries from its tunnel address" grep -qE 'query\[A+\] x\.corp\.test from 10\.61\.0\.2' "$LAB_DIR/dnsmasq.log"
wgf_on gw plan "$repo" >"$LAB_DIR/plan2" 2>&1; rc=$?
check "gw: converged: plan exits 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$LAB_DIR/plan2"
wgf_on gw status --no-color "$repo" >"$LAB_DIR/status" 2>&1
grep dns: "$LAB_DIR/status" | sed 's/^/#   /'
check "gw: wgf status shows wdwg0's DNS as resolvconf has it" grep -qE \
	'^  dns: +10\.61\.0\.1; search corp\.test \(resolvconf\)$' "$LAB_DIR/status"
wgf_on gw status --json "$repo" >"$LAB_DIR/status.json" 2>/dev/null
check "gw: wgf status --json: the interface's dns, with its manager" bash -c "jq -e '.interfaces[]
	| select(.interface == \"wdwg0\") | .dns.servers == [\"10.61.0.1\"] and .dns.search == [\"corp.test\"]
	and .dns.manager == \"resolvconf\"' '$LAB_DIR/status.json' >/dev/null"

# --- drift by hand -----------------------------------------------------------------------
check "gw: drift by hand: resolvconf -a wdwg0 with another server" in_host gw sh -c \
	'printf "nameserver 10.61.0.9\nsearch evil.test\n" | resolvconf -a wdwg0'
wgf_on gw plan "$repo" >"$LAB_DIR/plan3" 2>&1; rc=$?
check "gw: plan sees the drift (exit 2)" test $rc -eq 2
check "gw: plan shows the server and search domain it puts back" grep -qzP \
	'~ dns wdwg0\n +~ servers: +10\.61\.0\.9 → 10\.61\.0\.1\n +~ search: +evil\.test → corp\.test\n' "$LAB_DIR/plan3"
check "gw: apply fixes it" apply_on gw
check "gw: the record is wgf's again" has_line gw $REC 'nameserver 10.61.0.1'
wgf_on gw plan "$repo" >/dev/null 2>&1; rc=$?
check "gw: converged again" test $rc -eq 0

# --- split DNS without systemd-resolved: a plan error, nothing changed ---------------
before=$(dns_files gw)
cp "$repo/hosts/gw.yaml" "$LAB_DIR/gw.yaml.ok"
printf '    routing: [lab.test]\n' >>"$repo/hosts/gw.yaml"
wgf_on gw plan "$repo" >"$LAB_DIR/plan4" 2>&1; rc=$?
check "gw: split DNS without systemd-resolved: plan fails (exit 1)" test $rc -eq 1
check "gw: the error names the Host's dns (file:line:col) and why" grep -qE \
	'hosts/gw\.yaml:9:5: routing domains \(split DNS\) of interface wdwg0 need systemd-resolved' "$LAB_DIR/plan4"
wgf_on gw apply --yes "$repo" >"$LAB_DIR/apply4" 2>&1; rc=$?
check "gw: apply fails the same way" test $rc -eq 1
after=$(dns_files gw)
check "gw: nothing changed (resolv.conf and the record)" test "$before" = "$after"
cp "$LAB_DIR/gw.yaml.ok" "$repo/hosts/gw.yaml"

# --- no DNS manager at all ----------------------------------------------------------------
printf '  dns: {servers: [10.61.0.1]}\n' >>"$repo/hosts/bare.yaml"
wgf_on bare plan "$repo" >"$LAB_DIR/plan5" 2>&1; rc=$?
check "bare: DNS with neither resolved nor resolvconf: plan fails (exit 1)" test $rc -eq 1
check "bare: the error says so and where" grep -qE \
	'hosts/bare\.yaml:8:8: the dns of interface wdwg0 needs systemd-resolved or resolvconf, and this host has neither' \
	"$LAB_DIR/plan5"

# --- dns dropped: the record goes ---------------------------------------------------------
head -n 7 "$LAB_DIR/gw.yaml.ok" >"$repo/hosts/gw.yaml"
wgf_on gw plan "$repo" >"$LAB_DIR/plan6" 2>&1
check "gw: dns dropped from the Host: plan deletes it" grep -q -- '- dns wdwg0' "$LAB_DIR/plan6"
check "gw: apply" apply_on gw
check "gw: resolvconf's record of wdwg0 is gone" in_host gw test ! -e $REC
check "gw: the server is out of the namespace's resolv.conf" lacks gw /etc/resolv.conf 10.61.0.1

check "the machine's own DNS is untouched" test "$(machine_dns)" = "$MACHINE_DNS"
lab_done
