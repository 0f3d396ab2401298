#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"

static const char help[] =
	"Usage: wgf validate [PATH] [--repo DIR --ref REF] [--json]\n\n"
	"Loads every *.yaml/*.yml under PATH (default .), or the tree of commit REF in\n"
	"the git repository DIR without a checkout, and checks it: YAML syntax, kinds and\n"
	"fields, keys, names, addresses and pools, overlaps, references.\n"
	"Every problem is reported as file:line:col: error: message.\n\n"
	"  --repo DIR     read from this git repository instead of a directory\n"
	"  --ref REF      commit, branch or tag to read (default HEAD)\n"
	"  --json         print the result as JSON\n"
	"  -h, --help     this help\n\n"
	"Exit: 0 valid, 1 invalid or unreadable.\n";

static void print_json(const struct model *m, const struct diag *d)
{
	json_object *o = json_object_new_object(), *errs = json_object_new_array();

	json_object_object_add(o, "valid", json_object_new_boolean(m != NULL));
	if (m) {
		json_object_object_add(o, "source", json_object_new_string(m->source));
		json_object_object_add(o, "networks", json_object_new_int64((int64_t)m->n_networks));
		json_object_object_add(o, "hosts", json_object_new_int64((int64_t)m->n_hosts));
		json_object_object_add(o, "peers", json_object_new_int64((int64_t)m->n_peers));
		json_object_object_add(o, "tenants", json_object_new_int64((int64_t)m->n_tenants));
		json_object_object_add(o, "policies", json_object_new_int64((int64_t)m->n_policies));
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->entries[i];
		json_object *je = json_object_new_object();
		json_object_object_add(je, "file", e->file ? json_object_new_string(e->file) : NULL);
		json_object_object_add(je, "line", json_object_new_int((int)e->line));
		json_object_object_add(je, "column", json_object_new_int((int)e->col));
		json_object_object_add(je, "message", json_object_new_string(e->msg));
		json_object_array_add(errs, je);
	}
	json_object_object_add(o, "errors", errs);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	struct model *m = NULL;
	struct diag d;
	int r;

	cmd_ctx_init(&c, "validate");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	diag_init(&d);
	if (c.repo)
		r = model_load_git(c.repo, c.ref, &m, &d);
	else
		r = model_load_dir(c.path, &m, &d);
	diag_sort(&d);
	if (c.json) {
		print_json(m, &d);
	} else if (r < 0) {
		diag_print(&d, stderr);
		if (d.n)
			fprintf(stderr, "%zu error%s\n", d.n, d.n == 1 ? "" : "s");
		else
			cmd_error("loading %s: %s", c.repo ? c.repo : c.path, strerror(-r));
	} else {
		printf("%s: valid (%zu network%s, %zu host%s, %zu peer%s", m->source,
		       m->n_networks, m->n_networks == 1 ? "" : "s", m->n_hosts, m->n_hosts == 1 ? "" : "s",
		       m->n_peers, m->n_peers == 1 ? "" : "s");
		if (m->n_tenants)
			printf(", %zu tenant%s", m->n_tenants, m->n_tenants == 1 ? "" : "s");
		if (m->n_policies)
			printf(", %zu polic%s", m->n_policies, m->n_policies == 1 ? "y" : "ies");
		printf(")\n");
	}
	diag_free(&d);
	model_free(m);
	return r < 0 ? EXIT_ERROR : EXIT_OK;
}
