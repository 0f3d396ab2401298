#!/usr/bin/env bash
# Lab test of reconcile/kernel/rtnl.c and reconcile/kernel/sysctl.c: drives $BUILD/lab/rtnl_check
# inside a namespace host and compares every result with iproute2 (ip -j).
# usage: tests/lab/test_rtnl.sh [BUILD_DIR]     (root; VALGRIND=1 runs the checker under valgrind)
set -u
cd "$(dirname "$0")/../.."
. tests/lab/lib.sh
lab_start "${1:-build}"
CHECKER=$BUILD/lab/rtnl_check
lab_need_bin "$CHECKER"
lab_need jq

WRAP=()
[ "${VALGRIND:-0}" = 1 ] && WRAP=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all)

H=h
# rc ARGS...: run the checker in the host; any exit but 0 (ok) and 2 (an errno) is
# a crash or a sanitizer/valgrind report, recorded for the last check.
rc() {
	local st
	in_host "$H" "${WRAP[@]}" "$CHECKER" "$@"; st=$?
	[ $st -eq 0 ] || [ $st -eq 2 ] || echo "rtnl_check $*: exit $st" >>"$LAB_DIR/crashes"
	return $st
}
ipj() { in_host "$H" ip -j "$@"; }
# rc_err ENAME ARGS...: the checker fails with that errno name.
rc_err() { local want=$1 out; shift; out=$(rc "$@"); [ $? -eq 2 ] && [[ $out == "error=$want "* ]]; }

# ip -j route output as rtnl_check route-list lines: "DST dev IF table T metric M".
ip_routes() {
	{ for f in 4 6; do
		ipj -$f route show proto 157 table all | jq -r --arg f "$f" '.[] |
			(.dst | if . == "default" then (if $f == "4" then "0.0.0.0/0" else "::/0" end)
				elif test("/") then . else . + (if $f == "4" then "/32" else "/128" end) end)
			+ " dev \(.dev) table \(.table // "254" | if . == "main" then "254" else . end)"
			+ " metric \(.metric // 0)"'
	done; } | sort
}
rtnl_routes() { rc route-list | sort; }
# addresses of scope global on IF, as "addr/len", sorted.
ip_addrs() { ipj addr show dev "$1" | jq -r '.[0].addr_info[] | select(.scope == "global") | "\(.local)/\(.prefixlen)"' | sort; }
rtnl_addrs() { rc addr-list "$1" | sort; }
same() { [ "$1" = "$2" ] || { printf '  got:\n%s\n  want:\n%s\n' "$1" "$2" | sed 's/^/#/'; return 1; }; }

host_forward=$(cat /proc/sys/net/ipv4/ip_forward)
lab_host "$H" || { fail "create lab host"; lab_done; exit; }
in_host "$H" ip link add d0 type veth peer name d0p
in_host "$H" ip link add d1 type veth peer name d1p
in_host "$H" ip link set d0p up
in_host "$H" ip link set d1p up
in_host "$H" ip link set d1 up

# --- links ---
out=$(rc link-get lo)
want=$(ipj link show lo | jq -r '.[0] | "ifindex=\(.ifindex) name=\(.ifname) kind= mtu=\(.mtu) up=\(if (.flags | index("UP")) then 1 else 0 end)"')
check "link_get lo matches ip link ($out)" same "$out" "$want"
check "link_get of a missing link is -ENODEV" rc_err ENODEV link-get nosuch0
check "link_get of an over-long name is -EINVAL" rc_err EINVAL link-get abcdefghijklmnopq
out=$(rc link-get d0)
check "link_get d0: kind veth, down" same "$out" \
	"$(ipj link show d0 | jq -r '.[0] | "ifindex=\(.ifindex) name=d0 kind=veth mtu=\(.mtu) up=0"')"
