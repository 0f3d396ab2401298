#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/journal.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/journal_export.h"

static const char help[] =
	"Usage: wgf journal [--json] [-n N] [--state-dir DIR]\n"
	"       wgf journal verify [--head HASH] [--json] [--state-dir DIR]\n"
	"       wgf journal export [--since DATE] [--until DATE] [--format json|jsonl] [--state-dir DIR]\n\n"
	"Shows the journal of this host, oldest first: every apply that changed something\n"
	"or failed, every commit `wgf reconcile` refused, every switch to a prepared\n"
	"key (`wgf host rotate`) and every exit-group switch of `wgf watch`. One line\n"
	"each: when, the result (applied, rolled-back, failed, refused, key-rotated,\n"
	"exit-switched), the commit and who signed it (or the source), the changes\n"
	"(+added ~changed -destroyed) and the reason (key-rotated: the old and new public\n"
	"keys' fingerprints; exit-switched: the group, table, from, to and why).\n\n"
	"Each entry holds the hash of the one before it, and journal.head the hash of the\n"
	"last one: `verify` checks the chain and says where it breaks, and how (an entry\n"
	"edited, removed, reordered or inserted, the last ones removed, a damaged line).\n"
	"The hashes have no key: keep the head that verify prints somewhere else, and\n"
	"--head HASH later checks that the journal still holds that line, so nothing up\n"
	"to it was rewritten.\n\n"
	"`export` writes the entries from --since to --until (the start included, the\n"
	"end not) for an audit, with the verification of the whole chain: json, one\n"
	"document {\"kind\": \"wgf-journal-export\", \"host\", \"exported_at\", \"since\",\n"
	"\"until\", \"verification\": {\"intact\", \"head\", \"entries\", \"broken_at\",\n"
	"\"why\", ...}, \"entries\": [...]}; jsonl, one entry a line and that object\n"
	"without \"entries\" as the last line. A broken chain is exported all the same.\n\n"
	"  -n N            the last N entries only\n"
	"  --head HASH     verify: a head printed earlier must still be in the chain\n"
	"  --since DATE    export: entries at or after DATE: YYYY-MM-DD (00:00 UTC),\n"
	"                  YYYY-MM-DDThh:mm:ssZ (RFC 3339, or +hh:mm), or a time ago\n"
	"                  (24h, 7d, 2w)\n"
	"  --until DATE    export: entries before DATE\n"
	"  --format F      export: json (the default) or jsonl\n"
	"  --json          print as JSON\n"
	"  --state-dir DIR wgf's records (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  --no-color      no colours (also NO_COLOR=1)\n"
	"  -h, --help      this help\n\n"
	"Exit: 0 shown, the chain is intact, or exported and intact; 1 the chain is\n"
	"broken (verify), or an error (nothing exported); 3 exported, but the chain is\n"
	"broken (the verification says where).\n";

#define C_RESET  "\033[0m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED    "\033[31m"

static const char *result_color(const char *result)
{
	if (!strcmp(result, JOURNAL_APPLIED) || !strcmp(result, JOURNAL_KEY_ROTATED))
		return C_GREEN;
	if (!strcmp(result, JOURNAL_ROLLED_BACK) || !strcmp(result, JOURNAL_EXIT_SWITCHED))
		return C_YELLOW;
	return C_RED;
}

/* "signed by alice@example.org (SHA256:…)", or what of it there is. */
static void print_signer(const struct journal_entry *e)
{
	if (e->signer_principal && e->signer_fingerprint)
		printf(" signed by %s (%s)", e->signer_principal, e->signer_fingerprint);
	else if (e->signer_principal || e->signer_fingerprint)
		printf(" signed by %s", e->signer_principal ? e->signer_principal : e->signer_fingerprint);
}

