#!/usr/bin/env bash
# Lab test of reconcile/kernel/nft.c: drives $BUILD/lab/nft_check inside a namespace host
# and compares every result with nft(8); a second host proves the rules on packets.
# usage: tests/lab/test_nft.sh [BUILD_DIR]     (root; VALGRIND=1 runs the checker under valgrind)
set -u
cd "$(dirname "$0")/../.."
. tests/lab/lib.sh
lab_start "${1:-build}"
CHECKER=$BUILD/lab/nft_check
lab_need_bin "$CHECKER"
lab_need jq socat nc

# libnftables sends netlink messages with uninitialised padding (`valgrind nft -f`
# and `valgrind nft list table` report the same): suppressed only for those two
# syscalls made from inside libnftables, nothing of ours.
cat >"$LAB_DIR/nft.supp" <<'SUPP'
{
   libnftables-netlink-batch-padding
   Memcheck:Param
   sendmsg(msg.msg_iov[0])
   fun:sendmsg
   obj:*/libnftables.so*
}
{
   libnftables-netlink-request-padding
   Memcheck:Param
   socketcall.sendto(msg)
   fun:sendto
   obj:*/libnftables.so*
}
SUPP
WRAP=()
[ "${VALGRIND:-0}" = 1 ] && WRAP=(valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=all --suppressions="$LAB_DIR/nft.supp")

H=h C=c
# nc ARGS...: the checker in the host; any exit but 0, 2 (an errno) and 3 (name
# invalid) is a crash or a sanitizer/valgrind report, recorded for the last check.
nc_() {
	local st
	in_host "$H" "${WRAP[@]}" "$CHECKER" "$@" 2>>"$LAB_DIR/stderr"; st=$?
	[ $st -le 3 ] && [ $st -ne 1 ] || echo "nft_check $*: exit $st" >>"$LAB_DIR/crashes"
	return $st
}
# nc_err ENAME ARGS...: the checker fails with that errno name.
nc_err() { local want=$1 out; shift; out=$(nc_ "$@"); [ $? -eq 2 ] && [ "$out" = "error=$want" ]; }
# last_err: the error text the last failing call printed.
last_err() { cat "$LAB_DIR/stderr"; }
nft_h() { in_host "$H" nft "$@"; }
listing() { nft_h -s list table "$@" 2>&1; }
ruleset() { nft_h -s list ruleset; }
same() { [ "$1" = "$2" ] || { printf '  got:\n%s\n  want:\n%s\n' "$1" "$2" | sed 's/^/#/'; return 1; }; }
body() { printf '%s\n' "$@" >"$LAB_DIR/$B"; }
not() { ! "$@"; }
absent() { ! nft_h list table "$@" >/dev/null 2>&1; }

lab_host "$H" || { fail "create lab host"; lab_done; exit; }
lab_host "$C" || { fail "create lab host"; lab_done; exit; }
lab_link "$H" 192.0.2.1/24 "$C" 192.0.2.2/24 >/dev/null

# Foreign tables, created by hand: never to be touched.
nft_h -f - <<'NFT'
table inet other {
	set keep { type ipv4_addr; elements = { 10.9.9.9 } }
	chain fwd_in {
		type filter hook forward priority 0; policy accept;
		ip saddr @keep counter accept
	}
}
table ip filter {
	chain INPUT {
		type filter hook input priority 10; policy accept;
		tcp dport 7 counter accept
	}
}
table ip wgf {
	chain c {
		counter
	}
}
NFT
foreign() { nft_h -s list table inet other && nft_h -s list table ip filter && nft_h -s list table ip wgf; }
foreign_before=$(foreign)
check "foreign tables inet other, ip filter, ip wgf created by hand" bash -c \
	'grep -q "ip saddr @keep counter accept" <<<"$1" && grep -q "tcp dport 7 counter accept" <<<"$1"' _ "$foreign_before"

# --- get on an absent table ---
check "get of an absent table is -ENOENT" nc_err ENOENT get inet wgf
check "get-json of an absent table is -ENOENT" nc_err ENOENT get-json inet wgf
check "delete of an absent table is -ENOENT" nc_err ENOENT delete inet wgf

# --- replace creates ---
B=b1; body 'set peers {' '	type ipv4_addr' '	elements = { 10.0.0.9, 10.0.0.1, 10.0.0.5 }' '}' \
	'chain input {' '	type filter hook input priority 0; policy accept;' \
	'	tcp dport 5555 counter drop' '	ip saddr @peers counter accept' '}'
check "replace creates the table" nc_ replace inet wgf "$LAB_DIR/b1"
check "nft lists the new table with its chain and set" bash -c \
	'grep -q "tcp dport 5555 counter drop" <<<"$1" && grep -q "set peers" <<<"$1"' _ "$(listing inet wgf)"
