# wgf journal export, sourced by tests/cli/run after journal.sh (it uses jmake,
# jdir, b2 and the reconcile section's $rcd/state, whose journal `wgf
# reconcile` wrote). The JSON is read by jq, as an auditor's tools would.

je=$tmp/jexport
mkdir -p "$je"
EK='["line","seq","time","host","source","revision","signer","result","create","update","delete","reason","prev","hash"]'
VK='["intact","head","entries","broken_at","why","unchained","head_behind","damaged_lines"]'
# jx ARGS...: wgf journal export ARGS... of $jdir; stdout in $tmp/o, stderr in $tmp/e; prints the exit status
jx() { run3 "$WGF" journal export --state-dir "$jdir" "$@"; }
# lines_of: the "line" of each exported entry of $tmp/o (json), space-separated
# jqe ARGS...: jq -e, quietly (its exit status says)
jqe() { jq -e "$@" >/dev/null; }
lines_of() { jq -r '[.entries[].line] | map(tostring) | join(" ")' "$tmp/o"; }

# a journal written by wgf reconcile itself (its refusals): exported whole, as journal --json shows it
r=$(run3 "$WGF" journal export --state-dir "$rcd/state")
"$WGF" journal --json --state-dir "$rcd/state" >"$je/rc.json"
vhead=$("$WGF" journal verify --state-dir "$rcd/state" | sed -n 's/^head: //p')
check "journal export of wgf reconcile's journal: exit 0, nothing on stderr" bash -c "test $r -eq 0 && ! test -s '$tmp/e'"
check "... one document of kind wgf-journal-export, keys in order, this host's name" jqe --arg h "$(hostname)" \
	'(keys_unsorted == ["kind","host","exported_at","since","until","verification","entries"]) and
	 .kind == "wgf-journal-export" and .host == $h and .since == null and .until == null' "$tmp/o"
check "... its entries are what wgf journal --json shows, the refusals with their commit and reason" jqe \
	--slurpfile j "$je/rc.json" '.entries == $j[0] and (.entries | length) >= 2 and
	 all(.entries[]; .result == "refused" and (.revision | length) == 40 and (.reason | length) > 0)' "$tmp/o"
check "... verification: intact, the head journal verify prints, every entry counted" jqe --arg h "$vhead" \
	--argjson vk "$VK" '.verification | (keys_unsorted == $vk) and .intact == true and .head == $h and
	 .entries == 2 and .broken_at == null and .why == null and .damaged_lines == 0' "$tmp/o"

# window selection at its boundaries ($jdir: five entries, 06:30 to 06:50 five minutes apart)
jmake "$jdir" 0 5
r=$(jx --since 2026-12-01T06:35:00Z --until 2026-12-01T06:45:00Z)
check "export --since 06:35 --until 06:45: entries 2 and 3 (the start is in, the end is not)" \
	test "$r $(lines_of)" = "0 2 3"
check "... since and until as given, exported_at a time" jqe '.since == "2026-12-01T06:35:00Z" and
	.until == "2026-12-01T06:45:00Z" and (.exported_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))' "$tmp/o"
check "... the whole chain verified: 5 entries, the head is b2sum -l 256 of the last line" \
	jqe --arg h "$(tail -n1 "$jdir/journal" | b2)" '.verification.intact and .verification.entries == 5 and
	.verification.head == $h' "$tmp/o"
check "... each entry's hash is b2sum -l 256 of its line, and prev the hash of the line before" bash -c '
	for n in 2 3; do
		test "$(jq -r ".entries[] | select(.line == $n) | .hash" "$1")" = "$(sed -n ${n}p "$2" | b2sum -l 256 | cut -d" " -f1)" || exit 1
		test "$(jq -r ".entries[] | select(.line == $n) | .prev" "$1")" = "$(sed -n $((n - 1))p "$2" | b2sum -l 256 | cut -d" " -f1)" || exit 1
	done' _ "$tmp/o" "$jdir/journal"
check "... every entry has the keys of journal --json, in that order" jqe --argjson k "$EK" \
	'all(.entries[]; keys_unsorted == $k)' "$tmp/o"
r=$(jx --since 2026-12-01T06:35:01Z)
check "export --since a second after an entry: not that entry" test "$r $(lines_of)" = "0 3 4 5"
r=$(jx --until 2026-12-01T06:35:00Z)
check "export --until the time of entry 2: entry 1 alone" test "$r $(lines_of)" = "0 1"
r=$(jx --until 2026-12-01T06:35:01Z)
check "export --until a second after it: entries 1 and 2" test "$r $(lines_of)" = "0 1 2"
r=$(jx --since 2026-12-01 --until 2026-12-02)
check "export --since 2026-12-01 --until 2026-12-02 (days, 00:00 UTC): all five" \
	bash -c "test '$r $(lines_of)' = '0 1 2 3 4 5' && jq -e '.since == \"2026-12-01T00:00:00Z\"' '$tmp/o' >/dev/null"
