/* Key history on a real git repository (made with git, backdated commits):
 * a key kept since the first commit, one rotated later, one whose file moved
 * (it keeps its age), one brought in by a merge (first parent: the merge), one
 * written so that it is not found as text (unknown, not guessed), history cut
 * short by a shallow clone (unknown too), and the keys of only the objects
 * asked for. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "reconcile/host/key_history.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="
#define K4 "zNrdD/fVhiv0pInwKHoGOBRqZjJ1Gnu06A0yjdkfrQ8="
#define K5 "75y69jXpKUtE2HbG47aQRUzs/nET1dPLiW+7BPkjxn0="
#define K6 "tX8oVpbGNfaKajh9RcbeQdmp0pGSb9xLlc3gIWkmDHo="

#define DAY1 1767268800         /* 2026-01-01T12:00:00Z */
#define DAY 86400

static char dir[] = "/tmp/wgf-unit-keyhist.XXXXXX";

__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* peer NAME KEY ADDRESS [EXTRA] into FILE */
#define PEER "peer() { printf 'apiVersion: wgf/v1\\nkind: Peer\\nmetadata: {name: %%s}\\nspec:\\n  publicKey: %%s\\n" \
	"  addresses: [%%s]\\n  hubs: [h]\\n' \"$1\" \"$2\" \"$3\"; }; "
/* commit DAYS MESSAGE: everything, committed DAYS after DAY1 */
#define COMMIT "commit() { d=$(date -u -d @$((" "1767268800" " + $1 * 86400)) +%%Y-%%m-%%dT%%H:%%M:%%SZ); " \
	"git add -A && GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -c user.name=t -c user.email=t@e commit -qm \"$2\"; }; "

static int make_repo(void)
{
	return sh("cd %s && git init -q -b main r && cd r && " PEER COMMIT
		  "printf 'apiVersion: wgf/v1\\nkind: Network\\nmetadata: {name: n}\\nspec:\\n"
		  "  addressPools: {ipv4: 10.0.0.0/24}\\n' >net.yaml && "
		  "printf 'apiVersion: wgf/v1\\nkind: Host\\nmetadata: {name: h}\\nspec:\\n  role: hub\\n"
		  "  publicKey: \"%%s\"\\n  endpoint: 192.0.2.1:51820\\n  addresses: [10.0.0.1/24]\\n' "
		  "'nvxi\\x49rZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8=' >hub.yaml && "
		  "mkdir peers && peer kept " K2 " 10.0.0.2 >peers/kept.yaml && peer rot " K3 " 10.0.0.3 >peers/rot.yaml && "
		  "peer mover " K4 " 10.0.0.4 >peers/mover.yaml && commit 0 base && "
		  "peer rot " K5 " 10.0.0.3 >peers/rot.yaml && commit 10 rotated && "
		  "mkdir peers/x && git mv peers/mover.yaml peers/x/mover.yaml && commit 20 moved && "
		  "git checkout -q -b side && peer late " K6 " 10.0.0.6 >peers/late.yaml && commit 25 side && "
		  "git checkout -q main && echo '# a comment' >>net.yaml && commit 27 main && "
		  "GIT_COMMITTER_DATE=2026-01-31T12:00:00Z git -c user.name=t -c user.email=t@e merge -q --no-ff "
		  "-m merge side >/dev/null", dir);
}

static const struct key_created *peer_of(const struct model *m, const struct key_created *v, const char *name)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (!strcmp(m->peers[i].meta.name, name))
			return &v[i];
	return NULL;
}

static void test_history(void)
{
	struct key_created hosts[1], peers[4];
	const struct key_created *k;
	struct wgf_error err = {0};
	struct model *m = NULL;
	struct diag d;
	char path[256];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(make_repo(), 0);
	snprintf(path, sizeof(path), "%s/r", dir);
	diag_init(&d);
	CHECK_INT(model_load_git(path, "main", &m, &d), 0);
	diag_print(&d, stderr);
	diag_free(&d);
	if (!m || m->n_peers != 4 || m->n_hosts != 1) {
		CHECK(!"the repository loads with 1 host and 4 peers");
		model_free(m);
		return;
	}
	CHECK_INT(key_history(path, m, NULL, NULL, hosts, peers, &err), 0);
	/* written with a YAML escape: the key is not in the file as text */
	CHECK_INT(hosts[0].origin, KEY_ORIGIN_UNKNOWN);
	k = peer_of(m, peers, "kept");
	CHECK(k && k->origin == KEY_ORIGIN_COMMIT && k->time == DAY1);
	k = peer_of(m, peers, "rot");
	CHECK(k && k->origin == KEY_ORIGIN_COMMIT && k->time == DAY1 + 10 * DAY && strlen(k->commit) == 40);
	k = peer_of(m, peers, "mover");
	CHECK(k && k->origin == KEY_ORIGIN_COMMIT && k->time == DAY1);
	/* first-parent history: it came with the merge (day 30), not its side commit (day 25) */
	k = peer_of(m, peers, "late");
	CHECK(k && k->origin == KEY_ORIGIN_COMMIT && k->time == DAY1 + 30 * DAY);
	CHECK_STR(k ? k->commit : NULL, m->commit);

	/* only what is asked for */
	{
		bool want_peers[4] = {0};
		const struct key_created *r;

		for (size_t i = 0; i < m->n_peers; i++)
			want_peers[i] = !strcmp(m->peers[i].meta.name, "rot");
		memset(peers, 0xff, sizeof(peers));
		CHECK_INT(key_history(path, m, (bool[]){ false }, want_peers, hosts, peers, &err), 0);
		r = peer_of(m, peers, "rot");
		CHECK(r && r->origin == KEY_ORIGIN_COMMIT && r->time == DAY1 + 10 * DAY);
		k = peer_of(m, peers, "kept");
		CHECK(k && k->origin == KEY_ORIGIN_UNKNOWN);
	}
	/* history cut short (a shallow clone: the merge and its two parents): what
	 * came before is unknown, not dated by the oldest commit there is */
	{
		struct model *ms = NULL;
		char shallow[300];

		snprintf(shallow, sizeof(shallow), "%s/shallow", dir);
		CHECK_INT(sh("git clone -q --depth 2 file://%s %s 2>/dev/null", path, shallow), 0);
		diag_init(&d);
		CHECK_INT(model_load_git(shallow, "HEAD", &ms, &d), 0);
		diag_free(&d);
		if (ms) {
			CHECK_INT(key_history(shallow, ms, NULL, NULL, hosts, peers, &err), 0);
			k = peer_of(ms, peers, "late");
			CHECK(k && k->origin == KEY_ORIGIN_COMMIT && k->time == DAY1 + 30 * DAY);
			k = peer_of(ms, peers, "rot");
			CHECK(k && k->origin == KEY_ORIGIN_UNKNOWN);
			k = peer_of(ms, peers, "kept");
			CHECK(k && k->origin == KEY_ORIGIN_UNKNOWN);
		}
		model_free(ms);
	}
	/* a repository that is not there */
	CHECK(key_history("/nonexistent/wgf", m, NULL, NULL, hosts, peers, &err) < 0);
	CHECK(strstr(wgf_error_message(&err), "/nonexistent/wgf") != NULL);
	wgf_error_clear(&err);
	model_free(m);
	sh("rm -rf %s", dir);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_history);
	UNIT_DONE();
}
