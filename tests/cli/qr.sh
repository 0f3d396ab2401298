# QR codes of client configs (issue 14): each format is read back by a real decoder
# and must give the config byte for byte. zbarimg (Debian's zbar-tools) reads the
# PNG as written; the SVG as headless Chromium draws it on a black page (so its own
# quiet zone must make the light border); the terminal's UTF-8 half blocks as
# tests/cli/qr_term.py paints them on a terminal's background (dark or light, the
# colours the output sets). The terminal cases run under a pty (script(1)), where
# the command sees a terminal. Two controls show that the decoder notices what the
# checks are about: the same blocks without their quiet zone, and plain blocks on a
# light terminal (inverted), do not read. The cases of chosen configs (a phone's, a
# laptop's too long for level H, one too long for any code) go through qr_cmd (the
# driver, tests/cli/qr_driver.c: cmd/qr_output.c on a config file); the last part
# runs `wgf peer config --qr` itself on the repository tests/cli/peer.sh made.
# Sourced by tests/cli/run after peer.sh (uses its $tmp, $WGF, $here, $pa, $pr, Pw,
# run3, check, checkw, skip).
qr=$tmp/qr
mkdir -p "$qr"
QR_DRIVER=$(dirname "$WGF")/cli/qr_driver

# qr_cmd CASE [OPTION...]: the client config of CASE, or with --qr [--format F]
# [-o FILE] [--force] its QR code (the options of wgf peer config).
# The one line to change for `wgf peer config` to produce them, given a repository
# with Peers of these names and their private keys in files:
#   qr_cmd() { Pw peer config "$1" "$pr" --private-key-file "$pa/$1.key" "${@:2}"; }
qr_cmd() { "$QR_DRIVER" "$qr/$1.conf" "${@:2}"; }

# The cases: a phone with a PSK, IPv6 and DNS (~500 bytes); a laptop with six hubs
# (too long for level H: the code falls back to a lower level); a config whose
# device keeps its own key (a placeholder: nothing secret); one too long for any QR.
# Keys are fixed (derived from a label), so that a failure can be reproduced.
qr_key() { python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode())' "wgf-qr-$1"; }
qr_peer() {   # qr_peer N: one [Peer] block
	cat <<EOF

[Peer]
# hub-$1 (isp)
PublicKey = $(qr_key "hub-$1" | wg pubkey)
PresharedKey = $(qr_key "psk-$1")
Endpoint = [2001:db8:40::$1]:51820
AllowedIPs = 10.40.0.0/16, fd40::/64, 192.168.$1.0/24, 172.16.$1.0/24, 2001:db8:$1::/48
PersistentKeepalive = 25
EOF
}
qr_iface() {  # qr_iface PRIVATE-KEY-LINE
	cat <<EOF
# wgf: peer alice-phone of network isp, tenant acme (access vpn-only)
[Interface]
$1
Address = 10.40.3.17/32, fd40::3:11/128
DNS = 10.40.0.1, fd40::1, corp.example, lan
MTU = 1380
EOF
}
{ qr_iface "PrivateKey = $(qr_key phone)"; qr_peer 1; } >"$qr/phone.conf"
{ qr_iface "PrivateKey = $(qr_key laptop)"; for i in 1 2 3 4 5 6; do qr_peer $i; done; } >"$qr/laptop.conf"
{ qr_iface "# PrivateKey: this device's own (--private-key-file FILE fills it in)"; qr_peer 1; } >"$qr/own-key.conf"
{ qr_iface "PrivateKey = $(qr_key huge)"; for i in $(seq 1 12); do qr_peer $i; done; } >"$qr/huge.conf"
for c in phone laptop own-key huge; do qr_cmd $c >"$qr/$c.want"; done
n=$(wc -c <"$qr/phone.want")
check "the phone's config is realistic: a 44-character private key, a PSK, IPv6, DNS, $n bytes" bash -c \
	"test $n -ge 400 && test $n -le 600 && grep -qE '^PrivateKey = [A-Za-z0-9+/]{43}=\$' '$qr/phone.want' && grep -q '^PresharedKey = ' '$qr/phone.want' && grep -q '^DNS = .*fd40::1' '$qr/phone.want'"
n=$(wc -c <"$qr/laptop.want")
check "the laptop's config ($n bytes) is too long for level H (1273 bytes) and fits L (2953)" test "$n" -gt 1273 -a "$n" -le 2953
check "the huge config is too long for any QR code ($(wc -c <"$qr/huge.want") bytes)" test "$(wc -c <"$qr/huge.want")" -gt 2953

