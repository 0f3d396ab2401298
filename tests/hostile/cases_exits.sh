# Exit groups and "exit" (README "Exit groups"): references that point at the
# wrong thing, values that overflow, interface names that would clash or carry
# shell text, selections that make every peer ambiguous at once, and lists built
# to be slow. Each is refused at its place, in time, without a crash.
# Sourced by tests/hostile/run (helpers in lib.sh; base/ is the valid start).

# xhost NAME ADDRESS ENDPOINT KEY [EXTRA]: an exit Host in hosts/NAME.yaml (its "kind:" at 2:1)
xhost() {
	hfile "hosts/$1.yaml" <<Y
apiVersion: wgf/v1
kind: Host
metadata:
  name: $1
spec:
  role: exit
  publicKey: $4
  endpoint: $3
  addresses: [$2]
${5:-}
Y
}
X1_KEY=buQt6xmxGwhNvfH8wYoSb5T023QhMyWC1C5CefT5ZA0=
X2_KEY=cmC6xSNj2Ep8TeJCkx4ETRjrCaIXGHfmioUDvkFTfys=

# xgroup NAME SPEC-LINES: an ExitGroup in exits/NAME.yaml (spec from line 5)
xgroup() {
	hfile "exits/$1.yaml" <<Y
apiVersion: wgf/v1
kind: ExitGroup
metadata: {name: $1}
spec:
$2
Y
}

hcase "exits: a group of two exits, peers by label and by their own exit, a router in full tunnel, is valid"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xhost x2 10.20.0.4/24 198.51.100.4:51820 "$X2_KEY" "  exitInterface: wgx-second"
xgroup us "  members: [{host: x1, priority: 10}, {host: x2}]
  use: [{peer: alice}]"
echo "  exit: {group: us, except: [192.168.0.0/16]}" >>"$R/hosts/router.yaml"
echo "  exit: direct" >>"$R/peers/bob.yaml"
hnone error

hcase "exits: a duration of twenty digits is refused, not wrapped"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xgroup us "  members: [{host: x1}]
  health: {interval: 99999999999999999999h}"
hcheck 1 "exits/us.yaml:6:22" 'error: "health.interval" must be a duration: a whole number and ms, s, m or h'

hcase "exits: 1194h does not fit in 32 bits of milliseconds (1193h would)"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xgroup us "  members: [{host: x1}]
  health: {hold: 1194h}"
hcheck 1 "exits/us.yaml:6:18" 'error: "health.hold" must be a duration'

hcase "exits: shell text as an exit interface is not an interface name"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY" '  exitInterface: "wgx;rm -rf /"'
hcheck 1 "hosts/x1.yaml:10:18" 'error: interface name "wgx;rm -rf /" is not valid'

hcase "exits: an exit interface equal to the network's interface is refused at it"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY" "  exitInterface: wg0"
hcheck 1 "hosts/x1.yaml:10:18" 'error: exit interface "wg0" of Host "x1" is the interface of Network "net" \(network.yaml:3:1\)'

hcase "exits: two exits whose names share their first 11 characters need their own exitInterface"
xhost frankfurt-exit-1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xhost frankfurt-exit-2 10.20.0.4/24 198.51.100.4:51820 "$X2_KEY"
hcheck 1 "hosts/frankfurt-exit-2.yaml:2:1" 'error: exit interface "wgx-frankfurt-e" of Host "frankfurt-exit-2" \(by default'

hcase "exits: exit names a Peer: no such ExitGroup"
echo "  exit: bob" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:9" 'error: exit: ExitGroup "bob" does not exist'

hcase "exits: a newline in an exit reference is quoted, never printed raw"
printf '  exit: "us\\nerror: forged"\n' >>"$R/peers/alice.yaml"
hrun
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
hmatch "peers/alice.yaml:10:9" 'error: exit: ExitGroup "us\\x0aerror: forged" does not exist' || H_BAD="${H_BAD}no error; "
! grep -q '^error: forged' "$ERR" "$OUT" || H_BAD="${H_BAD}a forged line was printed; "
hdone

hcase "exits: a group named direct is refused (exit: direct means none)"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xgroup direct "  members: [{host: x1}]"
hcheck 1 "exits/direct.yaml:3:18" 'error: ExitGroup name "direct" is reserved'

hcase "exits: a hub as a member is refused: members are exits"
xgroup us "  members: [{host: hub}]"
hcheck 1 "exits/us.yaml:5:20" 'error: member "hub": Host "hub" has role hub, not exit'