rc link-set d0 1400 1
check "link_set mtu 1400 up: ip sees mtu 1400" same "$(ipj link show d0 | jq -r '.[0].mtu')" 1400
check "link_set up: ip sees UP" same "$(ipj link show d0 | jq -r '.[0].flags | index("UP") != null')" true
rc link-set d0 0 0
check "link_set 0 false changes nothing (stays up, mtu 1400)" same "$(rc link-get d0 | cut -d' ' -f3-)" "kind=veth mtu=1400 up=1"
in_host "$H" ip tuntap add t0 mode tun
check "link_get of a tun device reports kind tun" same "$(rc link-get t0 | cut -d' ' -f3)" "kind=tun"
rc link-del t0
check "link_del removes the link" bash -c "! nsenter --net=/run/netns/$(lab_ns "$H") ip link show t0 >/dev/null 2>&1"
# link_add_wireguard: what it must do depends on the kernel. iproute2 is the oracle:
# when `ip link add type wireguard` works (module built in, loaded or autoloaded,
# as on a stock Debian 12), the checker must create the device too; when it fails
# with "Unknown device type" (no module, as on these lab machines), EOPNOTSUPP.
if in_host "$H" ip link add wgprobe type wireguard 2>"$LAB_DIR/wgprobe.err"; then
	in_host "$H" ip link del wgprobe
	out=$(rc link-add-wg wgf$$)
	check "link_add_wireguard with kernel WireGuard: creates it ($out)" test "$(rc link-get wgf$$ | cut -d' ' -f3)" = kind=wireguard
	rc link-del wgf$$
	check "... and link_del removes it" bash -c "! nsenter --net=/run/netns/$(lab_ns "$H") ip link show wgf$$ >/dev/null 2>&1"
elif grep -q 'Unknown device type' "$LAB_DIR/wgprobe.err"; then
	out=$(rc link-add-wg wgf$$)
	check "link_add_wireguard without kernel WireGuard (ip: Unknown device type): EOPNOTSUPP ($out)" \
		bash -c '[[ $1 == "error=EOPNOTSUPP "* ]]' _ "$out"
else
	fail "ip link add type wireguard failed in an unexpected way: $(head -n 1 "$LAB_DIR/wgprobe.err")"
fi

# --- addresses ---
in_host "$H" ip addr add fe80::99/64 dev d0 nodad
in_host "$H" ip addr add 10.3.0.1/24 dev d0 scope link
rc addr-add d0 10.1.0.1/24
rc addr-add d0 fd00::1/64
rc addr-add d0 10.1.0.2/32
check "addr_add v4 and v6: ip sees them" same "$(ip_addrs d0)" "$(printf '10.1.0.1/24\n10.1.0.2/32\nfd00::1/64' | sort)"
check "addr_list matches ip (global only; fe80:: and scope link skipped)" same "$(rtnl_addrs d0)" "$(ip_addrs d0)"
check "IPv6 address added without DAD (not tentative)" same \
	"$(ipj addr show dev d0 | jq -r '.[0].addr_info[] | select(.local == "fd00::1") | (.tentative // false)')" false
check "addr_list of d1 (no addresses) is empty" same "$(rtnl_addrs d1)" ""
check "addr_add of an existing address is -EEXIST" rc_err EEXIST addr-add d0 10.1.0.1/24
check "addr_add of an existing IPv6 address is -EEXIST" rc_err EEXIST addr-add d0 fd00::1/64
out=$(rc addr-add '#99999' 10.2.0.1/24)
check "addr_add on a missing ifindex: ENODEV with kernel text ($out)" bash -c '[[ $1 == "error=ENODEV msg="?* ]]' _ "$out"
out=$(rc addr-add '#99999' fd00::2/64)
check "addr_add v6 on a missing ifindex: ENODEV with kernel text ($out)" bash -c '[[ $1 == "error=ENODEV msg="?* ]]' _ "$out"
rc addr-del d0 10.1.0.2/32
rc addr-del d0 fd00::1/64
check "addr_del removes exactly those" same "$(ip_addrs d0)" "10.1.0.1/24"
check "fe80:: and scope-link addresses untouched" same \
	"$(ipj addr show dev d0 | jq -r '[.[0].addr_info[] | select(.local == "fe80::99" or .local == "10.3.0.1")] | length')" 2