static void print_entry(const struct journal_entry *e, bool color)
{
	char ts[JOURNAL_TIME_LEN];
	bool no_counts = !strcmp(e->result, JOURNAL_REFUSED) || !strcmp(e->result, JOURNAL_KEY_ROTATED) ||
			 !strcmp(e->result, JOURNAL_EXIT_SWITCHED);

	printf("%s  %s%-11s%s  ", journal_time_format(e->time, ts), color ? result_color(e->result) : "", e->result,
	       color ? C_RESET : "");
	if (e->revision)
		printf("commit %.12s", e->revision);
	if (e->revision && e->source && !strncmp(e->source, "saved plan ", 11))
		printf(" (%.*s)", (int)strcspn(e->source, ","), e->source);
	else if (!e->revision)
		printf("%s", e->source && *e->source ? e->source : "(source unknown)");
	print_signer(e);
	if (!no_counts)
		printf("  +%llu ~%llu -%llu", (unsigned long long)e->n_create, (unsigned long long)e->n_update,
		       (unsigned long long)e->n_delete);
	if (e->reason)
		printf("  %s", e->reason);
	putchar('\n');
}

static void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int show(const struct cmd_ctx *c, size_t last)
{
	struct wgf_error err = {0};
	struct journal j;
	struct json_object *arr;
	int r;

	r = journal_read(c->state_dir, last, &j, &err);
	if (r < 0) {
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return EXIT_ERROR;
	}
	if (c->json) {
		arr = json_object_new_array();
		for (size_t i = 0; i < j.n && arr; i++) {
			struct json_object *e = journal_entry_json(&j.entries[i]);

			if (!e || json_object_array_add(arr, e) < 0) {
				json_object_put(e);
				json_object_put(arr);
				arr = NULL;
			}
		}
		if (!arr) {
			cmd_error("%s", strerror(ENOMEM));
			journal_clear(&j);
			return EXIT_ERROR;
		}
		print_json(arr);
		json_object_put(arr);
	} else if (j.n == 0 && !j.n_damaged) {
		printf("The journal is empty: nothing has been applied or refused here (%s/%s).\n", c->state_dir,
		       JOURNAL_FILE);
	} else {
		for (size_t i = 0; i < j.n; i++)
			print_entry(&j.entries[i], c->color);
	}
	if (j.n_damaged)
		cmd_error("warning: %s (%zu damaged line%s skipped; `wgf journal verify` checks the chain)",
			  wgf_error_message(&j.damage), j.n_damaged, j.n_damaged == 1 ? "" : "s");
	journal_clear(&j);
	return EXIT_OK;
}

static int verify(const struct cmd_ctx *c, const char *anchor)
{
	struct wgf_error err = {0};
	struct journal_status st;
	size_t n, at = 0;
	int r;

	r = journal_verify(c->state_dir, &st, &err);
	if (r == 0 && anchor) {
		r = journal_find(c->state_dir, anchor, &at, &err);
		if (r == -ENOENT)
			r = -EBADMSG;
	}
	if (r < 0 && r != -EBADMSG) {
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return EXIT_ERROR;
	}
	n = st.n_entries;
	if (c->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "intact", json_object_new_boolean(r == 0));
		json_object_object_add(o, "entries", json_object_new_int64((int64_t)n));
		json_object_object_add(o, "unchained", json_object_new_int64((int64_t)st.n_unchained));
		json_object_object_add(o, "head", r == 0 ? json_object_new_string(st.head) : NULL);
		json_object_object_add(o, "head_behind", json_object_new_boolean(st.head_behind));
		if (anchor)
			json_object_object_add(o, "head_line", at ? json_object_new_int64((int64_t)at) : NULL);
		json_object_object_add(o, "error", r < 0 ? json_object_new_string(wgf_error_message(&err)) : NULL);
		print_json(o);
		json_object_put(o);
	} else if (r == 0) {
		if (st.n_unchained == n && n > 0)
			printf("journal: %zu entr%s, none chained: written by an older wgf (the chain begins with "
			       "the next entry)\n", n, n == 1 ? "y" : "ies");
		else if (st.n_unchained)
			printf("journal: %zu entries, chain intact from entry %zu (entr%s 1 to %zu, written by an "
			       "older wgf, %s held as a whole by its hash)\n", n, st.n_unchained + 1,
			       st.n_unchained == 1 ? "y" : "ies", st.n_unchained, st.n_unchained == 1 ? "is" : "are");
		else
			printf("journal: %zu entr%s, chain intact\n", n, n == 1 ? "y" : "ies");
		if (st.head_behind)
			printf("note: the head missed the last entry (wgf stopped between writing the two); the "
			       "next entry brings it up to date\n");
		printf("head: %s\n", st.head);
		if (anchor)
			printf("line %zu has the head %s: nothing up to it changed since\n", at, anchor);
	}
	if (r < 0)
		cmd_error("%s", wgf_error_message(&err));
	wgf_error_clear(&err);
	return r == 0 ? EXIT_OK : EXIT_ERROR;
}

