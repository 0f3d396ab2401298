#!/usr/bin/env bash
# Import and adoption (issue 14): three realistic wg-quick files (a hub with
# IPv4+IPv6 addresses, a PostUp masquerade, PSKs on some peers, named and unnamed
# peers; a second server; a client with DNS) -> `wgf import wg-quick` -> `wgf
# validate`. The hub and the second server run under the real `wg-quick up`
# (wireguard-go as its userspace implementation), the clients handshake from
# their own namespaces; then on the hub `wgf plan` with the imported repository
# shows no change to its peers, and `wgf apply` drops no session: every peer's
# latest handshake stays the same and a running ping goes on. `wgf import
# interface` of the same running device gives an equivalent repository.
set -u
here=$(cd "$(dirname "$0")" && pwd)
LAB_RUN=${LAB_RUN:-im$$}
. "$here/lib.sh"
lab_start "${1:-build}"
lab_need wg wg-quick wireguard-go nft python3 || { lab_done; exit 1; }

D=$LAB_DIR
lab_switch
for h in hub site laptop phone; do lab_host "$h"; done
lab_port hub 198.51.100.1/24
lab_port site 198.51.100.2/24
lab_port laptop 198.51.100.10/24
lab_port phone 198.51.100.11/24
umask 077
for k in hub site laptop phone; do wg genkey >"$D/$k.wg"; wg pubkey <"$D/$k.wg" >"$D/$k.pub"; done
wg genpsk >"$D/laptop.psk"
# the hub as it will run wgf: its WireGuard key where wgf reads it, and its sealing
# key from `wgf host init` (beside it: etc/sealing.key), whose public half the import seals to
mkdir -p "$D/etc" && cp "$D/hub.wg" "$D/etc/private.key"
check "wgf host init beside the installed key: only the sealing key is made" bash -c \
	"WGF_KEY_FILE='$D/etc/private.key' '$WGF' host init >/dev/null 2>&1 && test -f '$D/etc/sealing.key' &&
	 cmp -s '$D/hub.wg' '$D/etc/private.key'"
hub_seal=$(WGF_KEY_FILE="$D/etc/private.key" "$WGF" host pubkey --sealing)
wg genkey >"$D/alice.identity"     # an operator's identity
pub() { cat "$D/$1.pub"; }

# --- the three files, as people write them -------------------------------------
cat >"$D/imw0.conf" <<EOF
# Server (wg-easy style comments below)
[Interface]
# Name = hub
PrivateKey = $(cat "$D/hub.wg")
Address = 10.40.0.1/24
Address = fd40::1/64
ListenPort = 51820
PostUp = nft add table ip imnat; nft add chain ip imnat post '{ type nat hook postrouting priority 100; }'; nft add rule ip imnat post oifname eth0 masquerade
PostDown = nft delete table ip imnat
SaveConfig = true

[Peer]
# Name = site
PublicKey = $(pub site)
AllowedIPs = 10.40.0.2/32, fd40::2/128, 192.168.2.0/24
Endpoint = 198.51.100.2:51821

# Client: laptop (5b0f1c2e)
[Peer]
PublicKey = $(pub laptop)
PresharedKey = $(cat "$D/laptop.psk")
AllowedIPs = 10.40.0.10/32, fd40::10/128

[Peer]
PublicKey = $(pub phone)
AllowedIPs = 10.40.0.11/32, fd40::11/128
PersistentKeepalive = 25
EOF
printf '[interface]\r\n# Name = site\r\nprivatekey = %s\r\naddress = 10.40.0.2/24, fd40::2/64\r\nlistenport = 51821\r\ntable = off\r\n\r\n[peer]\r\npublickey = %s\r\nallowedips = 10.40.0.0/24, fd40::/64   # the whole tunnel\r\nendpoint = 198.51.100.1:51820\r\n' \
	"$(cat "$D/site.wg")" "$(pub hub)" >"$D/imw1.conf"
cat >"$D/laptop.conf" <<EOF
[Interface]
PrivateKey = $(cat "$D/laptop.wg")
Address = 10.40.0.10/32, fd40::10/128
DNS = 10.40.0.1, fd40::1, corp.example