# qr_decodes IMAGE WANT: zbarimg finds exactly one code in IMAGE, and it is WANT
# (zbarimg --raw ends each code it prints with a newline)
qr_decodes() {
	local r
	zbarimg --raw -q -Sdisable -Sqrcode.enable "$1" >"$1.got" 2>"$1.err"; r=$?
	[ "$r" -eq 0 ] || { echo "zbarimg read no code in $1 (exit $r)"; return 1; }
	{ cat "$2"; echo; } >"$1.want"
	cmp -s "$1.want" "$1.got" && return 0
	echo "decoded $(wc -c <"$1.got") bytes, want $(($(wc -c <"$2") + 1)):"
	diff "$1.want" "$1.got" | head -n 10
	return 1
}
# qr_unreadable IMAGE: zbarimg finds no code in IMAGE (a control)
qr_unreadable() { zbarimg --raw -q -Sdisable -Sqrcode.enable "$1" >/dev/null 2>&1; [ $? -eq 4 ]; }
# qr_tty OUT CMD...: CMD (a function too) with stdout on a terminal (a pty), as text
# (its \r dropped), its stderr in OUT.err; colours unless QR_NO_COLOR=1, a
# terminal $QR_COLUMNS wide (unset: its width unknown)
qr_tty() {
	local out=$1; shift
	NO_COLOR=${QR_NO_COLOR:-} COLUMNS=${QR_COLUMNS:-} TERM=xterm SHELL=/bin/bash script -qec \
		"$(declare -f qr_cmd qr_real Pw 2>/dev/null); $(declare -p qr QR_DRIVER WGF pa pr qrr WGF_IDENTITY 2>/dev/null); $(printf '%q ' "$@") 2>$(printf '%q' "$out.err")" \
		/dev/null </dev/null | tr -d '\r' >"$out"
	return "${PIPESTATUS[0]}"
}
# qr_columns FILE: the widest line of the text, in characters (escapes left out)
qr_columns() { python3 -c 'import re,sys; print(max([len(re.sub(r"\x1b\[[0-9;]*m", "", l)) for l in open(sys.argv[1], encoding="utf-8").read().splitlines()] + [0]))' "$1"; }
# qr_svg_decodes SVG WANT: zbarimg reads SVG as headless Chromium draws it, on a
# black page, to WANT (Chromium never reaches the network: see tests/browser/run)
qr_svg_decodes() {
	local svg=$1 w profile
	w=$(sed -n 's/^<svg .* width="\([0-9]*\)".*/\1/p' "$svg")
	[ -n "$w" ] || { echo "the SVG has no width"; return 1; }
	printf '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#000}img{display:block;margin:40px}</style></head><body><img src="%s"></body></html>\n' "$(basename "$svg")" >"$svg.html"
	profile=$(mktemp -d "$qr/profile.XXXXXX")
	timeout 90 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
		--no-first-run --disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --disable-domain-reliability --no-pings \
		--dns-prefetch-disable --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" \
		--hide-scrollbars --window-size=$((w + 80)),$((w + 80)) --screenshot="$svg.png" \
		"file://$svg.html" >"$svg.log" 2>&1 || { echo "chromium failed:"; tail -n 5 "$svg.log"; return 1; }
	qr_decodes "$svg.png" "$2"
}
# qr_term THEME TEXT IMAGE: TEXT drawn on a terminal of THEME (dark, light)
qr_term() { python3 "$here/qr_term.py" "$@"; }
# qr_mode FILE: its permission bits
qr_mode() { stat -c %a "$1"; }
qr_png_info() {   # qr_png_info FILE: "WIDTH HEIGHT BITDEPTH COLOURTYPE" from its IHDR
	python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(33); assert d[:8]==b"\x89PNG\r\n\x1a\n" and d[12:16]==b"IHDR"; print(*struct.unpack(">IIBB", d[16:26]))' "$1"
}

if ! command -v zbarimg >/dev/null; then
	skip "zbarimg is not installed (make deps installs zbar-tools): QR codes not decoded"
