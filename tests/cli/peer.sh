# wgf operator, peer and secret: identities, new peers, client configs, sealed
# preshared keys, rotation; as an unprivileged operator would run them. Sourced by
# tests/cli/run (uses its $pa, AS, run3, check, $tmp). wg-quick itself brings these
# configs up in tests/lab/test_client.sh.
pr=$pa/peers-repo
mkdir -p "$pr/peers"
export WGF_IDENTITY=$pa/alice.id
P=("${AS[@]}")
Pw() { setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$pa" WGF_IDENTITY="$WGF_IDENTITY" "$WGF" "$@"; }
# cfg KEY: the values of KEY in the config in $tmp/o, one line
cfg() { sed -n "s/^$1 = //p" "$tmp/o" | paste -sd'|'; }

chown nobody "$pa"
r=$(run3 Pw operator init alice)
check "operator init: exit 0, an Operator document, the identity 0600" bash -c "test $r -eq 0 && grep -qx 'kind: Operator' '$tmp/o' && grep -qx '  name: alice' '$tmp/o' && test \$(stat -c %a '$WGF_IDENTITY') = 600"
cp "$tmp/o" "$pr/alice.yaml"
r=$(run3 Pw operator init alice)
check "operator init again: refused, the identity kept" bash -c "test $r -eq 1 && grep -q 'already exists' '$tmp/e'"
r=$(run3 Pw operator pubkey alice)
check "operator pubkey prints the same document" cmp -s "$tmp/o" "$pr/alice.yaml"
hub_seal=$(WGF_IDENTITY=$pa/hub.seal "$WGF" operator init x | sed -n 's/  sealingKey: //p')
exit_seal=$(WGF_IDENTITY=$pa/exit.seal "$WGF" operator init x | sed -n 's/  sealingKey: //p')
cat >"$pr/network.yaml" <<YAML
apiVersion: wgf/v1
kind: Network
metadata: {name: home}
spec:
  addressPools: {ipv4: 10.77.0.0/24, ipv6: "fd77::/64"}
  persistentKeepalive: 25
  dns: {servers: [10.77.0.1], search: [home.arpa]}
---
apiVersion: wgf/v1
kind: Host
metadata: {name: hub}
spec:
  role: hub
  publicKey: $(wg genkey | wg pubkey)
  endpoint: 192.0.2.10:51820
  addresses: [10.77.0.1/24, "fd77::1/64"]
  lans: [192.168.50.0/24]
  sealingKey: $hub_seal
---
apiVersion: wgf/v1
kind: Host
metadata: {name: exit}
spec:
  role: exit
  publicKey: $(wg genkey | wg pubkey)
  endpoint: 192.0.2.11:51820
  addresses: [10.77.0.3/24]
  sealingKey: $exit_seal
  mtu: 1380
YAML
chown -R nobody "$pr"

r=$(run3 Pw peer new laptop --hub hub "$pr")
pub=$(sed -n 's/^  publicKey: //p' "$pr/peers/laptop.yaml")
check "peer new: exit 0, peers/laptop.yaml with the next free addresses (.2: .1 and .3 are hosts')" bash -c "test $r -eq 0 && grep -qxF '  addresses: [10.77.0.2, fd77::2]' '$pr/peers/laptop.yaml' && grep -qxF '  hubs: [hub]' '$pr/peers/laptop.yaml'"
check "peer new: the config's private key is the one of the public key written" test "$(cfg PrivateKey | wg pubkey)" = "$pub"
check "peer new: no private key in the repository" bash -c "! grep -rqF '$(cfg PrivateKey)' '$pr'"
check "peer new: the config (Address, DNS, MTU, hub, split tunnel)" test "$(cfg Address)/$(cfg DNS)/$(cfg MTU)/$(cfg Endpoint)/$(cfg AllowedIPs)/$(cfg PersistentKeepalive)" = "10.77.0.2/32, fd77::2/128/10.77.0.1, home.arpa/1420/192.0.2.10:51820/10.77.0.0/24, 192.168.50.0/24, fd77::/64/25"
check "peer new: wg-quick reads the config" bash -c "cp '$tmp/o' '$pa/wgt0.conf' && wg-quick strip '$pa/wgt0.conf' >/dev/null"
check "peer new: no hooks in the config" bash -c "! grep -qiE '^(Pre|Post)(Up|Down)' '$tmp/o'"
r=$(run3 Pw peer new laptop --hub hub "$pr")
check "peer new: a name taken is refused" bash -c "test $r -eq 1 && grep -q 'there is a Peer \"laptop\" already' '$tmp/e'"

r=$(run3 Pw peer config laptop "$pr")
check "peer config: the private key line is a placeholder, the rest as new printed it" bash -c "test $r -eq 0 && grep -qxF 'PrivateKey = (this device'\\''s own private key)' '$tmp/o' && grep -qxF 'AllowedIPs = 10.77.0.0/24, 192.168.50.0/24, fd77::/64' '$tmp/o'"
wg genkey >"$pa/other.key"; chmod 600 "$pa/other.key"; chown nobody "$pa/other.key"
r=$(run3 Pw peer config laptop "$pr" --private-key-file "$pa/other.key")
check "peer config --private-key-file: another device's key is refused" bash -c "test $r -eq 1 && grep -q 'declares another' '$tmp/e' && ! test -s '$tmp/o'"

r=$(run3 Pw peer new phone --hub hub --access vpn-only --psk -o "$pa/phone.conf" "$pr")
check "peer new -o: the file 0600, nothing on stdout" bash -c "test $r -eq 0 && test \$(stat -c %a '$pa/phone.conf') = 600 && ! test -s '$tmp/o'"
cp "$pa/phone.conf" "$tmp/o"
phone_psk=$(cfg PresharedKey)
check "peer new --psk, vpn-only: a preshared key, AllowedIPs the tunnel pools only, .4 (next free)" bash -c "test -n '$phone_psk' && test '$(cfg AllowedIPs)' = '10.77.0.0/24, fd77::/64' && test '$(cfg Address)' = '10.77.0.4/32, fd77::3/128'"
check "peer new --psk: sealed to host/hub and operator/alice, never in the clear" bash -c "grep -q '        host/hub: ' '$pr/peers/phone.yaml' && grep -q '        operator/alice: ' '$pr/peers/phone.yaml' && ! grep -rqF '$phone_psk' '$pr'"
r=$(run3 Pw peer config phone "$pr")
check "peer config opens the sealed key with the identity" bash -c "test $r -eq 0 && grep -qxF 'PresharedKey = $phone_psk' '$tmp/o'"
r=$(run3 env WGF_IDENTITY="$pa/none" "${P[@]}" peer config phone "$pr")
check "peer config without an identity: refused, says how" bash -c "test $r -eq 1 && grep -q 'needs an Operator' '$tmp/e' && grep -q 'wgf operator init' '$tmp/e' && ! test -s '$tmp/o'"
r=$(run3 env WGF_IDENTITY="$pa/hub.seal" "$WGF" peer config phone "$pr")
check "peer config with an identity that is no Operator's: refused" bash -c "test $r -eq 1 && grep -q 'is no Operator' '$tmp/e'"

cp "$pr/peers/phone.yaml" "$pa/phone.before"
r=$(run3 Pw secret psk phone "$pr")
check "secret psk: a new key and id, sealed again" bash -c "test $r -eq 0 && ! cmp -s '$pa/phone.before' '$pr/peers/phone.yaml' && test \$(diff '$pa/phone.before' '$pr/peers/phone.yaml' | grep -c '^>') -eq 3"
r=$(run3 Pw peer config phone "$pr")
new_psk=$(cfg PresharedKey)
check "peer config: the new preshared key" bash -c "test $r -eq 0 && test -n '$new_psk' && test '$new_psk' != '$phone_psk'"
# a second operator joins: reseal gives them a copy, the key stays
WGF_IDENTITY=$pa/bob.id "$WGF" operator init bob >"$pr/bob.yaml"; chown nobody "$pa/bob.id" "$pr/bob.yaml"
r=$(run3 Pw validate "$pr")
check "validate: a key bob cannot read is a warning, not an error" bash -c "test $r -eq 0 && grep -q 'not sealed to operator/bob' '$tmp/e'"
r=$(run3 Pw secret reseal "$pr")
check "secret reseal: bob gets a copy" bash -c "test $r -eq 0 && grep -q '        operator/bob: ' '$pr/peers/phone.yaml' && grep -q 'resealed 1 preshared key' '$tmp/e'"
r=$(run3 env WGF_IDENTITY="$pa/bob.id" "${P[@]}" peer config phone "$pr")
check "bob opens the same key after the reseal" bash -c "test $r -eq 0 && grep -qxF 'PresharedKey = $new_psk' '$tmp/o'"

# rotation
sed -i 's/^  hubs: \[hub\]$/  hubs: [hub]\n  keyCreated: 2020-01-01/' "$pr/peers/laptop.yaml"
r=$(run3 env WGF_NOW=1767225600 "${P[@]}" peer rotate laptop "$pr")
newpub=$(sed -n 's/^  publicKey: //p' "$pr/peers/laptop.yaml")
check "peer rotate: a new key in the file and the config, keyCreated today" bash -c "test $r -eq 0 && test '$newpub' != '$pub' && test '$(cfg PrivateKey | wg pubkey)' = '$newpub' && grep -qxF '  keyCreated: 2026-01-01' '$pr/peers/laptop.yaml'"

# an exit: full tunnel
r=$(run3 Pw peer new roadwarrior --hub exit "$pr")
check "peer new on an exit (full access): a full tunnel, the exit's MTU" bash -c "test $r -eq 0 && test '$(cfg AllowedIPs)' = '0.0.0.0/0, ::/0' && test '$(cfg MTU)' = 1380"
r=$(run3 Pw peer new twohubs --hub hub --hub exit --access vpn-only "$pr")
check "two hubs: the primary carries AllowedIPs, the other its own address" bash -c "test $r -eq 0 && test '$(cfg AllowedIPs)' = '10.77.0.0/24, fd77::/64|10.77.0.3/32' && test \$(grep -c '^\[Peer\]' '$tmp/o') -eq 2"

# what must change nothing
cp -r "$pr" "$pa/peers-copy"
r=$(run3 Pw peer new broken --hub hub --access nonsense "$pr")
check "peer new that would not validate: exit 1, the file removed, the error shown" bash -c "test $r -eq 1 && ! test -e '$pr/peers/broken.yaml' && grep -q 'nonsense' '$tmp/e'"
printf 'apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: flow}\nspec: {publicKey: %s, addresses: [10.77.0.50], hubs: [hub]}\n' "$(wg genkey | wg pubkey)" >"$pr/flow.yaml"
cp "$pr/flow.yaml" "$pa/flow.before"
r=$(run3 Pw secret psk flow "$pr")
check "secret psk on a flow-style spec: refused, says why, file unchanged" bash -c "test $r -eq 1 && grep -q 'flow style' '$tmp/e' && cmp -s '$pr/flow.yaml' '$pa/flow.before'"
rm -f "$pr/flow.yaml"
sed -i 's/^  enabled: .*//; s/^  hubs: \[hub\]$/  hubs: [hub]\n  enabled: false/' "$pr/peers/phone.yaml"
r=$(run3 Pw peer config phone "$pr")
check "peer config of a disabled peer: refused, says why" bash -c "test $r -eq 1 && grep -q 'is disabled' '$tmp/e'"
r=$(run3 Pw peer new x --hub hub --repo "$pr" --ref HEAD)
check "peer new on --repo: refused (it writes files)" bash -c "test $r -eq 1 && grep -q 'not --repo' '$tmp/e'"
unset WGF_IDENTITY
