# wgf journal and wgf journal verify, sourced by tests/cli/run (it sets WGF, tmp,
# run3, check, checkw). No root: journals are written here by an independent
# implementation of the format (python's hashlib.blake2b), so this also checks
# that the format is what wgf(8) says, and tampered with by sed, as a person would.

jdir=$tmp/journal
# jmake DIR LEGACY CHAINED: a journal in DIR of LEGACY lines of an older wgf
# (no hash), then CHAINED entries, and its head
jmake() {
	rm -rf "$1"; mkdir -p "$1"
	python3 - "$@" <<'PY'
import hashlib, json, sys
d, legacy, chained = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def h(b): return hashlib.blake2b(b, digest_size=32).hexdigest()
out = b""
for i in range(legacy):
    out += (json.dumps({"time": "2026-11-0%dT06:30:00Z" % (i + 1), "host": "hub", "source": "directory /srv/net",
                        "result": "applied", "create": 1, "update": 0, "delete": 0}, separators=(",", ":")) + "\n").encode()
prev, last = h(out), None
results = ["applied", "refused", "rolled-back", "failed", "applied"]
for i in range(chained):
    seq = legacy + i + 1
    r = results[i % len(results)]
    e = {"seq": seq, "time": "2026-12-01T06:%02d:00Z" % (30 + 5 * i), "host": "hub",
         "source": "commit %07x (main)" % (0x1a2b3c4 + i),
         "revision": ("%x" % (i + 1)) * 40 if i % 2 == 0 else "9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6",
         "signer": {"principal": "alice@example.org", "fingerprint": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"} if r != "refused" else None,
         "result": r, "create": 0 if r == "refused" else 2, "update": 0, "delete": 0 if r == "refused" else 1,
         "reason": {"refused": "not signed", "rolled-back": "peer \"alice\" on wg0: No such device",
                    "failed": "nft: table busy"}.get(r), "prev": prev}
    line = (json.dumps(e, separators=(",", ":")) + "\n").encode()
    out += line
    prev = last = h(line)
open(d + "/journal", "wb").write(out)
if chained:
    open(d + "/journal.head", "w").write(json.dumps({"entries": legacy + chained, "hash": last, "size": len(out)},
                                                    separators=(",", ":")) + "\n")
PY
}
# jverify DIR: wgf journal verify's exit status; stdout in $tmp/o, stderr in $tmp/e
jverify() { run3 "$WGF" journal verify --state-dir "$1"; }
# jbroken WHAT DIR MESSAGE: verify exits 1, says "wgf: MESSAGE" and nothing else, and --json agrees
jbroken() {
	local what=$1 d=$2 msg=$3 r
	r=$(jverify "$d")
	check "journal verify: $what: exit 1 and \"$msg\"" \
		bash -c "test $r -eq 1 && ! test -s '$tmp/o' && test \"\$(cat '$tmp/e')\" = \"wgf: \$1\"" _ "$msg"
	"$WGF" journal verify --json --state-dir "$d" >"$tmp/o" 2>/dev/null
	check "journal verify --json: $what: intact false, the same error" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["intact"] is False and d["error"] == sys.argv[2] and d["head"] is None, d' "$tmp/o" "$msg"
}
b2() { b2sum -l 256 | cut -d' ' -f1; }

# nothing journaled yet: no state directory at all, or an empty one
r=$(run3 "$WGF" journal --state-dir "$tmp/no-state")
check "journal: no state directory: exit 0, says the journal is empty" \
	bash -c "test $r -eq 0 && grep -q '^The journal is empty' '$tmp/o' && ! test -s '$tmp/e'"
check "journal --json: no state directory: []" test "$("$WGF" journal --json --state-dir "$tmp/no-state")" = "[]"
r=$(jverify "$tmp/no-state")
check "journal verify: no state directory: exit 0, 0 entries, intact" \
	bash -c "test $r -eq 0 && test \"\$(head -n1 '$tmp/o')\" = 'journal: 0 entries, chain intact'"

# five entries
jmake "$jdir" 0 5
r=$(run3 "$WGF" journal --state-dir "$jdir")
check "journal: exit 0, one line an entry, nothing on stderr" \
	bash -c "test $r -eq 0 && test \$(wc -l <'$tmp/o') -eq 5 && ! test -s '$tmp/e'"
check "journal: the applied entry: time, result, commit, signer, changes" \
	test "$(sed -n 1p "$tmp/o")" = "2026-12-01T06:30:00Z  applied      commit 111111111111 signed by alice@example.org (SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s)  +2 ~0 -1"
check "journal: the refused entry: the commit and why, no changes" \
	test "$(sed -n 2p "$tmp/o")" = "2026-12-01T06:35:00Z  refused      commit 9f8e7d6c5b4a  not signed"
check "journal: the rolled-back entry: changes and the reason" \
	test "$(sed -n 3p "$tmp/o")" = "2026-12-01T06:40:00Z  rolled-back  commit 333333333333 signed by alice@example.org (SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s)  +2 ~0 -1  peer \"alice\" on wg0: No such device"
check "journal: no colour when stdout is not a terminal" bash -c "! grep -q $'\033' '$tmp/o'"
check "journal -n 2: the last two" test "$("$WGF" journal -n 2 --state-dir "$jdir" | cut -c1-20 | tr '\n' ' ')" = "2026-12-01T06:45:00Z 2026-12-01T06:50:00Z "
check "journal -n 0: nothing" test -z "$("$WGF" journal -n 0 --state-dir "$jdir")"
check "journal -n 99: all five" test "$("$WGF" journal -n 99 --state-dir "$jdir" | wc -l)" -eq 5
"$WGF" journal --json --state-dir "$jdir" >"$tmp/j.json"
check "journal --json: an array of five entries, each with its fields and its line's hash (b2sum -l 256)" python3 -c '
import json, subprocess, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 5, d
keys = ["line", "seq", "time", "host", "source", "revision", "signer", "result", "create", "update", "delete", "reason", "prev", "hash"]
for i, e in enumerate(d):
    assert list(e) == keys, list(e)
    assert e["line"] == e["seq"] == i + 1
    line = subprocess.run(["sed", "-n", "%dp" % (i + 1), sys.argv[2]], capture_output=True).stdout
    assert e["hash"] == subprocess.run(["b2sum", "-l", "256"], input=line, capture_output=True).stdout.split()[0].decode()
    if i:
        assert e["prev"] == d[i - 1]["hash"]
assert d[0]["prev"] == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
assert d[0]["signer"] == {"principal": "alice@example.org", "fingerprint": "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"}
assert d[1]["signer"] is None and d[1]["result"] == "refused" and d[1]["reason"] == "not signed"
assert d[0]["revision"] == "1" * 40 and d[0]["reason"] is None and (d[0]["create"], d[0]["update"], d[0]["delete"]) == (2, 0, 1)
' "$tmp/j.json" "$jdir/journal"
if command -v script >/dev/null; then
	script -qec "'$WGF' journal -n 1 --state-dir '$jdir'" /dev/null >"$tmp/tty" 2>&1
	check "journal on a terminal: the result in colour" grep -qF $'\033[32mapplied' "$tmp/tty"
	NO_COLOR=1 script -qec "'$WGF' journal -n 1 --state-dir '$jdir'" /dev/null >"$tmp/tty" 2>&1
	check "journal on a terminal with NO_COLOR: no colour" bash -c "grep -q applied '$tmp/tty' && ! grep -q $'\033' '$tmp/tty'"
	script -qec "'$WGF' journal -n 1 --no-color --state-dir '$jdir'" /dev/null >"$tmp/tty" 2>&1
	check "journal --no-color on a terminal: no colour" bash -c "grep -q applied '$tmp/tty' && ! grep -q $'\033' '$tmp/tty'"
else
	skip "journal colour on a terminal: script(1) missing"
fi

# verify: intact, and the head that it prints is the hash of the last line
r=$(jverify "$jdir")
check "journal verify: exit 0, \"journal: 5 entries, chain intact\"" \
	bash -c "test $r -eq 0 && test \"\$(head -n1 '$tmp/o')\" = 'journal: 5 entries, chain intact' && ! test -s '$tmp/e'"
check "journal verify: the head it prints is b2sum -l 256 of the last line" \
	test "$(sed -n 2p "$tmp/o")" = "head: $(tail -n1 "$jdir/journal" | b2)"
h3=$(sed -n 3p "$jdir/journal" | b2)
r=$(run3 "$WGF" journal verify --head "$h3" --state-dir "$jdir")
check "journal verify --head (line 3's hash): exit 0, names line 3" bash -c "test $r -eq 0 && grep -q '^line 3 has the head $h3' '$tmp/o'"
cp -a "$jdir" "$tmp/jrw"
sed -i '2s/not signed/signed/' "$tmp/jrw/journal"
python3 - "$tmp/jrw" <<'PY'
# rewritten consistently, as whoever can write the state directory can: the chain is intact again
import hashlib, json, sys
d = sys.argv[1]
lines = open(d + "/journal", "rb").read().splitlines(keepends=True)
prev, out = hashlib.blake2b(b"", digest_size=32).hexdigest(), b""
for l in lines:
    e = json.loads(l)
    e["prev"] = prev
    l = (json.dumps(e, separators=(",", ":")) + "\n").encode()
    out += l
    prev = hashlib.blake2b(l, digest_size=32).hexdigest()
open(d + "/journal", "wb").write(out)
open(d + "/journal.head", "w").write(json.dumps({"entries": len(lines), "hash": prev, "size": len(out)}) + "\n")
PY
check "a journal rewritten whole, head and all, verifies (the hashes have no key)" test "$(jverify "$tmp/jrw")" -eq 0
r=$(run3 "$WGF" journal verify --head "$h3" --state-dir "$tmp/jrw")
check "but not against a head kept from before: exit 1, says so" \
	bash -c "test $r -eq 1 && grep -q '^wgf: journal: no line has the hash $h3: the journal was rewritten' '$tmp/e'"
r=$(run3 "$WGF" journal verify --json --head "$h3" --state-dir "$jdir")
check "journal verify --json --head: head_line 3" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["intact"] is True and d["entries"] == 5 and d["unchained"] == 0 and d["head_line"] == 3 and d["error"] is None, d' "$tmp/o"

# each kind of tampering, found where it is
jt=$tmp/jt
jcopy() { rm -rf "$jt"; cp -a "$jdir" "$jt"; }
jcopy; sed -i '2s/"host":"hub"/"host":"hux"/' "$jt/journal"
jbroken "an edited entry" "$jt" "journal:2: entry 2 was changed after it was written (the entry after it holds the hash of what it was)"
jcopy; sed -i '5s/"create":2/"create":3/' "$jt/journal"
jbroken "the last entry edited" "$jt" "journal:5: entry 5, the last, was changed after it was written (the head holds another hash)"
jcopy; sed -i '3d' "$jt/journal"
jbroken "a removed entry" "$jt" "journal:3: entry 3 is missing (removed): line 3 holds entry 4"
jcopy; sed -i '1d' "$jt/journal"
jbroken "the first entry removed" "$jt" "journal:1: the journal begins at entry 2: entry 1 was removed"
jcopy; sed -i '$d' "$jt/journal"
jbroken "the last entry removed" "$jt" "journal:5: entry 5 is missing: removed from the end (the head records 5 entries)"
jcopy; sed -i '2{h;d};3G' "$jt/journal"
jbroken "two entries swapped" "$jt" "journal:2: entries out of order: entry 3 is here, before entry 2 (line 3), which it follows"
jcopy; sed -i '1h;3G' "$jt/journal"
jbroken "a copy inserted" "$jt" "journal:4: a copy of line 1 (entry 1) was inserted here"
jcopy; sed -i '3i {"time":"2026-12-01T06:31:00Z","host":"hub","source":"x","result":"applied","create":1,"update":0,"delete":0}' "$jt/journal"
jbroken "an entry without a hash inserted" "$jt" "journal:3: an entry without a hash inside the chain (added by hand, or by a wgf older than the chain)"
jcopy; sed -i '4s/^{/{{/' "$jt/journal"
jbroken "a damaged line" "$jt" "journal:4: damaged entry: not JSON"
jcopy; truncate -s -10 "$jt/journal"
jbroken "a cut tail" "$jt" "journal:5: the last line is cut off (no newline): a write that did not finish, or a truncated file"
jcopy; rm "$jt/journal.head"
jbroken "the head removed" "$jt" "journal:5: the head (journal.head) is missing: without it, entries removed from the end would go unnoticed"
jcopy; sed -i 's/"entries":5/"entries":7/' "$jt/journal.head"
jbroken "a head that records more" "$jt" "journal:6: entries 6 to 7 are missing: removed from the end (the head records 7 entries)"
jcopy; : >"$jt/journal"
jbroken "an emptied journal" "$jt" "journal:1: the journal is empty, but its head records 5 entries: they were removed"
jcopy; sed -i '2s/^/garbage\n/' "$jt/journal"
r=$(run3 "$WGF" journal --state-dir "$jt")
check "journal with a damaged line: exit 0, the five entries, a warning naming it" \
	bash -c "test $r -eq 0 && test \$(wc -l <'$tmp/o') -eq 5 && test \"\$(cat '$tmp/e')\" = 'wgf: warning: journal:2: damaged entry: not JSON (1 damaged line skipped; \`wgf journal verify\` checks the chain)'"

# a journal of an older wgf: shown, and the chain starts after it
jmake "$tmp/jold" 2 0
r=$(run3 "$WGF" journal --state-dir "$tmp/jold")
check "an old journal (no hashes) is shown" \
	bash -c "test $r -eq 0 && test \"\$(head -n1 '$tmp/o')\" = '2026-11-01T06:30:00Z  applied      directory /srv/net  +1 ~0 -0'"
r=$(jverify "$tmp/jold")
check "journal verify of an old journal: exit 0, none chained yet" \
	bash -c "test $r -eq 0 && grep -qx 'journal: 2 entries, none chained: written by an older wgf (the chain begins with the next entry)' '$tmp/o'"
jmake "$tmp/jold" 2 3
r=$(jverify "$tmp/jold")
check "journal verify: older entries, then the chain: exit 0, says where the chain starts" \
	bash -c "test $r -eq 0 && grep -qx 'journal: 5 entries, chain intact from entry 3 (entries 1 to 2, written by an older wgf, are held as a whole by its hash)' '$tmp/o'"
sed -i '1s/"create":1/"create":2/' "$tmp/jold/journal"
jbroken "an older entry edited" "$tmp/jold" "journal:3: the unchained entries before line 3 (written by an older wgf) were changed after the chain began"
check "journal --json of older entries: seq and prev null" bash -c "'$WGF' journal --json --state-dir '$tmp/jold' | python3 -c '
import json,sys; d=json.load(sys.stdin); assert d[0][\"seq\"] is None and d[0][\"prev\"] is None and d[2][\"seq\"] == 3, d'"

# hostile content: what the file holds is printed escaped, and JSON stays UTF-8
mkdir -p "$tmp/jbad"
printf '{"time":"2026-11-01T06:30:00Z","host":"\\u001b[2Jhub","source":"dir \xff\xfe \033[31m","result":"applied","create":0,"update":0,"delete":0,"error":"\xe2\x80\xaeevil"}\n' >"$tmp/jbad/journal"
r=$(run3 "$WGF" journal --state-dir "$tmp/jbad")
check "journal: control characters, bad UTF-8 and direction overrides in the file are printed escaped" \
	bash -c "test $r -eq 0 && ! grep -q $'\033' '$tmp/o' && ! grep -q $'\xe2\x80\xae' '$tmp/o' && grep -qF 'dir \\xff\\xfe \\x1b[31m' '$tmp/o'"
check "journal --json of it: valid UTF-8 JSON, no escape character" bash -c "'$WGF' journal --json --state-dir '$tmp/jbad' | python3 -c '
import json,sys; b=sys.stdin.buffer.read(); d=json.loads(b.decode(\"utf-8\")); assert \"\\x1b\" not in d[0][\"host\"] + d[0][\"source\"], d'"
rm -f "$tmp/jbad/journal"; mkfifo "$tmp/jbad/journal"
r=$(run3 timeout 10 "$WGF" journal --state-dir "$tmp/jbad")
check "journal: a FIFO in the journal's place is refused, not waited on" \
	bash -c "test $r -eq 1 && grep -qx 'wgf: reading $tmp/jbad/journal: not a regular file' '$tmp/e'"
rm -f "$tmp/jbad/journal"; ln -s "$jdir/journal" "$tmp/jbad/journal"
r=$(run3 timeout 10 "$WGF" journal verify --state-dir "$tmp/jbad")
check "journal verify: a symbolic link in the journal's place is refused" \
	bash -c "test $r -eq 1 && grep -qx 'wgf: reading $tmp/jbad/journal: not a regular file' '$tmp/e'"

# usage
r=$(run3 "$WGF" journal -n many)
check "journal -n many: exit 1, says why" bash -c "test $r -eq 1 && grep -qx 'wgf: -n takes a number of entries, not \"many\"' '$tmp/e'"
r=$(run3 "$WGF" journal verify -n 2 --state-dir "$jdir")
check "journal verify -n: exit 1" bash -c "test $r -eq 1 && grep -q -- '-n does not apply' '$tmp/e'"
r=$(run3 "$WGF" journal frobnicate)
check "journal with an unknown subcommand: exit 1, names it" bash -c "test $r -eq 1 && grep -q 'unexpected argument \"frobnicate\"' '$tmp/e'"
r=$(run3 "$WGF" journal --head "$h3" --state-dir "$jdir")
check "journal --head without verify: exit 1" bash -c "test $r -eq 1 && grep -q -- '--head is an option of journal verify' '$tmp/e'"
r=$(run3 "$WGF" journal verify --head nothex --state-dir "$jdir")
check "journal verify --head nothex: exit 1, says why" bash -c "test $r -eq 1 && grep -q '\"nothex\" is not a hash' '$tmp/e'"
check "journal --help documents verify, -n, --json, --head" bash -c "'$WGF' journal --help | grep -q 'wgf journal verify' && '$WGF' journal --help | grep -q -- '-n N' && '$WGF' journal --help | grep -q -- '--head HASH'"
