# Values that parse but cannot work, or would hurt: keys no peer can have,
# forwards that take the tunnel's own port, routing loops, special-purpose
# addresses, reserved interface names, labels YAML reads as non-strings,
# references to the wrong kind, unknown fields with useful hints, and one
# wrong pool reported once instead of once per address.
# Sourced by tests/hostile/run (helpers in lib.sh; base/ is the valid start).

# set_line FILE LINE TEXT: replace one line of a base file (keeps every other location)
set_line() {
	sed -i "$2c\\
$3" "$R/$1"
}

# hcount N: the last run printed exactly N "error:" lines
hcount() {
	local n
	n=$(grep -c ': error: ' "$ERR")
	[ "$n" -eq "$1" ] || H_BAD="${H_BAD}$n errors printed, expected $1; "
}

# --- public keys ---------------------------------------------------------

hcase "an all-zero publicKey is refused"
set_line peers/alice.yaml 6 "  publicKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "AAAAAAAAAAAAAAAA.*" is all zeros: a placeholder'

hcase "a publicKey of order 8 on Curve25519 is refused"
set_line peers/alice.yaml 6 "  publicKey: 4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "4Ot6fDtBuK4WVuP6.*" is a point of small order on Curve25519'

hcase "the point 1 (order 1) is refused"
set_line hosts/hub.yaml 7 "  publicKey: AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
hcheck 1 "hosts/hub.yaml:7:14" 'error: publicKey "AQAA.*" is a point of small order'

hcase "p - 1 (order 2) is refused"
set_line peers/alice.yaml 6 "  publicKey: 7P///////////////////////////////////////38="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "7P//.*" is a point of small order'

hcase "p + 1, a non-canonical 1, is refused as a small-order point"
set_line peers/alice.yaml 6 "  publicKey: 7v///////////////////////////////////////38="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "7v//.*" is a point of small order'

hcase "zero with the top bit set is a small-order point, not a new key"
set_line peers/alice.yaml 6 "  publicKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "AAAA.*" is a point of small order'

hcase "a publicKey with the top bit set is not canonical, and the canonical form is shown"
set_line peers/alice.yaml 6 "  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLcw="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "sksLCBBV7Hgb0mtP.*" is not canonical \(the top bit of its last byte is set\): the same key is written sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=$'

hcase "a publicKey not below 2^255-19 is not canonical"
set_line peers/alice.yaml 6 "  publicKey: 7////////////////////////////////////////38="
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "7///.*" is not canonical \(it is not below 2\^255-19\): the same key is written AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$'

hcase "the same key with the top bit flipped is a duplicate"
set_line peers/bob.yaml 6 "  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLcw="
hcheck 1 "peers/bob.yaml:6:14" 'error: duplicate publicKey: Peer "bob" has the same key as Peer "alice" \(peers/alice.yaml:6:14\)$'

# --- forwards --------------------------------------------------------------

hcase "a udp forward on the host's own listenPort is refused (it would hijack the tunnel)"
happend hosts/hub.yaml <<'Y'
  forwards:
    - protocol: udp
      port: 51820
      to: alice
Y
hcheck 1 "hosts/hub.yaml:14:13" "error: forward port 51820 \(udp\) takes Host \"hub\"'s WireGuard listenPort 51820: the tunnel's own packets"

hcase "a forward range over the listenPort is refused too, with both protocols"
happend hosts/hub.yaml <<'Y'
  forwards:
    - protocol: both
      port: 51000-52000
      to: alice
Y
hcheck 1 "hosts/hub.yaml:14:13" "error: forward port 51000-52000 \(udp\) takes Host \"hub\"'s WireGuard listenPort 51820"

hcase "a tcp forward on the listen port does not touch WireGuard (udp): valid"
happend hosts/hub.yaml <<'Y'
  forwards:
    - protocol: tcp
      port: 51820
      to: alice
Y
hnone error

hcase "a forward of ssh (22/tcp) is a warning, not an error"
happend hosts/hub.yaml <<'Y'
  forwards:
    - protocol: tcp
      port: 22
      to: alice
Y
hcheck 0 "hosts/hub.yaml:14:13" "warning: forward port 22 \(tcp\) takes port 22 \(ssh\) of 198.51.100.1: Host \"hub\"'s own ssh is not reachable"