else
for c in phone laptop; do
	# --- PNG
	r=$(run3 qr_cmd $c --qr --format png -o "$qr/$c.png")
	check "$c: --format png -o FILE exits 0, prints nothing" bash -c "test $r -eq 0 && ! test -s '$tmp/o' && ! test -s '$tmp/e'"
	check "$c: the PNG is written 0600" test "$(qr_mode "$qr/$c.png")" = 600
	read -r w h depth ctype < <(qr_png_info "$qr/$c.png")
	check "$c: the PNG is 1-bit grey, square, whole modules of 8 pixels ($w x $h)" \
		test "$w" = "$h" -a "$depth" = 1 -a "$ctype" = 0 -a $((w % 8)) = 0
	checkw "$c: zbarimg reads the PNG back to the config, byte for byte" qr_decodes "$qr/$c.png" "$qr/$c.want"
	# --- SVG, drawn by Chromium on black
	r=$(run3 qr_cmd $c --qr --format svg -o "$qr/$c.svg")
	check "$c: --format svg -o FILE exits 0, written 0600" bash -c "test $r -eq 0 && test \$(stat -c %a '$qr/$c.svg') = 600"
	check "$c: the SVG is one <path> of modules, crispEdges" bash -c \
		"test \$(grep -o '<path' '$qr/$c.svg' | wc -l) -eq 1 && grep -q 'shape-rendering=\"crispEdges\"' '$qr/$c.svg'"
	if ! command -v chromium >/dev/null; then
		skip "$c: chromium is not installed (make deps): the SVG not decoded"
	else
		checkw "$c: zbarimg reads the SVG as Chromium draws it on a black page" qr_svg_decodes "$qr/$c.svg" "$qr/$c.want"
	fi
	# --- the terminal: the blocks as a pty shows them (colours), and without colours
	qr_tty "$qr/$c.tty" qr_cmd $c --qr; r=$?
	check "$c: --qr on a terminal prints a secret, in explicit colours, exit 0" bash -c \
		"test $r -eq 0 && grep -q \$'\\e\\\\[40;97m' '$qr/$c.tty'"
	for theme in dark light; do
		qr_term $theme "$qr/$c.tty" "$qr/$c-tty-$theme.pgm"
		checkw "$c: the terminal's code reads back on a $theme terminal" qr_decodes "$qr/$c-tty-$theme.pgm" "$qr/$c.want"
	done
	QR_NO_COLOR=1 qr_tty "$qr/$c.plain" qr_cmd $c --qr; r=$?
	check "$c: with NO_COLOR, only half blocks and spaces" bash -c "test $r -eq 0 && ! grep -q \$'\\e' '$qr/$c.plain' && grep -q '▄' '$qr/$c.plain'"
	qr_term dark "$qr/$c.plain" "$qr/$c-plain.pgm"
	checkw "$c: without colours it reads back on a dark terminal (light modules are the blocks)" \
		qr_decodes "$qr/$c-plain.pgm" "$qr/$c.want"
done

# the controls: what the checks above look at matters to the decoder
qr_term light "$qr/phone.plain" "$qr/inverted.pgm"
check "control: plain blocks on a light terminal (inverted) do not read" qr_unreadable "$qr/inverted.pgm"
python3 - "$qr/phone.plain" "$qr/no-quiet.txt" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
open(sys.argv[2], "w", encoding="utf-8").write("".join(l[4:-4] + "\n" for l in lines[2:-2]))
PY
qr_term dark "$qr/no-quiet.txt" "$qr/no-quiet.pgm"
check "control: the same blocks without their quiet zone do not read on a dark terminal" qr_unreadable "$qr/no-quiet.pgm"

# not a terminal: a secret is refused unless forced; a config without one is printed
r=$(run3 qr_cmd phone --qr)
check "--qr with a private key to a pipe: refused, exit 1, says why, prints nothing" bash -c \
	"test $r -eq 1 && ! test -s '$tmp/o' && grep -qx 'wgf: the QR code holds a private key: refusing to print it to standard output, which is not a terminal (write it with -o FILE, mode 0600, or add --force)' '$tmp/e'"