hcase "exits: an exit that sends its traffic through a group it is in"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY" "  exit: us"
xgroup us "  members: [{host: x1}]"
hcheck 1 "hosts/x1.yaml:10:9" 'error: exit: ExitGroup "us" has Host "x1" itself as a member'

hcase "exits: two exits that send their traffic through each other"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY" "  exit: us"
xhost x2 10.20.0.4/24 198.51.100.4:51820 "$X2_KEY" "  exit: eu"
xgroup us "  members: [{host: x2}]"
xgroup eu "  members: [{host: x1}]"
hcheck 1 "hosts/x2.yaml:10:9" 'error: exit: exits send their traffic through each other \("x1" -> "x2" -> "x1"\)'

hcase "exits: two groups selecting the same peer: an error at each, naming the other"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xhost x2 10.20.0.4/24 198.51.100.4:51820 "$X2_KEY"
xgroup us "  members: [{host: x1}]
  use: {peer: alice}"
xgroup eu "  members: [{host: x2}]
  use: [{peer: bob}, {peer: alice}]"
hrun
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
hmatch "exits/us.yaml:6:8" 'error: Peer "alice" is selected by ExitGroup "us" and by ExitGroup "eu" \(exits/eu.yaml:6:22\)' ||
	H_BAD="${H_BAD}no error at us; "
hmatch "exits/eu.yaml:6:22" 'error: Peer "alice" is selected by ExitGroup "eu" and by ExitGroup "us" \(exits/us.yaml:6:8\)' ||
	H_BAD="${H_BAD}no error at eu; "
[ "$(grep -c ': error: ' "$ERR")" -eq 2 ] || H_BAD="${H_BAD}not exactly 2 errors; "
hdone

hcase "exits: 3000 peers selected by two groups at once: bounded output, in time"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xhost x2 10.20.0.4/24 198.51.100.4:51820 "$X2_KEY"
python3 - "$R" <<'PY'
import base64, hashlib, sys
with open(sys.argv[1] + "/peers/many.yaml", "w") as f:
    for i in range(3000):
        k = bytearray(hashlib.sha256(b"x%d" % i).digest()); k[31] &= 0x7f
        f.write("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: m%d, labels: {all: \"yes\"}}\n"
                "spec: {publicKey: %s, addresses: [\"fd20::%x\"], hubs: [hub]}\n"
                % (i, base64.b64encode(bytes(k)).decode(), 0x1000 + i))
PY
xgroup us "  members: [{host: x1}]
  use: {labels: {all: \"yes\"}}"
xgroup eu "  members: [{host: x2}]
  use: {labels: {all: \"yes\"}}"
HOSTILE_TIMEOUT=30 hrun
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
hmatch "exits/eu.yaml:6:8" 'error: Peer "m0" is selected by ExitGroup "eu" and by ExitGroup "us"' || H_BAD="${H_BAD}no error; "
[ "$(wc -l <"$ERR")" -le 1100 ] || H_BAD="${H_BAD}$(wc -l <"$ERR") lines of output; "
hdone

hcase "exits: 20000 members naming the same host: listed twice, in time"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
{ printf 'apiVersion: wgf/v1\nkind: ExitGroup\nmetadata: {name: us}\nspec:\n  members:\n'
  for i in $(seq 20000); do echo "    - {host: x1}"; done; } >"$R/exits.yaml"
HOSTILE_TIMEOUT=30 hcheck 1 "exits.yaml:7:14" 'error: member "x1" is listed twice'

hcase "exits: only and except together are refused at except"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xgroup us "  members: [{host: x1}]"
echo "  exit: {group: us, only: [10.0.0.0/8], except: [10.1.0.0/16]}" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:49" 'error: "only" and "except" exclude each other'

hcase "exits: a group nested in a group is a type error"
echo "  exit: {group: {group: us}}" >>"$R/peers/alice.yaml"
hcheck 1 "peers/alice.yaml:10:17" 'error: "exit.group" must be a string, got a mapping'

hcase "exits: a router's exit group among its hubs is refused at the hub"
xhost x1 10.20.0.3/24 198.51.100.3:51820 "$X1_KEY"
xgroup us "  members: [{host: x1}]"
printf '  hubs: [x1]\n  exit: us\n' >>"$R/hosts/router.yaml"
hcheck 1 "hosts/router.yaml:12:10" 'error: hub "x1" is a member of ExitGroup "us", which Host "router" sends its traffic through \(hosts/router.yaml:13:9\): their tunnel moves to the exit interface "wgx-x1"'