[Peer]
PublicKey = $(pub hub)
PresharedKey = $(cat "$D/laptop.psk")
AllowedIPs = 10.40.0.0/24, fd40::/64, 192.168.2.0/24
Endpoint = 198.51.100.1:51820
PersistentKeepalive = 25
EOF

# --- import, validate -----------------------------------------------------------
"$WGF" import wg-quick "$D/imw0.conf" "$D/imw1.conf" "$D/laptop.conf" -o "$D/repo" \
	--sealing-key hub="$hub_seal" --identity "$D/alice.identity" --operator alice \
	>"$D/import.out" 2>"$D/import.err"; rc=$?
check "import wg-quick: exit 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$D/import.err"
check "... warns about the PostUp masquerade at its file:line:col" \
	grep -q 'imw0.conf:8:[0-9]*: warning: PostUp .*wgf masquerades by itself' "$D/import.err"
check "... about PostDown, Table (CRLF file, lower-case keys) and SaveConfig" bash -c \
	"grep -q 'imw0.conf:9:[0-9]*: warning: PostDown' '$D/import.err' &&
	 grep -q 'imw1.conf:6:[0-9]*: warning: Table = \"off\"' '$D/import.err' &&
	 grep -q 'imw0.conf:10:[0-9]*: warning: SaveConfig' '$D/import.err'"
check "... says what a plan on the site would change (its hub entry's AllowedIPs)" \
	grep -q 'imw1.conf:10:[0-9]*: warning: on host site, wgf gives this peer AllowedIPs 10.40.0.1/32' "$D/import.err"
check "... and nothing about the hub's peers, which wgf renders as they are" bash -c \
	"! grep -q 'imw0.conf:.*wgf \(gives\|has no such\|adds\)' '$D/import.err'"
check "... tells how to install the hub's private key" grep -q "wg show imw0 private-key > /etc/wgf/private.key" "$D/import.out"
secrets_absent() {
	local k
	for k in hub.wg site.wg laptop.wg phone.wg laptop.psk etc/sealing.key alice.identity; do
		if grep -rqF "$(cat "$D/$k")" "$1" "$D/import.out" "$D/import.err"; then echo "#   $k found"; return 1; fi
	done
}
check "... no private key or PSK in the repository or the output" secrets_absent "$D/repo"
check "... files 0644" test -z "$(find "$D/repo" -type f ! -perm 0644)"
check "wgf validate accepts the repository" "$WGF" validate "$D/repo"
check "... a Network, an exit hub, a router, named and derived peers, the Operator" bash -c \
	"grep -q 'role: exit' '$D/repo/hosts/hub.yaml' && grep -q 'role: router' '$D/repo/hosts/site.yaml' &&
	 test -f '$D/repo/peers/laptop.yaml' && ls '$D/repo/peers/' | grep -q '^peer-' &&
	 test -f '$D/repo/operators/alice.yaml' && grep -q 'corp.example' '$D/repo/network.yaml'"
check "... the PSK sealed to the hub and to alice" bash -c \
	"grep -q 'host/hub:' '$D/repo/peers/laptop.yaml' && grep -q 'operator/alice:' '$D/repo/peers/laptop.yaml'"
"$WGF" import wg-quick "$D/imw0.conf" -o "$D/repo" >/dev/null 2>"$D/nonempty.err"; rc=$?
check "import into a non-empty directory: refused without --force" \
	bash -c "test $rc -eq 1 && grep -q 'not empty' '$D/nonempty.err'"
"$WGF" import wg-quick "$D/imw0.conf" "$D/imw1.conf" -o "$D/nopsk" >/dev/null 2>"$D/nopsk.err"; rc=$?
check "a PSK without the hub's sealing key: an error naming --sealing-key hub=KEY, nothing written" \
	bash -c "test $rc -eq 1 && grep -q 'imw0.conf:21:[0-9]*: error: .*--sealing-key hub=KEY' '$D/nopsk.err' && test ! -e '$D/nopsk'"