check "addr_del of an absent address fails (EADDRNOTAVAIL)" rc_err EADDRNOTAVAIL addr-del d0 10.1.0.2/32

# --- routes ---
# Foreign routes: not wgf's (proto static); they must survive everything below.
in_host "$H" ip route add 10.8.0.0/24 dev d0 proto static
in_host "$H" ip route add 10.9.0.0/24 dev d0 proto static metric 50
in_host "$H" ip route add 10.7.0.0/24 dev d0 proto static
in_host "$H" ip -6 route add fd08::/64 dev d0 proto static
in_host "$H" ip -6 route add fd09::/64 dev d0 proto static metric 50 table 1000
foreign() { in_host "$H" sh -c 'ip route show proto static table all; ip -6 route show proto static table all' | sort; }
foreign_before=$(foreign)

rc route-replace d0 10.9.0.0/24 254 0
rc route-replace d0 10.9.0.0/24 1000 7
rc route-replace d0 0.0.0.0/0 1000 3
rc route-replace d0 10.9.1.1/32 254 0
rc route-replace d0 fd09::/64 254 0
rc route-replace d0 fd09::/64 1000 5
check "route_replace adds v4/v6, main and table 1000" same "$(rtnl_routes)" "$(printf '%s\n' \
	'0.0.0.0/0 dev d0 table 1000 metric 3' '10.9.0.0/24 dev d0 table 1000 metric 7' \
	'10.9.0.0/24 dev d0 table 254 metric 0' '10.9.1.1/32 dev d0 table 254 metric 0' \
	'fd09::/64 dev d0 table 1000 metric 5' 'fd09::/64 dev d0 table 254 metric 1024' | sort)"
check "route_list matches ip route show proto 157 table all" same "$(rtnl_routes)" "$(ip_routes)"
check "table 1000 holds the two wgf routes and the foreign one" same \
	"$(in_host "$H" sh -c 'ip route show table 1000; ip -6 route show table 1000' | grep -c .)" 4
check "route_list skips the foreign (proto static) routes" bash -c '! grep -q "10.8.0.0\|fd08::\|metric 50" <<<"$1"' _ "$(rtnl_routes)"

# NLM_F_REPLACE keys on the metric: a plain replace would add a second route.
rc route-replace d0 10.9.0.0/24 254 20
rc route-replace d0 fd09::/64 254 30
check "route_replace with a new metric leaves one route with that metric" same \
	"$(rtnl_routes | grep 'table 254' | grep -v 10.9.1.1)" \
	"$(printf '%s\n' '10.9.0.0/24 dev d0 table 254 metric 20' 'fd09::/64 dev d0 table 254 metric 30')"
check "ip agrees after the metric change" same "$(rtnl_routes)" "$(ip_routes)"
rc route-replace d0 10.9.0.0/24 254 5
check "route_replace lowering the metric (20 -> 5)" same \
	"$(in_host "$H" ip route show proto 157 10.9.0.0/24)" "10.9.0.0/24 dev d0 scope link metric 5 "
rc route-replace d1 10.9.0.0/24 254 5
check "route_replace with the same metric moves the route to d1" same \
	"$(in_host "$H" ip route show proto 157 10.9.0.0/24)" "10.9.0.0/24 dev d1 scope link metric 5 "
rc route-replace d1 10.9.0.0/24 254 5
check "route_replace of an identical route is a no-op" same \
	"$(in_host "$H" ip route show proto 157 10.9.0.0/24)" "10.9.0.0/24 dev d1 scope link metric 5 "
check "route_replace does not take over a foreign route with the same key (EEXIST)" \
	rc_err EEXIST route-replace d0 10.7.0.0/24 254 0