r=$(jx --until 2026-12-01)
check "export --until 2026-12-01: none, and still the verification" \
	bash -c "test '$r $(lines_of)' = '0 ' && jq -e '.entries == [] and .verification.intact' '$tmp/o' >/dev/null"
r=$(jx --since 2026-12-01T07:40:00+01:00)
check "export --since with an RFC 3339 offset (07:40+01:00 is 06:40Z): entries 3 to 5" \
	bash -c "test '$r $(lines_of)' = '0 3 4 5' && jq -e '.since == \"2026-12-01T06:40:00Z\"' '$tmp/o' >/dev/null"
r=$(WGF_NOW=1796111400 jx --since 1h)   # 2026-12-01T07:50:00Z
check "export --since 1h (at 07:50): entries from 06:50, exported_at the time now" \
	bash -c "test '$r $(lines_of)' = '0 5' && jq -e '.exported_at == \"2026-12-01T07:50:00Z\" and .since == \"2026-12-01T06:50:00Z\"' '$tmp/o' >/dev/null"

# jsonl: one entry a line, each parses; the verification last
r=$(jx --format jsonl --since 2026-12-01T06:40:00Z)
check "export --format jsonl: exit 0, four lines (three entries, then the verification)" \
	bash -c "test $r -eq 0 && test \$(wc -l <'$tmp/o') -eq 4 && ! test -s '$tmp/e'"
check "... each line is one JSON object, jq reads it alone" bash -c '
	while IFS= read -r l; do printf "%s\n" "$l" | jq -e "type == \"object\"" >/dev/null || exit 1; done <"$1"' _ "$tmp/o"
check "... the entries lines 3 to 5, with journal --json's keys" bash -c "head -n 3 '$tmp/o' | jq -e --argjson k '$EK' \
	'keys_unsorted == \$k' >/dev/null && test \"\$(head -n 3 '$tmp/o' | jq -r .line | tr '\n' ' ')\" = '3 4 5 '"
check "... the last line: the verification (and which export it ends), no entries" bash -c "tail -n 1 '$tmp/o' | jq -e \
	--argjson vk '$VK' '(keys_unsorted == [\"kind\",\"host\",\"exported_at\",\"since\",\"until\",\"verification\"]) and
	 (.verification | keys_unsorted == \$vk) and .verification.intact and .verification.entries == 5' >/dev/null"
"$WGF" journal export --state-dir "$jdir" >"$je/all.json"
"$WGF" journal export --format jsonl --state-dir "$jdir" >"$je/all.jsonl"
check "json and jsonl hold the same entries and verification" bash -c "
	test \"\$(jq -c '.entries[]' '$je/all.json')\" = \"\$(head -n -1 '$je/all.jsonl')\" &&
	test \"\$(jq -c .verification '$je/all.json')\" = \"\$(tail -n 1 '$je/all.jsonl' | jq -c .verification)\""

# a tampered journal is exported all the same, and says where it breaks
jtx() { local d=$1; shift; run3 "$WGF" journal export --state-dir "$d" "$@"; }
cp -a "$jdir" "$je/t1"; sed -i '2s/not signed/signed/' "$je/t1/journal"
r=$(jtx "$je/t1")
check "export of a journal with entry 2 edited: exit 3, the break on stderr" bash -c "test $r -eq 3 &&
	grep -qx 'wgf: journal export: the chain is broken, exported with \"intact\": false: journal:2: entry 2 was changed after it was written (the entry after it holds the hash of what it was)' '$tmp/e'"
check "... intact false, no head, broken_at 2 and why; all five entries, the edit in them" jqe '.verification.intact == false and
	.verification.head == null and .verification.broken_at == 2 and
	.verification.why == "entry 2 was changed after it was written (the entry after it holds the hash of what it was)" and
	(.entries | length) == 5 and .entries[1].reason == "signed"' "$tmp/o"
r=$(jtx "$je/t1" --format jsonl --since 2026-12-01T06:45:00Z)
check "... jsonl of a window after the break: exit 3, the whole chain's verdict on the last line" bash -c "test $r -eq 3 &&
	test \$(wc -l <'$tmp/o') -eq 3 && tail -n 1 '$tmp/o' | jq -e '.verification.intact == false and .verification.broken_at == 2' >/dev/null"