# --- the network as wg-quick runs it --------------------------------------------
wgq() { in_host "$1" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick "$2" "$3"; }
check "wg-quick up on the hub (wireguard-go)" wgq hub up "$D/imw0.conf"
check "wg-quick up on the site" wgq site up "$D/imw1.conf"
# a client: its configuration stripped of wg-quick's own keys (DNS needs resolvconf)
client_up() {   # client_up HOST IFNAME CONF ADDR...
	local h=$1 ifn=$2 conf=$3 a; shift 3
	lab_wg_up "$h" "$ifn" && in_host "$h" wg setconf "$ifn" <(wg-quick strip "$conf") || return 1
	for a in "$@"; do in_host "$h" ip addr add "$a" dev "$ifn" || return 1; done
	in_host "$h" ip link set "$ifn" up && in_host "$h" ip route add 10.40.0.0/24 dev "$ifn" &&
		in_host "$h" ip -6 route add fd40::/64 dev "$ifn"
}
cat >"$D/imw3.conf" <<EOF
[Interface]
PrivateKey = $(cat "$D/phone.wg")
[Peer]
PublicKey = $(pub hub)
AllowedIPs = 10.40.0.0/24, fd40::/64
Endpoint = 198.51.100.1:51820
PersistentKeepalive = 25
EOF
check "the laptop (PSK) up" client_up laptop imw2 "$D/laptop.conf" 10.40.0.10/32 fd40::10/128
check "the phone up" client_up phone imw3 "$D/imw3.conf" 10.40.0.11/32 fd40::11/128
check "laptop -> hub over the tunnel" pings laptop 10.40.0.1
check "phone -> hub (IPv6)" pings phone fd40::1
check "site -> hub" pings site 10.40.0.1
handshakes() { in_host hub wg show imw0 latest-handshakes | sort; }
all_handshakes() { [ "$(handshakes | awk '$2 > 0' | wc -l)" -eq 3 ]; }
check "the hub has a handshake with every peer" all_handshakes

# --- adoption: the hub's private key for wgf, then plan and apply ------------------
same_key() { cmp -s <(in_host hub wg show imw0 private-key) "$D/etc/private.key"; }
check "the install command the import printed gives the key wgf reads" same_key
hub() { in_host hub env WGF_KEY_FILE="$D/etc/private.key" WGF_STATE_DIR="$D/state-hub" \
	NO_COLOR=1 "$WGF" "$@"; }
check "wgf host pubkey prints the key the import put on the Host" \
	grep -qF "$(WGF_KEY_FILE="$D/etc/private.key" "$WGF" host pubkey)" "$D/repo/hosts/hub.yaml"
# --- import interface: the same device, as wg-quick runs it -------------------------
# (the sealing key: sealing.key beside the key file, as wgf host init made it)
in_host hub env WGF_KEY_FILE="$D/etc/private.key" "$WGF" import interface imw0 -o "$D/repo2" --name hub \
	--endpoint hub=198.51.100.1:51820 \
	--identity "$D/alice.identity" --operator alice >"$D/import2.out" 2>"$D/import2.err"; rc=$?
check "import interface imw0: exit 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$D/import2.err"
check "... valid" "$WGF" validate "$D/repo2"
check "... no private key or PSK in it" secrets_absent "$D/repo2"
equivalent() {
	python3 - "$D/repo" "$D/repo2" <<'PY'
import ipaddress, pathlib, re, sys
def entries(root):
    # every publicKey with the addresses and lans of its object (the hub's allowed IPs)
    out = {}
    for f in pathlib.Path(root).rglob("*.yaml"):
        t = f.read_text()
        k = re.search(r'publicKey: "([^"]+)"', t)
        if not k: continue
        items = re.findall(r"^    - (\S+)$", t, re.M)
        items = [str(ipaddress.ip_network("%s/%d" % (ipaddress.ip_interface(i).ip, ipaddress.ip_interface(i).max_prefixlen))
                     if ipaddress.ip_interface(i).ip != ipaddress.ip_interface(i).network.network_address
                     else ipaddress.ip_network(i)) for i in items]
        kind = re.search(r"^kind: (\w+)", t, re.M).group(1)
        out[k.group(1)] = (sorted(items), "presharedKeys" in t, re.search(r"persistentKeepalive: (\d+)", t) and
                           re.search(r"persistentKeepalive: (\d+)", t).group(1))
    return out
a, b = entries(sys.argv[1]), entries(sys.argv[2])
if a != b:
    print("# wg-quick import:", a); print("# interface import:", b); sys.exit(1)
PY
}
check "... equivalent to the wg-quick import: the same keys, addresses, LANs, PSKs, keepalives" equivalent
hub plan --host hub "$D/repo2" >"$D/plan3" 2>&1; rc=$?
check "... and planned on the hub: no change to any peer (the laptop's PSK opened from its sealed copy)" bash -c \
	"test $rc -eq 0 -o $rc -eq 2 && ! grep -qE '^ *[-+~] peer' '$D/plan3'"