check "route_replace of a host route with host bits fine (mask)" same \
	"$(rc route-replace d0 10.9.2.7/24 254 0; in_host "$H" ip route show proto 157 10.9.2.0/24)" \
	"10.9.2.0/24 dev d0 scope link "

before=$(rtnl_routes)
rc route-del d1 10.9.0.0/24 254 5
check "route_del removes exactly the main-table 10.9.0.0/24" same "$(rtnl_routes)" \
	"$(grep -v '^10.9.0.0/24 dev d1 table 254' <<<"$before")"
rc route-del d0 fd09::/64 1000 5
rc route-del d0 0.0.0.0/0 1000 3
check "route_del in table 1000 (v6, and the v4 default route)" same "$(rtnl_routes)" \
	"$(grep -v '^fd09::/64 dev d0 table 1000\|^0.0.0.0/0' <<<"$before" | grep -v '^10.9.0.0/24 dev d1 table 254')"
check "route_del of an absent route is -ESRCH" rc_err ESRCH route-del d0 10.9.0.0/24 254 5
check "route_del never removes a foreign route (proto static 10.8.0.0/24)" rc_err ESRCH route-del d0 10.8.0.0/24 254 0
check "route_del never removes a foreign IPv6 route (fd08::/64)" rc_err ESRCH route-del d0 fd08::/64 254 0
rc route-replace d0 fd0a::/64 254 0
rc route-del d0 fd0a::/64 254 0
check "IPv6 metric 0 is the kernel's 1024: route_del with metric 0 removes it" \
	bash -c '! grep -q fd0a:: <<<"$1"' _ "$(rtnl_routes)"
check "ip agrees after the deletes" same "$(rtnl_routes)" "$(ip_routes)"
check "the foreign routes survived every operation" same "$(foreign)" "$foreign_before"

# A dump larger than one receive buffer (many recvmsg calls, one socket).
for i in $(seq 0 2999); do echo "route add 10.$((100 + i / 250)).$((i % 250)).0/24 dev d0 proto 157 table 2000"; done \
	| in_host "$H" ip -batch -
check "route_list of a 3000-route table (multi-part dump) matches ip" same "$(rtnl_routes)" "$(ip_routes)"
check "... and counts 3000 routes in table 2000" same "$(rtnl_routes | grep -c 'table 2000')" 3000
rc route-replace d0 10.100.0.0/24 2000 9
check "route_replace next to a large table" same "$(in_host "$H" ip route show table 2000 10.100.0.0/24)" \
	"10.100.0.0/24 dev d0 proto 157 scope link metric 9 "

# --- sysctl (per network namespace) ---
check "sysctl_read net.ipv4.ip_forward matches /proc in the namespace" same \
	"$(rc sysctl-read net.ipv4.ip_forward)" "$(in_host "$H" cat /proc/sys/net/ipv4/ip_forward)"
new=$((1 - $(in_host "$H" cat /proc/sys/net/ipv4/ip_forward)))
rc sysctl-write net.ipv4.ip_forward "$new"
check "sysctl_write net.ipv4.ip_forward=$new in the namespace" same "$(in_host "$H" cat /proc/sys/net/ipv4/ip_forward)" "$new"
check "sysctl_read sees the new value" same "$(rc sysctl-read net.ipv4.ip_forward)" "$new"
check "the host's own ip_forward is unchanged" same "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_forward"
check "sysctl_write with a bad key is -EINVAL" rc_err EINVAL sysctl-write net.ipv4/../ip_forward 1
check "sysctl_read of a missing key is -ENOENT" rc_err ENOENT sysctl-read net.ipv4.no_such_key
check "sysctl_write of a bad value is -EINVAL from the kernel" rc_err EINVAL sysctl-write net.ipv4.ip_forward xyz