hcase "a tcp forward of every port is a warning"
happend hosts/hub.yaml <<'Y'
  forwards:
    - protocol: tcp
      port: 1-65535
      to: alice
Y
hcheck 0 "hosts/hub.yaml:14:13" 'warning: forward port 1-65535 takes every port of 198.51.100.1: nothing on Host "hub" itself'

# --- routing loops and IPv4-mapped prefixes --------------------------------

hcase "a LAN that holds a host's endpoint is a routing loop"
set_line hosts/router.yaml 11 "    - 198.51.100.0/24"
hcheck 1 "hosts/router.yaml:11:7" 'error: LAN 198.51.100.0/24 of Host "router" holds the endpoint 198.51.100.1:51820 of Host "hub" \(hosts/hub.yaml:8:13\): the tunnel.s packets to it would be routed into the tunnel'

hcase "a peer LAN that holds a peer's own endpoint is a loop too"
cat >>"$R/peers/alice.yaml" <<'Y'
  endpoint: 203.0.113.5:51820
  lans: [203.0.113.0/28]
Y
hcheck 1 "peers/alice.yaml:11:10" 'error: LAN 203.0.113.0/28 of Peer "alice" holds the endpoint 203.0.113.5:51820 of Peer "alice"'

hcase "an IPv4-mapped IPv6 LAN is refused (it would overlap the pool in disguise)"
set_line hosts/router.yaml 11 '    - "::ffff:10.20.0.0/120"'
hcheck 1 "hosts/router.yaml:11:7" 'error: LAN "::ffff:10.20.0.0/120" overlaps a special-purpose range \(IPv4-mapped IPv6, ::ffff:0.0.0.0/96\): Linux never routes it as IPv6: write the IPv4 form'

hcase "an IPv4-mapped IPv6 pool is refused, once"
set_line network.yaml 10 '    ipv6: "::ffff:10.20.0.0/120"'
hcheck 1 "network.yaml:10:11" 'error: "addressPools.ipv6" "::ffff:10.20.0.0/120" overlaps a special-purpose range \(IPv4-mapped'
hcount 1

# --- endpoints -----------------------------------------------------------

for ep in "0.0.0.0:51820|0.0.0.0 is a special-purpose address \\(unspecified, 0.0.0.0/32\\)" \
	  "[::]:51820|:: is a special-purpose address \\(unspecified, ::/128\\)" \
	  "255.255.255.255:51820|255.255.255.255 is a special-purpose address \\(broadcast" \
	  "224.0.0.1:51820|224.0.0.1 is a special-purpose address \\(multicast, 224.0.0.0/4\\)" \
	  "[ff02::1]:51820|ff02::1 is a special-purpose address \\(multicast, ff00::/8\\)" \
	  "127.0.0.1:51820|127.0.0.1 is a special-purpose address \\(loopback, 127.0.0.0/8\\)" \
	  "[::1]:51820|::1 is a special-purpose address \\(loopback, ::1/128\\)" \
	  "[fe80::1]:51820|fe80::1 is a special-purpose address \\(link-local"; do
	hcase "an endpoint at ${ep%%|*} is refused"
	set_line hosts/hub.yaml 8 "  endpoint: \"${ep%%|*}\""
	hcheck 1 "hosts/hub.yaml:8:13" "error: \"endpoint\" \"\\S+\": ${ep#*|}"
done

hcase "an endpoint inside the tunnel pool is refused"
set_line hosts/hub.yaml 8 "  endpoint: 10.20.0.50:51820"
hcheck 1 "hosts/hub.yaml:8:13" 'error: "endpoint" 10.20.0.50:51820 is inside the network.s IPv4 pool 10.20.0.0/24: the tunnel cannot carry its own packets'

hcase "a host whose endpoint is its own tunnel address is refused"
set_line hosts/hub.yaml 8 "  endpoint: 10.20.0.1:51820"
hcheck 1 "hosts/hub.yaml:8:13" "error: \"endpoint\" 10.20.0.1:51820 is Host \"hub\"'s own tunnel address \\(10.20.0.1/24\\)"

# --- LANs and pools in special ranges --------------------------------------

