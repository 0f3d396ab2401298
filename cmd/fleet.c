#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/fleet.h"
#include "reconcile/host/gitpack.h"

/* Every Host of the repository, sorted, with its inventory line; the
 * inventory's names that are no Host are said. */
static struct fleet_job *make_jobs(const struct fleet_cmd *f, const struct model *m, size_t *n)
{
	struct fleet_job *v = calloc(m->n_hosts + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < m->n_hosts; i++) {
		struct fleet_job *j = &v[(*n)++];

		j->name = m->hosts[i].meta.name;
		j->inv = inventory_find(&f->inv, j->name);
		if (!j->inv)
			fleet_job_fail(j, FR_FAILED, "not in the inventory %s: wgf does not know where it is", f->inventory);
		for (size_t k = 0; k < f->n_canary; k++)
			j->canary |= !strcmp(f->canary[k], j->name);
	}
	for (size_t i = 0; i < f->inv.n; i++)
		if (!model_find_host(m, f->inv.hosts[i].name))
			cmd_error("warning: %s:%u: \"%s\" is no Host in %s; not reached", f->inventory,
				  f->inv.hosts[i].line, f->inv.hosts[i].name, m->source);
	qsort(v, *n, sizeof(*v), fleet_job_cmp);
	return v;
}

int fleet_job_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fleet_job *)a)->name, ((const struct fleet_job *)b)->name);
}

/* The repository at --ref (HEAD) as a model and as a pack of that one commit. */
static int load_source(struct fleet_cmd *f, struct model **m)
{
	struct wgf_error err = {0};
	int r;

	if (!f->c.repo) {
		f->c.repo = f->c.path;
		f->c.ref = "HEAD";
	}
	if (cmd_load_model(&f->c, m) < 0)
		return -1;
	if (f->saved)
		return 0;
	r = gitpack_build(f->c.repo, f->c.ref, f->oid, &f->pack, &f->pack_len, &err);
	if (r < 0) {
		cmd_error("fleet: packing %s of %s: %s", f->c.ref, f->c.repo, wgf_error_message(&err));
		wgf_error_clear(&err);
		return -1;
	}
	snprintf(f->short_oid, sizeof(f->short_oid), "%.12s", f->oid);
	return 0;
}

/* Runs the command over every job; the exit code. */
static int fleet_main(struct fleet_cmd *f)
{
	struct model *m = NULL;
	struct fleet_job *jobs = NULL;
	size_t n = 0;
	int ret = EXIT_ERROR;

	if (fleet_read_inputs(f) < 0 || load_source(f, &m) < 0)
		goto out;
	if (!(jobs = make_jobs(f, m, &n))) {
		cmd_error("%s", strerror(ENOMEM));
		goto out;
	}
	for (size_t k = 0; k < f->n_canary; k++)
		if (!model_find_host(m, f->canary[k])) {
			cmd_error("fleet: --canary %s: no such Host in %s", f->canary[k], m->source);
			goto out;
		}
	f->source = m->source;
	if (ssh_global_init() < 0) {
		cmd_error("fleet: the SSH library failed to start");
		goto out;
	}
	ret = f->observe ? fleet_observe(f, jobs, n) : f->apply ? fleet_apply(f, jobs, n) : fleet_plan_hosts(f, jobs, n);
	ssh_global_exit();
out:
	fleet_jobs_free(jobs, n);
	model_free(m);
	return ret;
}

int cmd_fleet(int argc, char **argv)
{
	struct fleet_cmd f;
	int r;

	r = fleet_parse(&f, argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	r = fleet_main(&f);
	fleet_cmd_clear(&f);
	return r;
}