/* -n: 0 to 1,000,000,000, digits only. */
static bool parse_count(const char *s, size_t *out)
{
	size_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9' || (v = v * 10 + (size_t)(*s - '0')) > 1000000000)
			return false;
	*out = v;
	return true;
}

/* What a subcommand does not take: -1 after saying so. */
static int misplaced(const char *sub, bool given, const char *opt)
{
	if (!given)
		return 0;
	cmd_error("%s is not an option of %s (see wgf journal --help)", opt, sub);
	return -1;
}

int cmd_journal(int argc, char **argv)
{
	enum { OPT_SINCE = 0x200, OPT_UNTIL, OPT_FORMAT };
	static const struct option opts[] = {
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "head", required_argument, NULL, 'H' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		CMD_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	struct journal_export_args ex = {0};
	const char *sub = "journal", *what, *anchor = NULL;
	size_t last = 0;
	bool has_n = false;
	int opt;

	cmd_ctx_init(&c, "journal");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		case 'H': anchor = optarg; continue;
		case OPT_SINCE: ex.since = optarg; continue;
		case OPT_UNTIL: ex.until = optarg; continue;
		case OPT_FORMAT: ex.format = optarg; continue;
		case 'n':
			if (!parse_count(optarg, &last)) {
				cmd_error("-n takes a number of entries, not \"%s\"", optarg);
				return EXIT_ERROR;
			}
			has_n = true;
			continue;
		}
		if (cmd_ctx_option(&c, opt, optarg) <= 0) {
			fputs(help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc && (!strcmp(argv[optind], "verify") || !strcmp(argv[optind], "export")))
		sub = argv[optind++];
	if (optind < argc) {
		cmd_error("journal: unexpected argument \"%s\" (see wgf journal --help)", argv[optind]);
		return EXIT_ERROR;
	}
	what = !strcmp(sub, "verify") ? "journal verify" : "journal";
	if (strcmp(sub, "export") && (misplaced(what, ex.since, "--since") < 0 ||
				      misplaced(what, ex.until, "--until") < 0 || misplaced(what, ex.format, "--format") < 0))
		return EXIT_ERROR;
	if (!strcmp(sub, "export")) {
		if (misplaced("journal export", has_n, "-n") < 0 || misplaced("journal export", anchor, "--head") < 0)
			return EXIT_ERROR;
		return cmd_journal_export(&c, &ex);
	}
	if (!strcmp(sub, "verify")) {
		if (has_n) {
			cmd_error("journal verify checks the whole journal: -n does not apply");
			return EXIT_ERROR;
		}
		return verify(&c, anchor);
	}
	if (anchor) {
		cmd_error("--head is an option of journal verify");
		return EXIT_ERROR;
	}
	if (has_n && last == 0) {
		if (c.json)
			puts("[]");
		return EXIT_OK;
	}
	return show(&c, last);
}