for lan in "127.0.0.0/8|loopback, 127.0.0.0/8" "224.0.0.0/24|multicast, 224.0.0.0/4" \
	   "169.254.0.0/16|link-local, 169.254.0.0/16" "0.0.0.0/8|\"this network\" \\(RFC 1122\\), 0.0.0.0/8" \
	   "240.0.0.0/8|reserved, 240.0.0.0/4" "::1/128|loopback, ::1/128" \
	   "fe80::/64|link-local, fe80::/10" "ff02::/16|multicast, ff00::/8"; do
	hcase "a LAN in ${lan%%|*} is refused"
	set_line hosts/router.yaml 11 "    - \"${lan%%|*}\""
	hcheck 1 "hosts/router.yaml:11:7" "error: LAN \"[^\"]+\" overlaps a special-purpose range \\(${lan#*|}\\)"
done

hcase "a LAN of 0.0.0.0/0 is refused (that is an exit, not a LAN)"
set_line hosts/router.yaml 11 "    - 0.0.0.0/0"
hcheck 1 "hosts/router.yaml:11:7" 'error: LAN "0.0.0.0/0" is every IPv4 address: a LAN is a network behind one host \(to send the internet through a host, give it role exit\)'

hcase "a pool of 0.0.0.0/0 is refused, once"
set_line network.yaml 9 "    ipv4: 0.0.0.0/0"
hcheck 1 "network.yaml:9:11" 'error: "addressPools.ipv4" "0.0.0.0/0" is every IPv4 address'
hcount 1

hcase "a pool of ::/0 is refused"
set_line network.yaml 10 '    ipv6: "::/0"'
hcheck 1 "network.yaml:10:11" 'error: "addressPools.ipv6" "::/0" is every IPv6 address'

hcase "a pool inside 127.0.0.0/8 is refused"
set_line network.yaml 9 "    ipv4: 127.20.0.0/24"
hcheck 1 "network.yaml:9:11" 'error: "addressPools.ipv4" "127.20.0.0/24" overlaps a special-purpose range \(loopback, 127.0.0.0/8\)'
hcount 1

# --- network and broadcast addresses ---------------------------------------

hcase "a host address that is its prefix's network address is refused"
set_line hosts/hub.yaml 10 "    - 10.20.0.0/24"
hcheck 1 "hosts/hub.yaml:10:7" 'error: address "10.20.0.0/24" is the network address of 10.20.0.0/24: a host needs an address inside it'

hcase "a host address that is its prefix's broadcast address is refused"
set_line hosts/hub.yaml 10 "    - 10.20.0.255/24"
hcheck 1 "hosts/hub.yaml:10:7" 'error: address "10.20.0.255/24" is the broadcast address of 10.20.0.0/24'

hcase "an IPv6 host address with an all-zero host part is the subnet-router anycast address"
set_line hosts/hub.yaml 11 '    - "fd20::/64"'
hcheck 1 "hosts/hub.yaml:11:7" 'error: address "fd20::/64" is the subnet-router anycast address \(all-zero host part\) of fd20::/64'

hcase "a /31 host address has no network or broadcast address: valid"
set_line hosts/router.yaml 9 "    - 10.20.0.4/31"
hnone error

hcase "a peer address that is the pool's network address is refused"
set_line peers/alice.yaml 8 "    - 10.20.0.0"
hcheck 1 "peers/alice.yaml:8:7" 'error: address "10.20.0.0/32" is the network address of the network.s IPv4 pool 10.20.0.0/24: no peer can use it'

hcase "a peer address that is the pool's broadcast address is refused"
set_line peers/alice.yaml 8 "    - 10.20.0.255"
hcheck 1 "peers/alice.yaml:8:7" 'error: address "10.20.0.255/32" is the broadcast address of the network.s IPv4 pool 10.20.0.0/24'

# --- interface names ---------------------------------------------------------

for ifn in "all|net.ipv4.conf.all" "default|net.ipv4.conf.default" "lo|it is the loopback interface" \
	   "bonding_masters|/sys/class/net/bonding_masters"; do
	hcase "the interface name ${ifn%%|*} is reserved"
	set_line network.yaml 7 "  interface: ${ifn%%|*}"
	hcheck 1 "network.yaml:7:14" "error: interface name \"${ifn%%|*}\" is reserved: .*${ifn#*|}"
done

# --- labels are strings ------------------------------------------------------