r=$(run3 qr_cmd phone --qr --force)
cp "$tmp/o" "$qr/forced.txt"
check "--qr --force to a pipe: exit 0, no colours" bash -c "test $r -eq 0 && ! grep -q \$'\\e' '$qr/forced.txt'"
qr_term dark "$qr/forced.txt" "$qr/forced.pgm"
checkw "--qr --force to a pipe reads back" qr_decodes "$qr/forced.pgm" "$qr/phone.want"
r=$(run3 qr_cmd own-key --qr)
cp "$tmp/o" "$qr/own-key.txt"
check "--qr of a config without a private key to a pipe: exit 0" test "$r" -eq 0
qr_term dark "$qr/own-key.txt" "$qr/own-key.pgm"
checkw "the config without a private key reads back" qr_decodes "$qr/own-key.pgm" "$qr/own-key.want"
qr_tty "$qr/tty.png" qr_cmd own-key --qr --format png; r=$?
check "--format png to a terminal: refused, exit 1, nothing printed" bash -c "test $r -eq 1 && grep -q 'a PNG is not for the terminal' '$qr/tty.png.err' && ! test -s '$qr/tty.png'"
# a terminal of known width: the highest level whose code fits it, else a warning
n=$(qr_columns "$qr/phone.tty")
QR_COLUMNS=$((n - 1)) qr_tty "$qr/narrow.tty" qr_cmd phone --qr; r=$?
m=$(qr_columns "$qr/narrow.tty")
check "on a terminal $((n - 1)) columns wide the phone's code ($n columns at level H) fits: $m columns, no warning" \
	bash -c "test $r -eq 0 && test $m -le $((n - 1)) && ! test -s '$qr/narrow.tty.err'"
qr_term dark "$qr/narrow.tty" "$qr/narrow.pgm"
checkw "the narrower code reads back" qr_decodes "$qr/narrow.pgm" "$qr/phone.want"
QR_COLUMNS=40 qr_tty "$qr/tiny.tty" qr_cmd phone --qr; r=$?
check "on a terminal 40 columns wide: printed anyway (exit 0), with a warning that says what to do" bash -c \
	"test $r -eq 0 && grep -qE '^wgf: warning: the QR code is [0-9]+ columns wide and the terminal 40: widen the terminal, or write an image with --format png -o FILE\$' '$qr/tiny.tty.err' && test \$(wc -l <'$qr/tiny.tty') -gt 20"
r=$(run3 qr_cmd phone --qr --format utf8 -o "$qr/phone.txt")
check "--format utf8 -o FILE: written 0600, no colours" bash -c \
	"test $r -eq 0 && test \$(stat -c %a '$qr/phone.txt') = 600 && ! grep -q \$'\\e' '$qr/phone.txt'"
# a file that was there is replaced whole, 0600 however it was, and no temporary file stays
printf 'old\n' >"$qr/old.png"; chmod 644 "$qr/old.png"
r=$(run3 qr_cmd phone --qr --format png -o "$qr/old.png")
check "-o over a 0644 file: replaced by a 0600 one, no temporary file left" bash -c \
	"test $r -eq 0 && test \$(stat -c %a '$qr/old.png') = 600 && ! ls '$qr' | grep -q tmp"
checkw "the replaced file reads back" qr_decodes "$qr/old.png" "$qr/phone.want"
r=$(run3 qr_cmd huge --qr --format png -o "$qr/huge.png")
check "a config too long for a QR code: exit 1, says so, no file" bash -c \
	"test $r -eq 1 && grep -q 'is too long for a QR code (at most 2953 bytes)' '$tmp/e' && ! test -e '$qr/huge.png'"
r=$(run3 qr_cmd phone --qr --format jpeg -o "$qr/x.jpeg")
check "--format jpeg: exit 1, names the formats" bash -c "test $r -eq 1 && grep -q 'utf8, svg or png, not \"jpeg\"' '$tmp/e'"

