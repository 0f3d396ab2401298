#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "render/firewall.h"
#include "reconcile/host/snapshot.h"

const char *const fleet_status_names[] = { "unchanged", "changed", "added", "removed" };
#define status_names fleet_status_names

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fleet_host *)a)->name, ((const struct fleet_host *)b)->name);
}

/* The Hosts of head and those only in base, sorted by name. */
static struct fleet_host *fleet_hosts(const struct model *base, const struct model *head, size_t *n)
{
	struct fleet_host *v = calloc(head->n_hosts + (base ? base->n_hosts : 0) + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < head->n_hosts; i++)
		v[(*n)++].name = head->hosts[i].meta.name;
	for (size_t i = 0; base && i < base->n_hosts; i++)
		if (!model_find_host(head, base->hosts[i].meta.name))
			v[(*n)++].name = base->hosts[i].meta.name;
	qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

/* The base model: REF in the head's git repository. */
static int load_base(const struct cmd_ctx *c, struct model **out)
{
	struct cmd_ctx b = *c;

	b.repo = c->repo ? c->repo : c->path;
	b.ref = c->base;
	b.allow_empty = true;
	return cmd_load_model(&b, out);
}

void fleet_print_text(bool color, const char *head, const char *against, const struct fleet_host *h, size_t n)
{
	struct plan_print_opts po = { .color = color };
	size_t changed = 0, added = 0, removed = 0, cr = 0, up = 0, de = 0;

	printf("wgf plan for every Host: %s, against %s\n", head, against);
	for (size_t i = 0; i < n; i++) {
		if (h[i].status == HOST_UNCHANGED) {
			printf("\n== host \"%s\": no changes%s\n", h[i].name, h[i].observed ? " (against its snapshot)" : "");
			continue;
		}
		changed++;
		added += h[i].status == HOST_ADDED;
		removed += h[i].status == HOST_REMOVED;
		cr += h[i].plan->n_create;
		up += h[i].plan->n_update;
		de += h[i].plan->n_delete;
		printf("\n== host \"%s\" (%s%s)\n", h[i].name,
		       h[i].status == HOST_ADDED ? "new Host" : h[i].status == HOST_REMOVED ? "Host removed" : "changes",
		       h[i].observed ? "; against its snapshot" : "");
		plan_print_text(h[i].plan, &po, stdout);
	}
	printf("\nFleet: %zu host%s, %zu with changes (%zu new, %zu removed): %zu to add, %zu to change, %zu to destroy.\n",
	       n, n == 1 ? "" : "s", changed, added, removed, cr, up, de);
}

json_object *fleet_to_json(const char *head, const char *base, const struct fleet_host *h, size_t n)
{
	json_object *o = json_object_new_object(), *hosts = json_object_new_array(), *sum = json_object_new_object();
	size_t counts[4] = {0}, cr = 0, up = 0, de = 0;

	json_object_object_add(o, "format_version", json_object_new_int(PLAN_JSON_FORMAT));
	json_object_object_add(o, "kind", json_object_new_string("wgf-fleet-plan"));
	json_object_object_add(o, "head", json_object_new_string(head));
	json_object_object_add(o, "base", base ? json_object_new_string(base) : NULL);
	for (size_t i = 0; i < n; i++) {
		json_object *jh = json_object_new_object();

		counts[h[i].status]++;
		cr += h[i].plan->n_create;
		up += h[i].plan->n_update;
		de += h[i].plan->n_delete;
		json_object_object_add(jh, "host", json_object_new_string(h[i].name));
		json_object_object_add(jh, "status", json_object_new_string(status_names[h[i].status]));
		json_object_object_add(jh, "observed", json_object_new_boolean(h[i].observed));
		json_object_object_add(jh, "plan", plan_to_json(h[i].plan));
		json_object_array_add(hosts, jh);
	}
	json_object_object_add(sum, "hosts", json_object_new_int64((int64_t)n));
	for (int s = 0; s < 4; s++)
		json_object_object_add(sum, status_names[s], json_object_new_int64((int64_t)counts[s]));
	json_object_object_add(sum, "create", json_object_new_int64((int64_t)cr));
	json_object_object_add(sum, "update", json_object_new_int64((int64_t)up));
	json_object_object_add(sum, "delete", json_object_new_int64((int64_t)de));
	json_object_object_add(o, "summary", sum);
	json_object_object_add(o, "hosts", hosts);
	return o;
}

/* DIR/NAME.json, written by `wgf observe --json` on the host: 1 read into
 * *snap, 0 when there is none, < 0 after saying why. */
static int read_snapshot(const char *dir, const char *name, struct snapshot *snap)
{
	struct wgf_error err = {0};
	char path[4096], *text = NULL;
	size_t len = 0;
	int r;

	if (strchr(name, '/') || name[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.json", dir, name) >= sizeof(path)) {
		cmd_error("host \"%s\": no snapshot file can be named after it", name);
		return -EINVAL;
	}
	r = fileio_read(path, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		cmd_error("reading %s: %s", path, strerror(-r));
		return r;
	}
	r = snapshot_parse(text, len, snap, &err);
	free(text);
	if (r == 0 && strcmp(snap->host, name))
		r = wgf_error_set(&err, -EINVAL, "observed for Host \"%s\", not \"%s\"", snap->host, name);
	if (r < 0) {
		cmd_error("%s: %s", path, wgf_error_message(&err));
		wgf_error_clear(&err);
		snapshot_clear(snap);
		return r;
	}
	return 1;
}

/* One Host's plan: on its snapshot when --observed DIR has one, else as at base. */
static int plan_host(const struct cmd_ctx *c, const struct model *base, const struct model *head,
		     const struct pipeline_opts *o, struct fleet_host *h)
{
	struct snapshot snap = {0};
	struct wgf_error err = {0};
	int r = c->observed ? read_snapshot(c->observed, h->name, &snap) : 0;

	if (r < 0)
		return r;
	h->observed = r == 1;
	r = pipeline_plan_base(base, head, h->name, o, snap.observed, &snap.rec, &h->plan, &err);
	snap.observed = NULL;
	snapshot_clear(&snap);
	if (r < 0) {
		cmd_error("host \"%s\": %s", h->name, wgf_error_message(&err));
		wgf_error_clear(&err);
	}
	return r;
}

void fleet_clear(struct fleet *f)
{
	for (size_t i = 0; f->hosts && i < f->n; i++)
		plan_free(f->hosts[i].plan);
	free(f->hosts);
	model_free(f->base);
	model_free(f->head);
	memset(f, 0, sizeof(*f));
}

int fleet_plan(const struct cmd_ctx *c, struct fleet *f)
{
	struct fw_cache cache = {0};
	struct pipeline_opts o;
	int r = -1;

	memset(f, 0, sizeof(*f));
	if (cmd_load_model(c, &f->head) < 0 || (c->base && load_base(c, &f->base) < 0))
		return -1;
	if (!(f->hosts = fleet_hosts(f->base, f->head, &f->n))) {
		cmd_error("%s", strerror(ENOMEM));
		return -1;
	}
	cmd_pipeline_opts(c, &o);
	o.key_file = o.next_key_file = o.sealing_key_file = NULL;
	o.fw_cache = &cache;   /* each network's firewall compiled once, not per host */
	for (size_t i = 0; i < f->n; i++) {
		struct fleet_host *h = &f->hosts[i];

		if (plan_host(c, f->base, f->head, &o, h) < 0)
			goto out;
		/* added and removed are the repository's; without a base, a Host with a
		 * snapshot is a host that exists */
		h->status = !model_find_host(f->head, h->name) ? HOST_REMOVED :
			    f->base ? (!model_find_host(f->base, h->name) ? HOST_ADDED : HOST_CHANGED) :
			    h->observed ? HOST_CHANGED : HOST_ADDED;
		if (h->status == HOST_CHANGED && plan_is_empty(h->plan))
			h->status = HOST_UNCHANGED;
		f->any |= h->status != HOST_UNCHANGED;
	}
	r = 0;
out:
	fw_cache_clear(&cache);
	return r;
}

static void print_fleet_json(const struct fleet *f)
{
	json_object *o = fleet_to_json(f->head->source, f->base ? f->base->source : NULL, f->hosts, f->n);

	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* --out: every host's plan as one saved plan; each needs its snapshot. */
static int save_fleet(const struct cmd_ctx *c, const struct fleet *f)
{
	struct plan **v = calloc(f->n + 1, sizeof(*v));
	int r = 0;

	for (size_t i = 0; v && i < f->n && r == 0; i++) {
		if (!f->hosts[i].observed) {
			cmd_error("plan --all --out: host \"%s\" has no snapshot %s/%s.json: its plan cannot be "
				  "checked on the host (run `wgf observe --json` there); nothing was saved",
				  f->hosts[i].name, c->observed, f->hosts[i].name);
			r = -1;
		}
		v[i] = f->hosts[i].plan;
	}
	if (!v)
		cmd_error("%s", strerror(ENOMEM));
	if (v && r == 0)
		r = cmd_save_plans(c, v, f->n);
	free(v);
	return v ? r : -1;
}

int cmd_plan_all(const struct cmd_ctx *c)
{
	struct fleet f;
	int ret = EXIT_ERROR;

	if (c->out && !c->observed) {
		cmd_error("plan --all --out: a saved plan holds each host's observed state's fingerprint: "
			  "give every Host's snapshot with --observed DIR");
		return EXIT_ERROR;
	}
	if (fleet_plan(c, &f) < 0)
		goto out;
	if (c->out && save_fleet(c, &f) < 0)
		goto out;
	if (c->out && !strcmp(c->out, "-"))
		;   /* stdout holds the saved plan alone */
	else if (c->json)
		print_fleet_json(&f);
	else
		fleet_print_text(c->color, f.head->source, f.base ? f.base->source : "hosts that have nothing yet",
				 f.hosts, f.n);
	ret = f.any ? EXIT_CHANGES : EXIT_OK;
out:
	fleet_clear(&f);
	return ret;
}