# alice_labels TEXT: alice with "labels: TEXT" (line 5) in her metadata
alice_labels() {
	hfile peers/alice.yaml <<Y
apiVersion: wgf/v1
kind: Peer
metadata:
  name: alice
  labels: $1
spec:
  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=
  addresses:
    - 10.20.0.10
  hubs: [hub]
Y
}

for v in "1.5|a number" "10|an integer" "0x1F|an integer" "yes|a boolean" "off|a boolean" "TRUE|a boolean" \
	 "1e3|a number" "2024-01-01|a date"; do
	hcase "a plain label value ${v%%|*} is refused: YAML reads it as ${v#*|}"
	alice_labels "{tier: ${v%%|*}}"
	hcheck 1 "peers/alice.yaml:5:18" "error: label \"tier\" has the value ${v%%|*}, which YAML reads as ${v#*|}, not a string: quote it \\(\"${v%%|*}\"\\)"
done

hcase "quoted label values are strings: valid"
alice_labels '{tier: "1.5", on-call: "yes", since: "2024-01-01", n: "10", "on": x}'
hnone error

hcase "a plain label key that YAML reads as a boolean is refused"
alice_labels '{yes: admin}'
hcheck 1 "peers/alice.yaml:5:12" 'error: label key "yes" is read by YAML as a boolean, not a string: quote it \("yes"\)'

hcase "labels in a policy selector are strings too"
hfile policy.yaml <<'Y'
apiVersion: wgf/v1
kind: Policy
metadata:
  name: p
spec:
  rules:
    - from: {labels: {tier: 2}}
      action: drop
Y
hcheck 1 "policy.yaml:7:29" 'error: label "tier" has the value 2, which YAML reads as an integer'

# --- references to the wrong kind --------------------------------------------

hcase "hubs naming a Peer says it is a Peer"
set_line peers/alice.yaml 9 "  hubs: [bob]"
hcheck 1 "peers/alice.yaml:9:10" 'error: hub "bob" is a Peer, not a Host: "hubs" lists Hosts with role hub or exit$'

hcase "hubs naming the Network says so"
set_line peers/alice.yaml 9 "  hubs: [net]"
hcheck 1 "peers/alice.yaml:9:10" 'error: hub "net" is a Network, not a Host'

# --- unknown fields ---------------------------------------------------------

hcase "allowedIPs on a peer points at addresses (and lans)"
echo "  allowedIPs: [10.20.0.10/32]" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:3" 'error: unknown field "allowedIPs" in Peer spec \(wgf derives allowed IPs: did you mean "addresses"\? \(networks behind it go in "lans"\)\)$'

hcase "keepalive means persistentKeepalive"
echo "  keepalive: 25" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:3" 'error: unknown field "keepalive" in Peer spec \(did you mean "persistentKeepalive"\?\)$'

hcase "disabled means enabled: false"
echo "  disabled: true" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:3" 'error: unknown field "disabled" in Peer spec \(did you mean "enabled: false"\?\)$'

hcase "dns written as a list (wg-quick's habit) says it is a mapping"
echo "  dns: [10.20.0.1]" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:8" 'error: "dns" must be a mapping, got a list$'
hnot 'did you mean "lans"'

hcase "DNS on a Network (wg-quick's spelling) suggests dns"
echo "  DNS: {servers: [10.20.0.1]}" >>"$R/network.yaml"
hcheck 1 "network.yaml:11:3" 'error: unknown field "DNS" in Network spec \(did you mean "dns"\?\)$'

hcase "routing domains on a Peer: a Host setting, says so"
echo "  dns: {servers: [10.20.0.1], routing: [corp.test]}" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:40" 'error: "routing" is a Host setting \(the DNS of a host.s own interfaces\): client configs take "servers" and "search"$'

hcase "routing domains on a Host without servers to send them to"
echo "  dns: {search: [corp.test], routing: [lab.test]}" >>"$R/hosts/router.yaml"
hcheck 1 "hosts/router.yaml:12:39" 'error: routing domains need "servers" to send their names to$'

hcase "a Host's defaultRoute must be true or false"
echo "  dns: {servers: [10.20.0.1], defaultRoute: yes}" >>"$R/hosts/router.yaml"
hcheck 1 "hosts/router.yaml:12:45" 'error: "dns.defaultRoute" must be true or false'