check "get matches nft -s list table byte for byte" same "$(nc_ get inet wgf)" "$(listing inet wgf)"
g1=$(nc_ get inet wgf); g2=$(nc_ get inet wgf)
check "two gets of an unchanged table are byte-identical" same "$g1" "$g2"
check "get-json is JSON with the table" bash -c 'jq -e ".nftables[] | select(.table) | .table.name == \"wgf\"" <<<"$1" >/dev/null' _ "$(nc_ get-json inet wgf)"
nc_ replace inet wgf "$LAB_DIR/b1"
check "a replace with the same body lists byte-identically (no handles, sorted elements)" same "$(nc_ get inet wgf)" "$g1"
B=b1s; body 'set peers {' '	type ipv4_addr' '	elements = { 10.0.0.5, 10.0.0.1, 10.0.0.9 }' '}' \
	'chain input {' '	type filter hook input priority 0; policy accept;' \
	'	tcp dport 5555 counter drop' '	ip saddr @peers counter accept' '}'
nc_ replace inet wgf "$LAB_DIR/b1s"
check "... also with the set elements in another order" same "$(nc_ get inet wgf)" "$g1"
check "the foreign tables are unchanged (and ip wgf is not inet wgf)" same "$(foreign)" "$foreign_before"

# --- the packet test: TCP 5555 dropped, 5556 passes ---
in_host "$C" true
# listen PORT...: TCP listeners on H that accept any number of connections until
# unlisten (or lab_cleanup) stops them by PID; returns once every port is listening
# (ss in H's namespace), so that a probe that fails means the packet was dropped.
LISTEN_PIDS=()
listen() {
	local p pid
	for p in "$@"; do
		in_host "$H" sh -c 'echo $$ >"$1"; exec socat -u "TCP6-LISTEN:$2,ipv6only=0,reuseaddr,fork" OPEN:/dev/null' \
			_ "$LAB_DIR/listen.$p.pid" "$p" 2>>"$LAB_DIR/listen.err" &
	done
	wait_listening "$H" tcp "$@" || { sed 's/^/#   /' "$LAB_DIR/listen.err"; return 1; }
	for p in "$@"; do read -r pid <"$LAB_DIR/listen.$p.pid" && LISTEN_PIDS+=("$pid"); done
}
unlisten() { [ ${#LISTEN_PIDS[@]} -eq 0 ] || kill "${LISTEN_PIDS[@]}" 2>/dev/null; LISTEN_PIDS=(); wait 2>/dev/null; }
connects() { in_host "$C" nc -z -w 2 192.0.2.1 "$1" >/dev/null 2>&1; }
check "listeners on TCP 5555 and 5556" listen 5555 5556
check "TCP to 5555 from the other host is dropped" not connects 5555
check "TCP to 5556 from the other host connects" connects 5556
check "the drop rule's counter saw the SYNs" bash -c \
	'grep -Eq "tcp dport 5555 counter packets [1-9]" <<<"$1"' _ "$(nft_h list table inet wgf)"
unlisten

# --- a second replace changes it in one transaction ---
B=b2; body 'chain input {' '	type filter hook input priority 0; policy accept;' \
	'	tcp dport 6666 counter drop' '}'
check "replace with another body" nc_ replace inet wgf "$LAB_DIR/b2"
check "the table now holds exactly the new body" bash -c \
	'grep -q "dport 6666" <<<"$1" && ! grep -q "5555\|peers" <<<"$1"' _ "$(listing inet wgf)"
check "listener on TCP 5555" listen 5555
check "after the replace TCP to 5555 connects again" connects 5555
unlisten
check "the foreign tables are unchanged" same "$(foreign)" "$foreign_before"

# --- no moment without the table: replace in a loop while watching it ---
# Both bodies drop TCP 5555: a gap (or a half-applied table) would let a SYN through.
B=b3; body 'chain input {' '	type filter hook input priority 0; policy accept;' \
	'	tcp dport 5555 counter drop' '	tcp dport 6666 counter drop' '}'
B=b4; body 'set ports {' '	type inet_service' '	elements = { 5555, 7777 }' '}' \
	'chain input {' '	type filter hook input priority 0; policy accept;' \
	'	tcp dport @ports counter drop' '}'
nc_ replace inet wgf "$LAB_DIR/b3"
check "listener on TCP 5555 for the whole loop" listen 5555
( for i in $(seq 1 40); do nc_ replace inet wgf "$LAB_DIR/b4"; nc_ replace inet wgf "$LAB_DIR/b3"; done \
	>"$LAB_DIR/loop" 2>&1; echo done >>"$LAB_DIR/loop" ) &
loop=$!
# A new SYN every 0.05 s (each retransmitted) while the loop runs; at most 100.
( for i in $(seq 1 100); do
	grep -q done "$LAB_DIR/loop" 2>/dev/null && break
	{ connects 5555 && echo leak >>"$LAB_DIR/leaks"; } &
	sleep 0.05
  done; wait ) &
probe=$!
gaps=0 polls=0
while kill -0 "$loop" 2>/dev/null; do
	nft_h list table inet wgf >/dev/null 2>&1 || gaps=$((gaps + 1))
	polls=$((polls + 1))
done
wait "$probe"
leaks=$(cat "$LAB_DIR/leaks" 2>/dev/null | grep -c leak)
wait "$loop"
check "80 replaces: the loop succeeded" same "$(cat "$LAB_DIR/loop")" done
check "... nft never saw the table missing ($polls polls, $gaps gaps)" [ "$gaps" -eq 0 ]
check "... TCP to 5555 never got through during the replaces ($leaks leaks)" [ "$leaks" -eq 0 ]
nc_ replace inet wgf "$LAB_DIR/b2"
check "... while the listener stayed up: without the drop, TCP to 5555 connects" connects 5555
unlisten

# --- invalid bodies leave the table exactly as it was ---
before=$(ruleset)
: >"$LAB_DIR/stderr"
B=bad1; body 'chain input {' '	type filter hook input priority 0; policy drop;' '	ip saddr @nosuch accept' '}'
check "a body with a missing set fails with ENOENT" nc_err ENOENT replace inet wgf "$LAB_DIR/bad1"
check "... and an error text naming the line and the set ($(last_err | head -1))" bash -c \
	'grep -q "wgf-nft-batch:6:.*Error: No such file or directory" <<<"$1" && grep -q "@nosuch" <<<"$1"' _ "$(last_err)"
check "... the whole ruleset is byte-identical (no policy drop slipped in)" same "$(ruleset)" "$before"
: >"$LAB_DIR/stderr"
B=bad2; body 'chain input {' '	type filter hook input priority 0; policy accept;' '	jump nosuch' '}'
check "a jump to a missing chain fails in the kernel: ENOENT" nc_err ENOENT replace inet wgf "$LAB_DIR/bad2"
check "... with the kernel's text" bash -c 'grep -q "Could not process rule" <<<"$1"' _ "$(last_err)"
check "... the ruleset is byte-identical" same "$(ruleset)" "$before"
: >"$LAB_DIR/stderr"
B=bad3; body 'chain input {' '	tcp dport 1 frobnicate' '}'
check "a syntax error fails with EINVAL" nc_err EINVAL replace inet wgf "$LAB_DIR/bad3"
check "... with a syntax error text" bash -c 'grep -q "syntax error" <<<"$1"' _ "$(last_err)"
check "... the ruleset is byte-identical" same "$(ruleset)" "$before"
B=bad4; body '}' 'flush ruleset' 'table inet wgf {'
check "a body that closes the table block is rejected (EINVAL)" nc_err EINVAL replace inet wgf "$LAB_DIR/bad4"
B=bad5; body 'include "/etc/nftables.conf"'
check "a body with include is rejected (EINVAL)" nc_err EINVAL replace inet wgf "$LAB_DIR/bad5"
check "... the ruleset is byte-identical" same "$(ruleset)" "$before"

# --- check (dry run) ---
check "check of a good body passes" nc_ check inet wgf "$LAB_DIR/b1"
check "... and commits nothing" same "$(ruleset)" "$before"
check "check of a body the kernel refuses fails (ENOENT: jump to a missing chain)" \
	nc_err ENOENT check inet wgf "$LAB_DIR/bad2"
check "check of an absent table's body passes" nc_ check ip6 wgf6 "$LAB_DIR/b2"
check "... and creates nothing" absent ip6 wgf6

# --- hostile names and families: rejected, nothing touched ---
before=$(ruleset)
for args in "inet|wgf; flush ruleset" "inet|a b" "inet|#x" "inet|include" "inet|table" \
	"inet|abcdefghijklmnopqrstuvwxyz012345" "inet|" "bridge|wgf" "netdev|wgf" "inet wgf;|x" \
	"ip|other" "inet|w$(printf '\xc3\xa9')"; do
	f=${args%%|*} n=${args#*|}
	[ "$f|$n" = "ip|other" ] && continue
	check "replace '$f' '$n' is EINVAL" nc_err EINVAL replace "$f" "$n" "$LAB_DIR/b1"
	check "delete '$f' '$n' is EINVAL" nc_err EINVAL delete "$f" "$n"
done
check "name-valid wgf" nc_ name-valid wgf
nc_ name-valid 'wgf; flush ruleset'
check "name-valid rejects 'wgf; flush ruleset' (exit $?)" [ $? -eq 3 ]
check "the ruleset is byte-identical after the hostile calls" same "$(ruleset)" "$before"

# --- delete ---
check "delete inet wgf" nc_ delete inet wgf
check "inet wgf is gone" absent inet wgf
check "get after delete is -ENOENT" nc_err ENOENT get inet wgf
check "the foreign tables (ip wgf too) are unchanged" same "$(foreign)" "$foreign_before"
check "a replace with an invalid body on an absent table fails" nc_err ENOENT replace inet wgf "$LAB_DIR/bad1"
check "... and leaves it absent" absent inet wgf

us=$(nc_ replace inet wgf "$LAB_DIR/b1" && nc_ bench 100)
echo "# nft_table_get (nft_ctx_new + list + nft_ctx_free): ${us} us per call"

check "nft_check never crashed (sanitizers/valgrind clean)" \
	bash -c '! [ -s "$1" ] || { sed "s/^/# /" "$1"; false; }' _ "$LAB_DIR/crashes"

lab_done