# --- policy rules (wgf's: protocol 157 and priority 20000-20999) ---
# Foreign rules: another protocol inside the range, and protocol 157 outside it.
in_host "$H" ip rule add from 10.9.0.0/24 lookup 100 priority 20200 protocol static
in_host "$H" ip rule add from 10.9.0.0/24 lookup 100 priority 21000 protocol 157
in_host "$H" ip -6 rule add from fd09::/64 lookup 100 priority 19999 protocol 157
foreign_rules() { in_host "$H" sh -c 'ip rule show; ip -6 rule show' | grep -E '^(20200|21000|19999):' | sort; }
foreign_rules_before=$(foreign_rules)
rc rule-add 4 20000 all all - - - 0 254 0
rc rule-add 6 20000 all all - - - 0 254 0
rc rule-add 4 20100 10.8.0.0/24 all - - - 0 52001 -
rc rule-add 6 20100 fd00:8::/64 2001:db8::/32 - - - 0 52001 -
rc rule-add 4 20150 all all wrv9 - - 0 52002 -
rc rule-add 4 20900 all all - 51820 - 1 52000 -
rc rule-add 4 20910 all all - 7 255 0 52000 -
check "rule_add: ip sees the v4 suppress rule with protocol 157" same \
	"$(in_host "$H" ip -4 rule show priority 20000)" "20000:	from all lookup main suppress_prefixlength 0 proto 157"
check "rule_add: ip sees the v6 suppress rule" same \
	"$(in_host "$H" ip -6 rule show priority 20000)" "20000:	from all lookup main suppress_prefixlength 0 proto 157"
check "rule_add: from a source, table above 255 (FRA_TABLE)" same \
	"$(in_host "$H" ip -4 rule show priority 20100)" "20100:	from 10.8.0.0/24 lookup 52001 proto 157"
check "rule_add: IPv6 from and to" same \
	"$(in_host "$H" ip -6 rule show priority 20100)" "20100:	from fd00:8::/64 to 2001:db8::/32 lookup 52001 proto 157"
check "rule_add: not fwmark (FIB_RULE_INVERT), the wg-quick pair" same \
	"$(in_host "$H" ip -4 rule show priority 20900)" "20900:	not from all fwmark 0xca6c lookup 52000 proto 157"
check "rule_add: iif, fwmark with a mask" same \
	"$(in_host "$H" sh -c 'ip -4 rule show priority 20150; ip -4 rule show priority 20910')" \
	"$(printf '20150:\tfrom all iif wrv9 [detached] lookup 52002 proto 157\n20910:\tfrom all fwmark 0x7/0xff lookup 52000 proto 157')"
want_rules=$(printf '%s\n' '20000: from all lookup main suppress_prefixlength 0 (IPv4)' \
	'20100: from 10.8.0.0/24 lookup 52001' '20150: from all iif wrv9 lookup 52002 (IPv4)' \
	'20900: not from all fwmark 0xca6c lookup 52000 (IPv4)' '20910: from all fwmark 0x7/0xff lookup 52000 (IPv4)' \
	'20000: from all lookup main suppress_prefixlength 0 (IPv6)' '20100: from fd00:8::/64 to 2001:db8::/32 lookup 52001')
check "rule_list: exactly wgf's rules, both families, foreign ones left out" same "$(rc rule-list)" "$want_rules"
check "rule_list count matches ip's protocol-157 rules in 20000-20999" same "$(rc rule-list | wc -l)" \
	"$(in_host "$H" sh -c 'ip -j -4 rule show; ip -j -6 rule show' | jq -s '[.[][] | select(.protocol == "157" and .priority >= 20000 and .priority <= 20999)] | length')"
