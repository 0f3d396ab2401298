#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/saved_apply.h"

/* All of stdin, at most SAVED_PLAN_MAX_SIZE bytes. */
static int read_stdin(char **out, size_t *len)
{
	size_t cap = 0, n;
	char *buf = NULL, *p;

	*out = NULL;
	*len = 0;
	do {
		if (*len + 65536 + 1 > cap) {
			cap = cap ? 2 * cap : 131072;
			if (cap > SAVED_PLAN_MAX_SIZE + 65536 + 1 || !(p = realloc(buf, cap))) {
				free(buf);
				return cap > SAVED_PLAN_MAX_SIZE ? -EFBIG : -ENOMEM;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, 65536, stdin);
		*len += n;
	} while (n > 0);
	if (ferror(stdin)) {
		free(buf);
		return -EIO;
	}
	buf[*len] = '\0';
	*out = buf;
	return 0;
}

static int load(const struct cmd_ctx *c, struct saved_plan **sp)
{
	const char *name = strcmp(c->path, "-") ? c->path : "(stdin)";
	struct wgf_error err = {0};
	char *text = NULL;
	size_t len = 0;
	int r = strcmp(c->path, "-") ? fileio_read(c->path, &text, &len) : read_stdin(&text, &len);

	if (r < 0) {
		cmd_error("reading the saved plan %s: %s", name, strerror(-r));
		return r;
	}
	r = saved_plan_parse(text, len, name, sp, &err);
	if (r < 0)
		cmd_error("%s; nothing was changed", wgf_error_message(&err));
	wgf_error_clear(&err);
	free(text);
	return r;
}

static void warn(const char *msg)
{
	cmd_error("warning: %s", msg);
}

/* Says why h was refused (and journals it): the exit code. */
static int refuse(const struct cmd_ctx *c, const struct saved_plan *sp, const struct saved_plan_host *h,
		  const struct wgf_error *why)
{
	char *source = NULL;
	struct journal_entry e = {
		.host = h->name, .revision = sp->commit, .result = JOURNAL_REFUSED,
		.reason = wgf_error_message(why),
	};
	json_object *o;

	if (asprintf(&source, "saved plan %s, %s", h->id, sp->source) >= 0) {
		e.source = source;
		if (journal_append(c->state_dir, &e) < 0)
			warn("the refusal could not be journaled");
	}
	free(source);
	cmd_error("%s", wgf_error_message(why));
	if (c->json && (o = json_object_new_object())) {
		json_object_object_add(o, "result", json_object_new_string("refused"));
		json_object_object_add(o, "host", json_object_new_string(h->name));
		json_object_object_add(o, "saved_plan", json_object_new_string(h->id));
		json_object_object_add(o, "reason", json_object_new_string(wgf_error_message(why)));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	return EXIT_REFUSED;
}

/* Carries p out as `wgf apply` does: the exit code. */
static int carry_out(const struct cmd_ctx *c, const struct saved_plan *sp, const struct saved_plan_host *h,
		     struct kernel *k, const struct plan *p)
{
	struct apply_opts ao = {
		.backend = c->backend, .wireguard_go = c->wireguard_go, .state_dir = c->state_dir,
		/* the file's signer is a claim apply does not verify: not journaled as one */
		.revision = sp->commit, .color = c->color,
		.key_file = c->key_file, .next_key_file = c->next_key_file,
		.log = c->json ? NULL : stdout, .progress = isatty(STDERR_FILENO),
	};
	struct plan_print_opts po = { .color = c->color };
	struct apply_result res = {0};
	int r;

	if (!c->json) {
		printf("Saved plan %s for host \"%s\" (%s), made by wgf %s\n\n", h->id, h->name, sp->source, sp->wgf_version);
		plan_print_text(p, &po, stdout);
		fflush(stdout);
	}
	if (!plan_is_empty(p) && !c->yes && !c->json && strcmp(c->path, "-") && isatty(STDIN_FILENO) &&
	    !cmd_apply_confirm()) {
		fputs("Apply cancelled; nothing was changed (the saved plan can still be applied).\n", stderr);
		return EXIT_ERROR;
	}
	/* used once it is tried: a plan that failed half-way is stale anyway */
	r = saved_used_add(c->state_dir, h->id, h->name);
	if (r < 0) {
		cmd_error("recording saved plan %s in %s/%s: %s; nothing was changed", h->id, c->state_dir,
			  SAVED_USED_FILE, strerror(-r));
		return EXIT_ERROR;
	}
	if (ao.log && !plan_is_empty(p))
		fputs("\n", ao.log);
	r = pipeline_apply(k, p, &ao, warn, &res);
	if (c->json)
		cmd_apply_print_json(p, &res, r, h->id);
	else if (r == 0 && !plan_is_empty(p))
		printf("\nApply complete: %zu added, %zu changed, %zu destroyed.\n", p->n_create, p->n_update, p->n_delete);
	if (r < 0) {
		cmd_error("apply failed: %s", wgf_error_message(&res.error));
		if (res.rolled_back)
			fprintf(stderr, "wgf: the changes made before the failure were undone\n");
		else if (wgf_error_is_set(&res.rollback_error))
			fprintf(stderr, "wgf: undoing the partial apply failed too: %s\n",
				wgf_error_message(&res.rollback_error));
	}
	apply_result_clear(&res);
	return r < 0 ? EXIT_ERROR : EXIT_OK;
}

int cmd_apply_saved(struct cmd_ctx *c)
{
	struct saved_apply_opts so = {
		.state_dir = c->state_dir, .key_file = c->key_file, .next_key_file = c->next_key_file,
		.sealing_key_file = c->sealing_key_file, .host = c->host, .warn = warn,
	};
	const struct saved_plan_host *h = NULL;
	struct wgf_error err = {0};
	struct saved_plan *sp = NULL;
	struct plan *p = NULL;
	struct kernel *k = NULL;
	bool refused = false;
	int r, lock = -1, ret = EXIT_ERROR;

	if (load(c, &sp) < 0)
		goto out;
	if (saved_apply_pick(sp, &so, &h, &err) < 0) {
		cmd_error("%s; nothing was changed", wgf_error_message(&err));
		goto out;
	}
	lock = statedir_lock(c->state_dir, true);
	if (lock < 0) {
		cmd_lock_error(c, lock);
		goto out;
	}
	r = saved_apply_prepare(sp, h, &so, &p, &k, &refused, &err);
	if (r < 0 && refused)
		ret = refuse(c, sp, h, &err);
	else if (r < 0)
		cmd_error("host \"%s\": %s; nothing was changed", h->name, wgf_error_message(&err));
	else
		ret = carry_out(c, sp, h, k, p);
out:
	wgf_error_clear(&err);
	plan_free(p);
	kernel_free(k);
	statedir_unlock(lock);
	saved_plan_free(sp);
	return ret;
}
