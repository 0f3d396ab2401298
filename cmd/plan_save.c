#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "reconcile/plan/saved_plan.h"

/* A fresh id for each entry: single use does not depend on the content. */
static void new_id(char out[SAVED_PLAN_ID_LEN + 1])
{
	uint8_t b[SAVED_PLAN_ID_LEN / 2];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, SAVED_PLAN_ID_LEN + 1, b, sizeof(b));
}

int cmd_save_plans(const struct cmd_ctx *c, struct plan *const *plans, size_t n)
{
	struct wgf_error err = {0};
	struct saved_plan *sp = NULL;
	char id[SAVED_PLAN_ID_LEN + 1], dir[PATH_MAX], *text = NULL;
	const char *directory = c->repo ? NULL : realpath(c->path, dir) ? dir : c->path;
	int r = -ENOMEM;

	if (n == 0) {
		cmd_error("plan --out: there is no Host to save a plan for");
		return -1;
	}
	sp = saved_plan_new(WGF_VERSION, plans[0]->source, plans[0]->commit, plans[0]->tree, directory);
	for (size_t i = 0; sp && i < n; i++) {
		new_id(id);
		if ((r = saved_plan_add(sp, plans[i], id, &err)) < 0)
			goto out;
	}
	if (!sp || !(text = saved_plan_format(sp))) {
		r = wgf_error_set(&err, -ENOMEM, NULL);
		goto out;
	}
	if (!strcmp(c->out, "-")) {
		r = fputs(text, stdout) < 0 || fflush(stdout) ? -EIO : 0;
		if (r < 0)
			wgf_error_set(&err, r, "writing the saved plan to stdout: %s", strerror(-r));
	} else if ((r = fileio_write(c->out, text, strlen(text), 0600)) < 0) {
		wgf_error_set(&err, r, "writing the saved plan to %s: %s", c->out, strerror(-r));
	}
out:
	if (r < 0)
		cmd_error("plan --out: %s", wgf_error_message(&err));
	wgf_error_clear(&err);
	saved_plan_free(sp);
	free(text);
	return r < 0 ? -1 : 0;
}