check "rule_add of a rule that is there is -EEXIST" rc_err EEXIST rule-add 4 20100 10.8.0.0/24 all - - - 0 52001 -
check "rule_add outside wgf's range is -EINVAL (nothing sent)" rc_err EINVAL rule-add 4 19999 all all - - - 0 52001 -
check "rule_del of a rule that is not there is -ENOENT" rc_err ENOENT rule-del 4 20100 10.8.1.0/24 all - - - 0 52001 -
check "rule_del never touches a foreign rule (protocol static, in the range)" rc_err ENOENT rule-del 4 20200 10.9.0.0/24 all - - - 0 100 -
check "rule_del never touches a protocol-157 rule outside the range (EINVAL)" rc_err EINVAL rule-del 4 21000 10.9.0.0/24 all - - - 0 100 -
# Same priority: the kernel would take the first rule the request matches.
rc rule-add 4 20300 10.30.0.0/24 all - - - 0 52003 -
rc rule-add 4 20300 all all - - - 0 52003 -
check "rule_add: 'from all' next to 'from 10.30.0.0/24' of the same priority and table (no EXCL clash)" same \
	"$(in_host "$H" ip -4 rule show priority 20300 | wc -l)" 2
rc rule-del 4 20300 all all - - - 0 52003 -
check "rule_del of 'from all' leaves the more specific rule of the same priority" same \
	"$(in_host "$H" ip -4 rule show priority 20300)" "20300:	from 10.30.0.0/24 lookup 52003 proto 157"
rc rule-add 4 20301 all all - 51820 - 0 52003 -
rc rule-add 4 20301 all all - 51820 - 1 52003 -
check "rule_add: 'not fwmark' next to 'fwmark' of the same priority" same \
	"$(in_host "$H" ip -4 rule show priority 20301 | wc -l)" 2
rc rule-del 4 20301 all all - 51820 - 1 52003 -
check "rule_del of 'not fwmark' leaves 'fwmark' of the same priority" same \
	"$(in_host "$H" ip -4 rule show priority 20301)" "20301:	from all fwmark 0xca6c lookup 52003 proto 157"
for spec in "4 20000 all all - - - 0 254 0" "6 20000 all all - - - 0 254 0" "4 20100 10.8.0.0/24 all - - - 0 52001 -" \
	"6 20100 fd00:8::/64 2001:db8::/32 - - - 0 52001 -" "4 20150 all all wrv9 - - 0 52002 -" \
	"4 20900 all all - 51820 - 1 52000 -" "4 20910 all all - 7 255 0 52000 -" "4 20300 10.30.0.0/24 all - - - 0 52003 -" \
	"4 20301 all all - 51820 - 0 52003 -"; do
	# shellcheck disable=SC2086
	rc rule-del $spec
done
check "rule_del removed every wgf rule" same "$(rc rule-list)" ""
check "the foreign rules survived every operation" same "$(foreign_rules)" "$foreign_rules_before"

# --- route kinds: blackhole, throw, prefsrc ---
rc route-set blackhole - 0.0.0.0/0 52001 0 -
rc route-set throw - ::/0 52001 0 -
rc route-set unicast d0 0.0.0.0/0 52002 0 10.1.0.1
check "a blackhole route: ip sees it in table 52001" same \
	"$(in_host "$H" ip -4 route show table 52001 proto 157)" "blackhole default "
check "a throw route (IPv6)" bash -c '[[ $1 == "throw default "* ]]' _ "$(in_host "$H" ip -6 route show table 52001 proto 157)"
check "a route with prefsrc" same "$(in_host "$H" ip -4 route show table 52002 proto 157)" \
	"default dev d0 scope link src 10.1.0.1 "
check "route_list reports the kinds (no device for blackhole/throw, src)" same \
	"$(rc route-kinds | grep -E 'table 5200[12] ' | sort)" "$(printf '%s\n' \
	'0.0.0.0/0 blackhole dev - table 52001 metric 0 src -' '::/0 throw dev - table 52001 metric 1024 src -' \
	'0.0.0.0/0 unicast dev d0 table 52002 metric 0 src 10.1.0.1/32' | sort)"
