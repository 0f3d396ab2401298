# Part 1 of the hostile-input suite: a repository never makes wgf read outside it,
# and everything it holds that is not loaded is reported. Sourced by tests/hostile/run.

# A secret outside the repository, shaped like a WireGuard key and like YAML.
SECRET_DIR=$HOSTILE_TMP/outside
mkdir -p "$SECRET_DIR"
SECRET="S3cr3tK3yS3cr3tK3yS3cr3tK3yS3cr3tK3yABCDEF="
printf '%s\n' "$SECRET" >"$SECRET_DIR/private.key"
chmod 600 "$SECRET_DIR/private.key"
printf 'apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: "%s"}\n' "$SECRET" >"$SECRET_DIR/peer.yaml"

# hnoleak: no output holds the secret, nor a 12-character piece of it
hnoleak() {
	hnot "$SECRET"
	hnot "${SECRET:0:12}"
	hnot "${SECRET:16:12}"
}

for cmd in validate test plan; do
	hcase "$cmd: a symlink to a key outside the repository is refused and never read"
	ln -s "$SECRET_DIR/private.key" "$R/key.yaml"
	if [ "$cmd" = plan ]; then
		hrun plan --state-dir "$HOSTILE_TMP/state" --key-file "$SECRET_DIR/private.key" --host hub "$R"
	else
		hrun $cmd "$R"
	fi
	[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
	hmatch "key.yaml" "error: is a symbolic link: wgf never follows links in a repository" ||
		H_BAD="${H_BAD}no error for key.yaml; "
	hnoleak
	hdone
done

hcase "a symlink to YAML outside the repository is refused; its content never appears"
ln -s "$SECRET_DIR/peer.yaml" "$R/peers/evil.yaml"
hrun validate --json "$R"
hnoleak
hcheck 1 "peers/evil.yaml" "error: is a symbolic link"

hcase "a symlinked directory pointing outside is not followed (warning), the rest is valid"
ln -s "$SECRET_DIR" "$R/peers/more"
hcheck 0 "peers/more" "warning: symbolic link not followed"
hnoleak

hcase "a directory link to / is not walked"
ln -s / "$R/root"
hcheck 0 "root" "warning: symbolic link not followed"

hcase "a dangling symlink named like YAML is an error"
ln -s "$HOSTILE_TMP/does-not-exist.yaml" "$R/dangling.yaml"
hcheck 1 "dangling.yaml" "error: is a symbolic link"

hcase "a symlink loop named like YAML is an error"
ln -s loop.yaml "$R/loop.yaml"
hcheck 1 "loop.yaml" "error: is a symbolic link"

hcase "a symlink inside the repository is refused too (one rule: links are never followed)"
ln -s peers/bob.yaml "$R/bob-again.yaml"
hcheck 1 "bob-again.yaml" "error: is a symbolic link"

hcase "a FIFO named like YAML is an error, and never blocks"
mkfifo "$R/pipe.yaml"
hcheck 1 "pipe.yaml" "error: is a FIFO, not a regular file"

hcase "a FIFO given as the path is an error, and never blocks"
mkfifo "$HOSTILE_TMP/fifo-root"
hcheck 1 "$HOSTILE_TMP/fifo-root" "error: is a FIFO: give a directory or a YAML file" validate "$HOSTILE_TMP/fifo-root"
rm -f "$HOSTILE_TMP/fifo-root"

hcase "a FIFO with another name is a warning"
mkfifo "$R/pipe"
hcheck 0 "pipe" "warning: skipped: a FIFO"

hcase "a socket named like YAML is an error"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$R/sock.yaml"
hcheck 1 "sock.yaml" "error: is a socket, not a regular file"

hcase "a device node named like YAML is an error"
mknod "$R/null.yaml" c 1 3 2>/dev/null || cp -a /dev/null "$R/null.yaml"
hcheck 1 "null.yaml" "error: is a character device, not a regular file"

hcase "*.YAML is not loaded, with a warning naming the rule"
mv "$R/peers/bob.yaml" "$R/peers/bob.YAML"
hcheck 0 "peers/bob.YAML" "warning: not loaded: only names ending in .yaml or .yml \(lower case\) are read"

hcase "*.Yml is not loaded either"
mv "$R/peers/bob.yaml" "$R/peers/bob.Yml"
hcheck 0 "peers/bob.Yml" "warning: not loaded"

hcase "an unreadable directory is an error, not a silent skip"
mkdir -p "$R/locked"
cp "$R/peers/bob.yaml" "$R/locked/carol.yaml"
chmod 000 "$R/locked"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	# root reads anything: drop to nobody (who can read the rest of the copy)
	chmod -R o+rX "$R"; chmod 000 "$R/locked"; chmod o+x "$HOSTILE_TMP"
	hrun_as_nobody() { OUT=$HOSTILE_TMP/out ERR=$HOSTILE_TMP/err
		timeout -k 5 60 setpriv --reuid=nobody --regid=nogroup --clear-groups "$WGF" validate "$R" >"$OUT" 2>"$ERR"; RC=$?; }
	hrun_as_nobody
	[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
	hmatch "locked" "error: cannot open directory: Permission denied" || H_BAD="${H_BAD}no error for locked; "
	hdone
else
	hcheck 1 "locked" "error: cannot open directory: Permission denied"
fi
chmod 755 "$R/locked"

hcase "directories nested deeper than 32 levels are refused"
d=$R; for i in $(seq 1 34); do d=$d/d; done; mkdir -p "$d"
hcheck 1 "$(printf 'd/%.0s' $(seq 1 32))d" "error: directories nested deeper than 32 levels below the root$"

hcase "a hidden directory is skipped silently (documented)"
mkdir -p "$R/.github"; printf 'not: [yaml\n' >"$R/.github/ci.yaml"
hnone error

hcase "--key-file that is a FIFO is a clear error, quickly"
mkfifo "$HOSTILE_TMP/keyfifo"
hcheck 1 "" "wgf: key file $HOSTILE_TMP/keyfifo: not a regular file" plan --state-dir "$HOSTILE_TMP/state" --key-file "$HOSTILE_TMP/keyfifo" "$R"
rm -f "$HOSTILE_TMP/keyfifo"

hcase "an explicitly given --key-file that does not exist is an error"
hcheck 1 "" "wgf: key file $HOSTILE_TMP/no-such-key: no such file" plan --state-dir "$HOSTILE_TMP/state" --key-file "$HOSTILE_TMP/no-such-key" "$R"

hcase "\$WGF_KEY_FILE that does not exist is an error too"
hrun_env() { OUT=$HOSTILE_TMP/out ERR=$HOSTILE_TMP/err
	timeout -k 5 60 env "$1" $HOSTILE_WRAP "$WGF" "${@:2}" >"$OUT" 2>"$ERR" </dev/null; RC=$?; }
hrun_env WGF_KEY_FILE="$HOSTILE_TMP/no-such-key" plan --state-dir "$HOSTILE_TMP/state" "$R"
[ "$RC" -eq 1 ] || H_BAD="${H_BAD}exit $RC; "
hmatch "" "wgf: key file $HOSTILE_TMP/no-such-key: no such file" || H_BAD="${H_BAD}no message; "
hdone

hcase "--key-file that is a symlink is refused"
ln -s "$SECRET_DIR/private.key" "$HOSTILE_TMP/keylink"
hcheck 1 "" "wgf: key file $HOSTILE_TMP/keylink: a symbolic link" plan --state-dir "$HOSTILE_TMP/state" --key-file "$HOSTILE_TMP/keylink" "$R"
hnoleak
rm -f "$HOSTILE_TMP/keylink"