cp -a "$jdir" "$je/t2"; sed -i '$d' "$je/t2/journal"
r=$(jtx "$je/t2")
check "export with the last entry removed: exit 3, broken_at 5, entries 4" bash -c "test $r -eq 3 && jq -e '.verification.broken_at == 5 and
	.verification.entries == 4 and (.verification.why | startswith(\"entry 5 is missing\")) and (.entries | length) == 4' '$tmp/o' >/dev/null"
cp -a "$jdir" "$je/t3"; sed -i '2s/^/garbage\n/' "$je/t3/journal"
r=$(jtx "$je/t3")
check "export with a damaged line: exit 3, the five entries, one damaged line, broken at it" bash -c "test $r -eq 3 &&
	jq -e '(.entries | length) == 5 and .verification.damaged_lines == 1 and .verification.broken_at == 2 and
	.verification.why == \"damaged entry: not JSON\"' '$tmp/o' >/dev/null"

# never more than the journal's fields: a member someone added to a line is not exported
mkdir -p "$je/extra"
printf '{"time":"2026-11-01T06:30:00Z","host":"hub","source":"x","result":"applied","create":1,"update":0,"delete":0,"private_key":"cGxlYXNlIGRvIG5vdCBleHBvcnQgbWUgYW55d2hlcmUh"}\n' >"$je/extra/journal"
r=$(jtx "$je/extra")
check "export: a member that is not the journal's (\"private_key\") is not exported" bash -c "test $r -eq 0 &&
	jq -e '(.entries | length) == 1' '$tmp/o' >/dev/null && ! grep -q -e private_key -e cGxlYXNl '$tmp/o'"
# hostile text stays escaped, valid UTF-8 JSON
mkdir -p "$je/bad"
printf '{"time":"2026-11-01T06:30:00Z","host":"\\u001b[2Jhub","source":"dir \xff\xfe \033[31m","result":"applied","create":0,"update":0,"delete":0}\n' >"$je/bad/journal"
r=$(jtx "$je/bad")
check "export of control characters and bad UTF-8: valid UTF-8 JSON, no escape character" bash -c "test $r -eq 0 &&
	iconv -f UTF-8 -t UTF-8 '$tmp/o' >/dev/null && ! grep -q $'\033' '$tmp/o' && jq -e '.entries[0].source | contains(\"\\\\xff\")' '$tmp/o' >/dev/null"

# usage, and errors: exit 1, nothing on stdout
# xerr WHAT MESSAGE ARGS...: export ARGS exits 1, prints nothing, says "wgf: MESSAGE"
xerr() {
	local what=$1 msg=$2 r; shift 2
	r=$(jx "$@")
	check "journal export $what: exit 1, nothing written, says why" \
		bash -c "test $r -eq 1 && ! test -s '$tmp/o' && test \"\$(cat '$tmp/e')\" = \"wgf: \$1\"" _ "$msg"
}
xerr "--since 2026-13-01" '--since: "2026-13-01" is no such day or time' --since 2026-13-01
xerr "--until yesterday" '--until: "yesterday" is not a date: use YYYY-MM-DD (00:00 UTC), YYYY-MM-DDThh:mm:ssZ (RFC 3339; or +hh:mm, -hh:mm), or a time ago: 24h, 7d, 2w' --until yesterday
xerr "--since 1969-12-31" '--since: "1969-12-31" is outside the years 1970 to 9999' --since 1969-12-31
xerr "--since after --until" '--since 2026-12-02T00:00:00Z is after --until 2026-12-01T00:00:00Z: no entry is in between' --since 2026-12-02 --until 2026-12-01
xerr "--format xml" '--format must be json or jsonl, not "xml"' --format xml
xerr "-n 2" '-n is not an option of journal export (see wgf journal --help)' -n 2
xerr "--head" '--head is not an option of journal export (see wgf journal --help)' --head "$(tail -n1 "$jdir/journal" | b2)"
r=$(run3 "$WGF" journal --since 7d --state-dir "$jdir")
check "journal --since without export: exit 1, says so" bash -c "test $r -eq 1 && grep -qx 'wgf: --since is not an option of journal (see wgf journal --help)' '$tmp/e'"
r=$(run3 "$WGF" journal verify --format jsonl --state-dir "$jdir")
check "journal verify --format: exit 1" bash -c "test $r -eq 1 && grep -qx 'wgf: --format is not an option of journal verify (see wgf journal --help)' '$tmp/e'"
rm -rf "$je/fifo"; mkdir -p "$je/fifo"; mkfifo "$je/fifo/journal"
r=$(run3 timeout 10 "$WGF" journal export --state-dir "$je/fifo")
check "journal export: an unreadable journal (a FIFO) is an error, nothing written" \
	bash -c "test $r -eq 1 && ! test -s '$tmp/o' && grep -qx 'wgf: reading $je/fifo/journal: not a regular file' '$tmp/e'"
if [ -w /dev/full ]; then
	r=$("$WGF" journal export --state-dir "$jdir" >/dev/full 2>"$tmp/e"; echo $?)
	check "journal export to a full disk: exit 1, says so" bash -c "test $r -eq 1 && grep -q 'journal export: writing: Input/output error' '$tmp/e'"
fi
check "journal --help documents export, --since, --until, --format and exit 3" bash -c "'$WGF' journal --help >'$tmp/h' &&
	grep -q 'wgf journal export \[--since DATE\] \[--until DATE\] \[--format json|jsonl\]' '$tmp/h' &&
	grep -q -- '--since DATE' '$tmp/h' && grep -q -- '--until DATE' '$tmp/h' && grep -q -- '--format F' '$tmp/h' &&
	grep -q '3 exported, but the chain is' '$tmp/h'"