grep -E '^ *[-+~] peer' -A3 "$D/plan3" | sed 's/^/#   /' 
check "... and to hand wg-quick's route over (192.168.2.0/24)" \
	grep -qx "  ip -4 route replace 192.168.2.0/24 dev imw0 proto 157" "$D/import.out"
handover() { grep '^  ip -[46] route replace ' "$D/import.out" | while read -r cmd; do in_host hub $cmd || exit 1; done; }
check "the hand-over of the routes, as the import printed it" handover
hub plan --host hub "$D/repo" >"$D/plan1" 2>&1; rc=$?
check "plan on the hub: exit 0 or 2" test $rc -eq 0 -o $rc -eq 2
sed 's/^/#   /' "$D/plan1" | head -n 40
peer_changes() { grep -E '^ *[-+~] peer' "$1"; }
check "... no change to any peer" bash -c "test $rc -eq 0 -o $rc -eq 2 && ! grep -qE '^ *[-+~] peer' '$D/plan1'"
check "... no route to add: wg-quick's route is wgf's now" bash -c \
	"test $rc -eq 0 -o $rc -eq 2 && ! grep -qE '^ *[-+~] route 192.168.2.0/24' '$D/plan1'"
check "... no change to the device (key, port) or its addresses" bash -c \
	"test $rc -eq 0 -o $rc -eq 2 && ! grep -qE '^ *[-+~] (device|address|interface)' '$D/plan1'"

before=$(handshakes)
# pings for 8 s at 5 a second, the apply in their middle
in_host phone ping -i 0.2 -w 8 10.40.0.1 >"$D/ping.phone" 2>&1 & ping_phone=$!
in_host laptop ping -i 0.2 -w 8 10.40.0.1 >"$D/ping.laptop" 2>&1 & ping_laptop=$!
sleep 1
hub apply --yes --host hub "$D/repo" >"$D/apply1" 2>&1; rc=$?
check "wgf apply on the hub: exit 0" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$D/apply1" | tail -n 20
after=$(handshakes)
wait $ping_phone $ping_laptop
lost() { awk '/packets transmitted/ { print $1 - $4 }' "$1"; }
sent() { awk '/packets transmitted/ { print $1 }' "$1"; }
echo "# handshakes before: $(echo $before)"; echo "# handshakes after:  $(echo $after)"
echo "# pings: phone $(sent "$D/ping.phone") sent, $(lost "$D/ping.phone") lost; laptop $(sent "$D/ping.laptop") sent, $(lost "$D/ping.laptop") lost"
hs_of() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
check "no session dropped: the phone's and the site's latest handshakes unchanged" bash -c \
	"[ '$(hs_of "$before" "$(pub phone)")' = '$(hs_of "$after" "$(pub phone)")' ] &&
	 [ '$(hs_of "$before" "$(pub site)")' = '$(hs_of "$after" "$(pub site)")' ]"
check "... the phone's running ping went on (none lost of $(sent "$D/ping.phone"))" \
	test "$(lost "$D/ping.phone")" = 0 -a "$(sent "$D/ping.phone")" -ge 30
check "... the laptop's (PSK) handshake unchanged and its ping went on" bash -c \
	"[ '$(hs_of "$before" "$(pub laptop)")' = '$(hs_of "$after" "$(pub laptop)")' ] && [ '$(lost "$D/ping.laptop")' = 0 ]"
hub plan --host hub "$D/repo" >"$D/plan2" 2>&1; rc=$?
check "after apply: plan exits 0 (converged)" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$D/plan2" | head -n 20

check "wg-quick down on the hub still works after wgf adopted it" wgq hub down "$D/imw0.conf"
lab_done