# --- the command itself: wgf peer config --qr on the repository of tests/cli/peer.sh
# (its hub, its Operator alice), for a new peer with a preshared key, as nobody
if [ -n "${pr:-}" ] && declare -F Pw >/dev/null; then
	qrr=$pa/qr-real
	mkdir -p "$qrr" && chown nobody "$qrr"
	export WGF_IDENTITY=$pa/alice.id
	r=$(run3 Pw peer new qr-phone --hub hub --psk "$pr")
	cp "$tmp/o" "$qrr/new.conf"
	sed -n 's/^PrivateKey = //p' "$qrr/new.conf" >"$qrr/key"
	chmod 600 "$qrr/key" && chown nobody "$qrr/key"
	check "peer new qr-phone --psk: exit 0, a config with its private key" bash -c "test $r -eq 0 && test \$(wc -c <'$qrr/key') -eq 45"
	qr_real() { Pw peer config qr-phone "$pr" --private-key-file "$qrr/key" "$@"; }
	r=$(run3 qr_real)
	cp "$tmp/o" "$qrr/want"
	check "peer config --private-key-file: the config peer new printed" bash -c "test $r -eq 0 && cmp -s '$qrr/want' '$qrr/new.conf' && grep -q '^PresharedKey = ' '$qrr/want'"
	r=$(run3 qr_real --qr -o "$qrr/c.png")
	check "peer config --qr -o FILE.png: a PNG, 0600, says so" bash -c \
		"test $r -eq 0 && test \$(stat -c %a '$qrr/c.png') = 600 && head -c 8 '$qrr/c.png' | grep -q PNG && grep -qx 'wrote $qrr/c.png (mode 0600): a QR code of the config with the private key' '$tmp/e'"
	checkw "peer config --qr: zbarimg reads the PNG back to the config" qr_decodes "$qrr/c.png" "$qrr/want"
	r=$(run3 qr_real --qr -o "$qrr/c.svg")
	check "peer config --qr -o FILE.svg: an SVG" bash -c "test $r -eq 0 && grep -q '^<svg ' '$qrr/c.svg'"
	if command -v chromium >/dev/null; then
		checkw "peer config --qr: the SVG reads back as Chromium draws it" qr_svg_decodes "$qrr/c.svg" "$qrr/want"
	fi
	r=$(run3 qr_real --format png -o "$qrr/f.png")
	check "peer config --format png -o FILE (without --qr): the same PNG" bash -c "test $r -eq 0 && cmp -s '$qrr/f.png' '$qrr/c.png'"
	qr_tty "$qrr/c.tty" qr_real --qr; r=$?
	check "peer config --qr on a terminal: exit 0, in colours" bash -c "test $r -eq 0 && grep -q \$'\\e\\\\[40;97m' '$qrr/c.tty'"
	qr_term dark "$qrr/c.tty" "$qrr/c-tty.pgm"
	checkw "peer config --qr: the terminal's code reads back to the config" qr_decodes "$qrr/c-tty.pgm" "$qrr/want"
	n=$(qr_columns "$qrr/c.tty")
	QR_COLUMNS=$((n - 1)) qr_tty "$qrr/narrow.tty" qr_real --qr; r=$?
	m=$(qr_columns "$qrr/narrow.tty")
	check "peer config --qr with COLUMNS=$((n - 1)) (the code is $n at level H): $m columns, no warning" \
		bash -c "test $r -eq 0 && test $m -le $((n - 1)) && ! test -s '$qrr/narrow.tty.err'"
	qr_term dark "$qrr/narrow.tty" "$qrr/narrow.pgm"
	checkw "peer config --qr: the narrower code reads back" qr_decodes "$qrr/narrow.pgm" "$qrr/want"
	r=$(run3 qr_real --qr)
	check "peer config --qr with the private key to a pipe: refused, exit 1, nothing printed" bash -c \
		"test $r -eq 1 && ! test -s '$tmp/o' && grep -q 'refusing to print it to standard output' '$tmp/e'"
	r=$(run3 Pw peer config qr-phone "$pr" --qr)
	check "peer config --qr without the private key (a placeholder) to a pipe: printed" bash -c "test $r -eq 0 && grep -q '█' '$tmp/o'"
	r=$(run3 Pw peer new qr-lost --hub hub --qr "$pr")
	check "peer new --qr to a pipe: refused before anything is written (no key made and lost)" bash -c \
		"test $r -eq 1 && grep -q 'refusing to print it' '$tmp/e' && ! grep -rq 'qr-lost' '$pr' && ! grep -q wrote '$tmp/e'"
	cp -a "$pr/peers/qr-phone.yaml" "$qrr/before.yaml"
	r=$(run3 Pw peer rotate qr-phone --qr "$pr")
	check "peer rotate --qr to a pipe: refused, the Peer's key unchanged" bash -c \
		"test $r -eq 1 && grep -q 'refusing to print it' '$tmp/e' && cmp -s '$qrr/before.yaml' '$pr/peers/qr-phone.yaml'"
	r=$(run3 Pw peer config qr-phone "$pr" --qr --format gif -o "$qrr/x.gif")
	check "peer config --format gif: exit 1, names the formats" bash -c "test $r -eq 1 && grep -q 'utf8, svg or png, not \"gif\"' '$tmp/e'"
	unset WGF_IDENTITY
fi
fi
