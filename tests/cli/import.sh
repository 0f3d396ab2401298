# wgf import wg-quick, without root: what it writes, what it refuses, and that
# the repository it writes gives each device its configuration back (wgf peer
# config unseals the imported PSK with the operator's identity). Sourced by
# tests/cli/run (uses its run3, check, $tmp, $WGF). The real wg-quick, plan and
# apply on an adopted hub are in tests/lab/test_import.sh.
im=$tmp/import
mkdir -p "$im"
( umask 077
  for k in hub laptop phone hubseal; do wg genkey >"$im/$k.key"; wg pubkey <"$im/$k.key" >"$im/$k.pub"; done
  wg genpsk >"$im/psk"
  WGF_IDENTITY=$im/alice.id "$WGF" operator init alice >/dev/null )
cat >"$im/wg0.conf" <<EOF
[Interface]
# Name = hub
PrivateKey = $(cat "$im/hub.key")
Address = 10.66.0.1/24, fd66::1/64
ListenPort = 51820
MTU = 1400

# Client: laptop (1f2e)
[Peer]
PublicKey = $(cat "$im/laptop.pub")
PresharedKey = $(cat "$im/psk")
AllowedIPs = 10.66.0.2/32, fd66::2/128
[Peer]
PublicKey = $(cat "$im/phone.pub")
AllowedIPs = 10.66.0.3/32
EOF
cat >"$im/laptop.conf" <<EOF
[Interface]
PrivateKey = $(cat "$im/laptop.key")
Address = 10.66.0.2/32, fd66::2/128
DNS = 10.66.0.1, home.arpa
[Peer]
PublicKey = $(cat "$im/hub.pub")
PresharedKey = $(cat "$im/psk")
AllowedIPs = 10.66.0.0/24, fd66::/64
Endpoint = 192.0.2.1:51820
EOF
r=$(run3 "$WGF" import wg-quick "$im/wg0.conf" "$im/laptop.conf" -o "$im/repo" \
	--sealing-key hub="$(wg pubkey <"$im/hubseal.key")" --identity "$im/alice.id" --operator alice)
check "import wg-quick: exit 0, a summary, no warning" bash -c \
	"test $r -eq 0 && grep -q '^Wrote .*1 network, 1 host, 2 peers, 1 preshared key sealed' '$tmp/o' && ! test -s '$tmp/e'"
check "... the repository validates" test "$(rc "$WGF" validate "$im/repo")" -eq 0
check "... holds no private key and no PSK" bash -c \
	"! grep -rqF -e \"\$(cat '$im/hub.key')\" -e \"\$(cat '$im/laptop.key')\" -e \"\$(cat '$im/psk')\" '$im/repo'"
r=$(run3 env WGF_IDENTITY="$im/alice.id" "$WGF" peer config laptop "$im/repo" --private-key-file "$im/laptop.key")
check "peer config of the imported laptop: its PSK unsealed, its addresses, DNS and the hub's MTU" bash -c \
	"test $r -eq 0 && grep -qxF \"PresharedKey = \$(cat '$im/psk')\" '$tmp/o' &&
	 grep -qxF 'Address = 10.66.0.2/32, fd66::2/128' '$tmp/o' && grep -qxF 'DNS = 10.66.0.1, home.arpa' '$tmp/o' &&
	 grep -qxF 'MTU = 1400' '$tmp/o' && grep -qxF 'Endpoint = 192.0.2.1:51820' '$tmp/o'"
check "... the phone is named from its key" test -f "$im/repo/peers/peer-$(cut -c1-8 "$im/phone.pub" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/-$//').yaml"
r=$(run3 "$WGF" import wg-quick "$im/wg0.conf" -o "$im/repo")
check "into a directory that is not empty: refused, exit 1" bash -c "test $r -eq 1 && grep -q 'is not empty' '$tmp/e'"
r=$(run3 "$WGF" import wg-quick "$im/wg0.conf" "$im/laptop.conf" -o "$im/nokey")
check "a PSK and no sealing key for its hub: exit 1, says which option, writes nothing" bash -c \
	"test $r -eq 1 && grep -q 'wg0.conf:11:16: error: .*pass --sealing-key hub=KEY' '$tmp/e' && test ! -e '$im/nokey'"
printf '[Interface]\nPrivateKey = %s!\nAddress = 10.66.0.300/24\n' "$(cat "$im/hub.key")" >"$im/bad.conf"
r=$(run3 "$WGF" import wg-quick "$im/bad.conf" -o "$im/bad")
check "a broken file: exit 1, file:line:col, the bad value quoted, never the key" bash -c \
	"test $r -eq 1 && grep -q 'bad.conf:2:14: error: PrivateKey is not a WireGuard key' '$tmp/e' &&
	 grep -q 'bad.conf:3:11: error: .*\"10.66.0.300/24\"' '$tmp/e' && ! grep -qF \"\$(cut -c1-20 '$im/hub.key')\" '$tmp/e'"
ln -s "$im/wg0.conf" "$im/link.conf"
r=$(run3 "$WGF" import wg-quick "$im/link.conf" -o "$im/link")
check "a symbolic link is not read" bash -c "test $r -eq 1 && grep -q 'link.conf: error: not a regular file' '$tmp/e'"
