# Parts 4 and 5 of the hostile-input suite: output stays safe to print and to parse,
# and what the repository says (or does not say) is visible. Sourced by run.

hcase "a file name with an ANSI escape is printed escaped, never raw"
printf 'x\n' >"$R/a"$'\x1b'"[31mred.yaml"
hrun validate "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
hmatch 'a\x1b[31mred.yaml:1:1' "error: a document must be a mapping of apiVersion, kind, metadata and spec, got a single value" ||
	H_BAD="${H_BAD}name not escaped; "
grep -q $'\x1b' "$ERR" "$OUT" && H_BAD="${H_BAD}raw ESC byte in the output; "
hdone

hcase "a file name with a newline cannot forge an error line"
printf 'x\n' >"$R/x"$'\n'"fake.yaml:1:1: error: forged.yaml"
hrun validate "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
grep -q '^fake.yaml:1:1: error: forged' "$ERR" && H_BAD="${H_BAD}a forged line was printed; "
hmatch 'x\x0afake.yaml:1:1: error: forged.yaml:1:1' "error: a document must be a mapping" || H_BAD="${H_BAD}name not escaped; "
hdone

hcase "a file name with a right-to-left override is escaped"
printf 'x\n' >"$R/evil"$'\u202e'"lmay.yaml"
hcheck 1 'evil\u{202e}lmay.yaml:1:1' "error: a document must be a mapping"

hcase "a file name that is not UTF-8 gives valid JSON"
printf 'x\n' >"$R/bad"$'\xff\xfe'"name.yaml"
hrun validate --json "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
d = json.loads(raw.decode("utf-8", errors="strict"))
assert any(e["file"] == "bad\\xff\\xfename.yaml" for e in d["errors"]), d["errors"]' "$OUT" ||
	H_BAD="${H_BAD}JSON not valid UTF-8, or the name not escaped; "
hdone

hcase "a UTF-8 file name is kept as it is"
printf 'x\n' >"$R/café.yaml"
hcheck 1 'café.yaml:1:1' "error: a document must be a mapping"

hcase "a control character inside a value is escaped in the message"
hfile peers/alice.yaml <<'Y'
apiVersion: wgf/v1
kind: Peer
metadata:
  name: "alice\e[2J"
spec:
  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=
  addresses: [10.20.0.10]
  hubs: [hub]
Y
hcheck 1 "peers/alice.yaml:4:9" 'error: name "alice\\x1b\[2J" is not valid'

hcase "a long value is quoted as a short excerpt only"
hfile peers/alice.yaml <<'Y'
apiVersion: wgf/v1
kind: Peer
metadata:
  name: alice
spec:
  publicKey: AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDDDDDDDDDDEEEEEEEEEEFFFFFFFFFF
  addresses: [10.20.0.10]
  hubs: [hub]
Y
hcheck 1 "peers/alice.yaml:6:14" 'error: publicKey "AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDD\.\.\."'
hnot "DDDDDDDDEEEE"

hcase "a byte-order mark in the middle of a file is named"
printf 'apiVersion: wgf/v1\n\xef\xbb\xbfkind: Network\n' >"$R/bom.yaml"
hcheck 1 "bom.yaml:2:1" "error: a byte-order mark \(U\+FEFF\) in the middle of the file"

hcase "a byte-order mark at the start of a file is fine"
{ printf '\xef\xbb\xbf'; cat "$HOSTILE_BASE/peers/bob.yaml"; } >"$R/peers/bob.yaml"
hnone error

hcase "a repository without YAML files is empty: an error"
rm -rf "$R"/*
printf 'hello\n' >"$R/README.md"
hcheck 1 "$R" "error: the repository is empty: directory .* holds no YAML documents"

hcase "a repository of comments only is empty: an error"
rm -rf "$R"/*
printf '# nothing yet\n---\n# still nothing\n' >"$R/network.yaml"
hcheck 1 "$R" "error: the repository is empty"

hcase "--allow-empty accepts an empty repository"
rm -rf "$R"/*
printf '# nothing yet\n' >"$R/network.yaml"
hrun validate --allow-empty "$R"
[ "$RC" -eq 0 ] || H_BAD="${H_BAD}exit $RC; "
hmatch "" "directory .*: valid \(0 networks, 0 hosts, 0 peers\)" || H_BAD="${H_BAD}not called valid; "
hdone

hcase "an empty git commit is empty too"
rm -rf "$R"/*
git -C "$R" init -q && git -C "$R" -c user.name=t -c user.email=t@t commit -q --allow-empty -m empty
hcheck 1 "$R" "error: the repository is empty: commit [0-9a-f]{12} \(HEAD\) holds no YAML documents" validate --repo "$R"

hcase "apply of a broken repository creates no state directory"
printf 'x: [\n' >"$R/broken.yaml"
hrun apply --yes --state-dir "$HOSTILE_TMP/new-state" --host hub "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
[ -e "$HOSTILE_TMP/new-state" ] && H_BAD="${H_BAD}the state directory was created; "
hmatch "broken.yaml:2:1" "error: YAML syntax error" || H_BAD="${H_BAD}no syntax error; "
hdone

hcase "apply of a broken repository leaves an existing state directory byte-identical"
printf 'x: [\n' >"$R/broken.yaml"
mkdir -p "$HOSTILE_TMP/old-state"
printf 'wg0\n' >"$HOSTILE_TMP/old-state/owned-interfaces"
before=$(cd "$HOSTILE_TMP/old-state" && find . -printf '%p %s %m %T@\n' | sort; cat ./* 2>/dev/null | md5sum)
hrun apply --yes --state-dir "$HOSTILE_TMP/old-state" --host hub "$R"
after=$(cd "$HOSTILE_TMP/old-state" && find . -printf '%p %s %m %T@\n' | sort; cat ./* 2>/dev/null | md5sum)
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
[ "$before" = "$after" ] || H_BAD="${H_BAD}the state directory changed; "
hdone
rm -rf "$HOSTILE_TMP/new-state" "$HOSTILE_TMP/old-state"