hcase "a routing domain with a space in it"
echo "  dns: {servers: [10.20.0.1], routing: [\"corp test\"]}" >>"$R/hosts/router.yaml"
hcheck 1 "hosts/router.yaml:12:41" 'error: routing domain "corp test" is not a DNS name$'

hcase "a preshared key in the clear is refused and called leaked"
echo "  presharedKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:17" 'error: a preshared key in the clear: everyone who can read the repository has it. Seal a new one with `wgf secret psk PEER` \(and treat this one as leaked\)$'
hnot 'sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw='

hcase "privateKey is refused with the reason"
echo "  privateKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=" >>"$R/hosts/router.yaml"
hcheck 1 "hosts/router.yaml:12:3" 'error: unknown field "privateKey" in Host spec \(private keys never go in the repository'

hcase "a short word far from every field gets no suggestion"
echo "  mtx: 1420" >>"$R/hosts/router.yaml"
hcheck 1 "hosts/router.yaml:12:3" 'error: unknown field "mtx" in Host spec \(did you mean "mtu"\?\)$'

# --- one root cause, once ---------------------------------------------------

# many_members N TENANT: N peers of TENANT in 10.20.0.100+ (hub key order kept)
many_members() {
	local i
	for i in $(seq 1 "$1"); do
		python3 - "$R/peers/m$i.yaml" "$i" "$2" <<'PY'
import base64, hashlib, sys
path, i, tenant = sys.argv[1], int(sys.argv[2]), sys.argv[3]
k = bytearray(hashlib.sha256(b"member %d" % i).digest()); k[31] &= 0x7F
t = "  tenant: %s\n" % tenant if tenant != "-" else ""
open(path, "w").write("apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: m%d\nspec:\n%s"
                      "  publicKey: %s\n  addresses: [10.20.0.%d]\n  hubs: [hub]\n"
                      % (i, t, base64.b64encode(bytes(k)).decode(), 100 + i))
PY
	done
}

hcase "a wrong network pool is one error, not one per address"
many_members 40 -
set_line network.yaml 9 "    ipv4: 10.21.0.0/24"
hcheck 1 "network.yaml:9:11" 'error: "addressPools.ipv4" 10.21.0.0/24 does not hold 44 of the 44 IPv4 addresses of Network "net".s hosts and peers \(e.g. 10.20.0.1/24 of Host "hub", hosts/hub.yaml:10:7\): fix the pool first'
hcount 1

hcase "a wrong tenant pool is one error, not one per member"
many_members 40 t
hfile tenant.yaml <<'Y'
apiVersion: wgf/v1
kind: Tenant
metadata:
  name: t
spec:
  addressPools:
    ipv4: 10.20.0.192/26
Y
hcheck 1 "tenant.yaml:7:11" 'error: tenant pool 10.20.0.192/26 does not hold 40 of the 40 IPv4 addresses of Tenant "t".s members \(e.g. 10.20.0.101/32 of Peer "m1", peers/m1.yaml:8:15\): fix the pool first'
hcount 1

hcase "two overlapping tenant pools: one error, members checked against neither"
many_members 10 t
hfile tenant.yaml <<'Y'
apiVersion: wgf/v1
kind: Tenant
metadata:
  name: t
spec:
  addressPools:
    ipv4: 10.20.0.96/27
---
apiVersion: wgf/v1
kind: Tenant
metadata:
  name: u
spec:
  addressPools:
    ipv4: 10.20.0.64/26
Y
hcheck 1 "tenant.yaml:15:11" 'error: tenant pool 10.20.0.64/26 of Tenant "u" overlaps pool 10.20.0.96/27 of Tenant "t" \(tenant.yaml:7:11\)$'
hcount 1

hcase "one member outside a right tenant pool is that member's error"
many_members 5 t
set_line peers/m5.yaml 8 "  addresses: [10.20.0.200]"
hfile tenant.yaml <<'Y'
apiVersion: wgf/v1
kind: Tenant
metadata:
  name: t
spec:
  addressPools:
    ipv4: 10.20.0.96/27
Y
hcheck 1 "peers/m5.yaml:8:15" 'error: address 10.20.0.200/32 of Peer "m5" is outside the IPv4 pool 10.20.0.96/27 of its Tenant "t"$'
hcount 1
