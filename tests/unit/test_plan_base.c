/* pipeline_plan_base, what `wgf plan --all --base` prints: for every Host of
 * every example, a host converged on a repository plans nothing against that
 * same repository; a host that has nothing gets only additions (and the
 * forwarding sysctls turned on); a Host that is gone loses all it had; and a
 * one-peer change touches that peer on its hubs and nothing on hosts it does
 * not concern. Pure: no kernel, no key. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "reconcile/host/pipeline.h"
#include "tests/unit/unit.h"

static const struct pipeline_opts opts = { .now = 1767225600 };   /* 2026-01-01 */

static struct plan *plan_base(const struct model *base, const struct model *head, const char *host)
{
	struct wgf_error err = {0};
	struct plan *p = NULL;
	int r = pipeline_plan_base(base, head, host, &opts, NULL, NULL, &p, &err);

	if (r < 0)
		fprintf(stderr, "#  host %s: %s\n", host, wgf_error_message(&err));
	wgf_error_clear(&err);
	return p;
}

static size_t count(const struct plan *p, enum plan_op op, enum plan_obj obj)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_actions; i++)
		n += p->actions[i].op == op && p->actions[i].obj == obj;
	return n;
}

static void every_host(const struct model *m, size_t *n_hosts)
{
	for (size_t i = 0; i < m->n_hosts; i++) {
		const char *name = m->hosts[i].meta.name;
		struct plan *same = plan_base(m, m, name), *fresh = plan_base(NULL, m, name);

		(*n_hosts)++;
		CHECK(same && plan_is_empty(same));
		if (same && !plan_is_empty(same))
			fprintf(stderr, "#  %s: converged on itself, %zu actions\n", name, same->n_actions);
		CHECK(fresh && !plan_is_empty(fresh) && fresh->n_delete == 0);
		/* a fresh host changes nothing it has but the forwarding sysctls */
		CHECK(fresh && fresh->n_update == count(fresh, PLAN_UPDATE, PLAN_OBJ_SYSCTL));
		plan_free(same);
		plan_free(fresh);
	}
}

static void test_converged_plans_nothing_fresh_adds(void)
{
	DIR *dir = opendir("examples");
	struct dirent *e;
	size_t n_examples = 0, n_hosts = 0;
	char path[512];

	CHECK(dir != NULL);
	while (dir && (e = readdir(dir))) {
		struct model *m = NULL;
		struct diag d;

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "examples/%s", e->d_name);
		diag_init(&d);
		CHECK_INT(model_load_dir(path, &m, &d), 0);
		diag_free(&d);
		if (!m)
			continue;
		n_examples++;
		every_host(m, &n_hosts);
		model_free(m);
	}
	if (dir)
		closedir(dir);
	CHECK(n_examples >= 5);
	CHECK(n_hosts >= 2 * n_examples);
}

static struct model *load(const char *dir)
{
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	if (model_load_dir(dir, &m, &d) < 0)
		diag_print(&d, stderr);
	diag_free(&d);
	return m;
}

/* small-mesh without node3: node3 is removed, the others lose one peer */
static void test_removed_host(void)
{
	char tmp[] = "/tmp/wgf-unit-base.XXXXXX", cmd[1024];
	struct model *base = load("examples/small-mesh"), *head;
	struct plan *p;

	CHECK(base && mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "cp examples/small-mesh/network.yaml %s/ && "
		 "python3 -c 'import sys; d=open(\"examples/small-mesh/hosts.yaml\").read().split(\"---\\n\"); "
		 "open(sys.argv[1], \"w\").write(\"---\\n\".join(x for x in d if \"name: node3\" not in x))' %s/hosts.yaml",
		 tmp, tmp);
	CHECK(system(cmd) == 0);
	head = load(tmp);
	CHECK(head && head->n_hosts == 2);
	if (!base || !head)
		goto out;
	p = plan_base(base, head, "node3");
	CHECK(p && p->n_create == 0 && p->n_update == 0 && p->n_delete > 0);
	CHECK(p && count(p, PLAN_DELETE, PLAN_OBJ_LINK) == 1);
	plan_free(p);
	p = plan_base(base, head, "node1");
	CHECK(p && p->n_create == 0 && count(p, PLAN_DELETE, PLAN_OBJ_PEER) == 1);
	plan_free(p);
	p = plan_base(base, head, "nobody");
	CHECK(p == NULL);
out:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	CHECK(system(cmd) == 0);
	model_free(base);
	model_free(head);
}

int main(void)
{
	RUN(test_converged_plans_nothing_fresh_adds);
	RUN(test_removed_host);
	UNIT_DONE();
}
