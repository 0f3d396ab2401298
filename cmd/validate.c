#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"

static const char help[] =
	"Usage: wgf validate [PATH] [--repo DIR --ref REF] [--fail-on-overdue] [--json]\n\n"
	"Loads every *.yaml/*.yml under PATH (default .), or the tree of commit REF in\n"
	"the git repository DIR without a checkout, and checks it: YAML syntax, kinds and\n"
	"fields, keys, names, addresses and pools, overlaps, references.\n"
	"Every problem is reported as file:line:col: error: message.\n"
	"Peers that no host configures are named, and why (note: disabled; warning:\n"
	"expired), and so are those that expire within DAYS (warning: expiring).\n"
	"Keys older than their rotation maxAge are warned about (see wgf keys).\n\n"
	"  --repo DIR     read from this git repository instead of a directory\n"
	"  --ref REF      commit, branch or tag to read (default HEAD)\n"
	"  --allow-empty  a source without any YAML document is valid (else an error)\n"
	"  --expiry-warning DAYS\n"
	"                 name peers that expire within DAYS (default 14; 0: none)\n"
	"  --fail-on-overdue\n"
	"                 a key older than its rotation maxAge is an error (CI)\n"
	"  --json         print the result as JSON\n"
	"  -h, --help     this help\n\n"
	"Exit: 0 valid, 1 invalid or unreadable (or a key overdue with --fail-on-overdue).\n";

/* "peers/guest-tablet.yaml:5:1: warning: peer "guest-tablet" expired on 2026-01-31 and is not configured" */
static void print_notices(const struct peer_notices *ns, FILE *f)
{
	char msg[PEER_NOTICE_MSG_LEN];

	for (size_t i = 0; i < ns->n; i++) {
		const struct peer_notice *n = &ns->items[i];

		if (n->file)
			fprintf(f, "%s:%u:%u: ", n->file, n->line, n->col);
		fprintf(f, "%s: %s\n", peer_notice_severity(n->state), peer_notice_message(n, msg));
	}
}

static void print_json(const struct model *m, bool valid, const struct diag *d, const struct peer_notices *ns)
{
	json_object *o = json_object_new_object(), *errs = json_object_new_array();
	json_object *warns = json_object_new_array();

	json_object_object_add(o, "valid", json_object_new_boolean(valid));
	if (m) {
		json_object_object_add(o, "source", json_object_new_string(m->source));
		json_object_object_add(o, "networks", json_object_new_int64((int64_t)m->n_networks));
		json_object_object_add(o, "hosts", json_object_new_int64((int64_t)m->n_hosts));
		json_object_object_add(o, "peers", json_object_new_int64((int64_t)m->n_peers));
		json_object_object_add(o, "tenants", json_object_new_int64((int64_t)m->n_tenants));
		json_object_object_add(o, "policies", json_object_new_int64((int64_t)m->n_policies));
		json_object_object_add(o, "exit_groups", json_object_new_int64((int64_t)m->n_exit_groups));
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->entries[i];
		json_object *je = json_object_new_object();
		json_object_object_add(je, "file", e->file ? json_object_new_string(e->file) : NULL);
		json_object_object_add(je, "line", json_object_new_int((int)e->line));
		json_object_object_add(je, "column", json_object_new_int((int)e->col));
		json_object_object_add(je, "message", json_object_new_string(e->msg));
		json_object_array_add(e->warning ? warns : errs, je);
	}
	json_object_object_add(o, "errors", errs);
	json_object_object_add(o, "warnings", warns);
	/* the lists stop at DIAG_LIMIT entries; the counts do not */
	json_object_object_add(o, "error_count", json_object_new_int64((int64_t)d->n_errors));
	json_object_object_add(o, "warning_count", json_object_new_int64((int64_t)d->n_warnings));
	json_object_object_add(o, "truncated", json_object_new_boolean(diag_not_listed(d) > 0));
	json_object_object_add(o, "peer_notices", peer_notices_json(ns));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_NOTICE_OPTIONS, CMD_OUTPUT_OPTIONS, CMD_KEYS_OPTION,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct peer_notice_opts no = {0};
	struct peer_notices notices = {0};
	struct cmd_ctx c;
	struct model *m = NULL;
	struct diag d;
	int r, nr = 0, kr = 0;

	cmd_ctx_init(&c, "validate");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	diag_init(&d);
	r = cmd_load(&c, &m, &d);
	if (r == 0) {
		/* every peer of the repository, whichever host it is on */
		no.now = c.now;
		no.warn_days = c.expiry_warning;
		nr = peer_notices_collect(m, &no, &notices);
		if (nr < 0)
			cmd_error("listing the peers left out: %s", strerror(-nr));
		/* with --fail-on-overdue, a history that cannot be read fails it too */
		kr = cmd_key_warnings(&c, m, NULL, &d);
		if (diag_has_errors(&d) || (kr < 0 && c.fail_on_overdue))
			r = -EINVAL;
		diag_sort(&d);
	}
	if (!c.json) {
		diag_print(&d, stderr);
		print_notices(&notices, stderr);
	}
	if (!c.json && (d.n_errors || d.n_warnings)) {
		char *sum = diag_summary(&d);
		fprintf(stderr, "%s\n", sum ? sum : "errors");
		free(sum);
	}
	if (c.json) {
		print_json(m, r == 0, &d, &notices);
	} else if (r < 0) {
		if (!diag_has_errors(&d) && kr == 0)
			cmd_error("loading %s: %s", c.repo ? c.repo : c.path, strerror(-r));
	} else {
		printf("%s: valid (%zu network%s, %zu host%s, %zu peer%s", m->source,
		       m->n_networks, m->n_networks == 1 ? "" : "s", m->n_hosts, m->n_hosts == 1 ? "" : "s",
		       m->n_peers, m->n_peers == 1 ? "" : "s");
		if (m->n_tenants)
			printf(", %zu tenant%s", m->n_tenants, m->n_tenants == 1 ? "" : "s");
		if (m->n_policies)
			printf(", %zu polic%s", m->n_policies, m->n_policies == 1 ? "y" : "ies");
		if (m->n_exit_groups)
			printf(", %zu exit group%s", m->n_exit_groups, m->n_exit_groups == 1 ? "" : "s");
		printf(")\n");
	}
	peer_notices_clear(&notices);
	diag_free(&d);
	model_free(m);
	return r < 0 || nr < 0 ? EXIT_ERROR : EXIT_OK;
}