rc route-set unicast d1 0.0.0.0/0 52001 0 -
check "route_replace turns the blackhole into a route out of d1 (one route)" same \
	"$(in_host "$H" ip -4 route show table 52001 proto 157)" "default dev d1 scope link "
rc route-set blackhole - 0.0.0.0/0 52001 0 -
check "... and back into a blackhole" same "$(in_host "$H" ip -4 route show table 52001 proto 157)" "blackhole default "
rc route-set unicast d1 ::/0 52001 0 -
check "route_replace turns the IPv6 throw into a route out of d1 (one route)" same \
	"$(in_host "$H" ip -6 route show table 52001 proto 157 | sed 's/ pref medium//')" "default dev d1 metric 1024"
rc route-set throw - ::/0 52001 0 -
check "... and back into a throw" bash -c '[[ $1 == "throw default "* && $(wc -l <<<"$1") == 1 ]]' _ \
	"$(in_host "$H" ip -6 route show table 52001 proto 157)"
in_host "$H" ip addr add fd00:77::1/64 dev d0 nodad
rc route-set unicast d0 ::/0 52003 0 fd00:77::1
check "an IPv6 route with prefsrc" same "$(in_host "$H" ip -6 route show table 52003 proto 157 | sed 's/ pref medium//')" \
	"default dev d0 src fd00:77::1 metric 1024"
check "route_list reports the IPv6 prefsrc" same "$(rc route-kinds | grep 'table 52003 ')" \
	"::/0 unicast dev d0 table 52003 metric 1024 src fd00:77::1/128"
rc route-set unicast d0 ::/0 52003 0 -
check "route_replace without prefsrc drops it" same "$(rc route-kinds | grep 'table 52003 ')" \
	"::/0 unicast dev d0 table 52003 metric 1024 src -"
check "a prefsrc the host does not have is refused by the kernel (EINVAL)" rc_err EINVAL route-set unicast d0 0.0.0.0/0 52003 0 10.123.0.1
rc route-unset unicast d0 ::/0 52003 0 -
rc route-unset blackhole - 0.0.0.0/0 52001 0 -
rc route-unset throw - ::/0 52001 0 -
rc route-unset unicast d0 0.0.0.0/0 52002 0 10.1.0.1
check "route_del removes blackhole, throw and prefsrc routes" same "$(rc route-kinds | grep -E 'table 5200[12] ')" ""

# --- a switched route: the member in use is observed state, not drift ---
rc route-set unicast d0 0.0.0.0/0 52005 0 -
check "switched route out of its first choice: no change" same "$(rc switched-drift 52005 0.0.0.0/0 d0 d1 | tail -n 1)" "0 route changes"
in_host "$H" ip route replace default dev d1 table 52005 proto 157
check "pointed at another desired device by hand: not drift" same "$(rc switched-drift 52005 0.0.0.0/0 d0 d1 | tail -n 1)" "0 route changes"
in_host "$H" ip route replace blackhole default table 52005 proto 157
check "a blackhole in its place: not drift" same "$(rc switched-drift 52005 0.0.0.0/0 d0 d1 | tail -n 1)" "0 route changes"
in_host "$H" ip route replace default dev d0p table 52005 proto 157
check "out of a device the desired state does not have: replaced (create + delete)" same \
	"$(rc switched-drift 52005 0.0.0.0/0 d0 d1)" "$(printf '%s\n' 'delete route 0.0.0.0/0 d0p' 'create route 0.0.0.0/0 d0' '2 route changes')"
in_host "$H" ip route del default table 52005 proto 157
check "none at all: created" same "$(rc switched-drift 52005 0.0.0.0/0 d0 d1)" "$(printf '%s\n' 'create route 0.0.0.0/0 d0' '1 route changes')"

check "rtnl_check never crashed (sanitizers/valgrind clean)" \
	bash -c '! [ -s "$1" ] || { sed "s/^/# /" "$1"; false; }' _ "$LAB_DIR/crashes"

lab_done
