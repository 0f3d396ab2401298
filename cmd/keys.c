/* wgf keys: every Host's and Peer's key, its age and rotation due date. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/wgf.h"
#include "render/key_age.h"

static const char help[] =
	"Usage: wgf keys [PATH | --dir DIR | --repo DIR [--ref REF]] [--due-within DAYS]\n"
	"                [--fail-on-overdue] [--json]\n\n"
	"Lists every Host's and Peer's key (its fingerprint, never more) with when it was\n"
	"made, its age, the rotation maxAge that applies (rotation: {maxAge: 90d} on the\n"
	"Peer or Host, its Tenant or its Network), the date it is due and its status:\n"
	"overdue, due soon, ok, unknown (a policy, but no creation time) or no policy.\n"
	"Read from git (--repo, --ref), a key's creation is the commit that last brought\n"
	"it in (first-parent history; a key that moved to another file keeps its age);\n"
	"from a directory, its keyCreated. Keys are grouped by kind, the most urgent first.\n\n"
	"  --repo DIR         read from this git repository (no checkout needed)\n"
	"  --ref REF          commit, branch or tag (default HEAD)\n"
	"  --dir DIR          read the directory DIR (as PATH)\n"
	"  --allow-empty      a repository with no YAML documents is not an error\n"
	"  --due-within DAYS  due soon: due within DAYS (default 14)\n"
	"  --fail-on-overdue  exit 2 when a key is overdue (CI)\n"
	"  --json             print the keys as JSON\n"
	"  --no-color         no colours (also NO_COLOR=1; colour is only used on a terminal)\n"
	"  -h, --help         this help\n\n"
	"The time is now, or $WGF_NOW (unix seconds).\n"
	"Exit: 0 listed, 1 error, 2 a key is overdue (with --fail-on-overdue).\n";

enum { OPT_DIR = 0x200, OPT_DUE_WITHIN };

#define TIME_LEN 32

/* "2026-01-31T12:30:00Z"; date_only: "2026-01-31". */
static const char *fmt_time(int64_t t, bool date_only, char buf[TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm))
		snprintf(buf, TIME_LEN, "@%" PRId64, t);
	else
		strftime(buf, TIME_LEN, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* "120d", "36h" (under a week and not whole days) */
static const char *fmt_span(int64_t s, char buf[TIME_LEN])
{
	if (s % KEY_AGE_DAY && s < 7 * KEY_AGE_DAY)
		snprintf(buf, TIME_LEN, "%" PRId64 "h", s / 3600);
	else
		snprintf(buf, TIME_LEN, "%" PRId64 "d", s / KEY_AGE_DAY);
	return buf;
}

static const char *json_status(enum key_age_status s)
{
	static const char *const names[KEY_AGE_N_STATUS] = {
		[KEY_AGE_OVERDUE] = "overdue", [KEY_AGE_DUE_SOON] = "due_soon", [KEY_AGE_OK] = "ok",
		[KEY_AGE_UNKNOWN] = "unknown", [KEY_AGE_NO_POLICY] = "no_policy",
	};
	return names[s];
}

static json_object *key_json(const struct key_age *k)
{
	json_object *o = json_object_new_object();
	bool known = k->created.origin != KEY_ORIGIN_UNKNOWN;
	char t[TIME_LEN], abbrev[9];

	json_object_object_add(o, "kind", json_object_new_string(k->is_host ? "Host" : "Peer"));
	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "file", k->loc.file ? json_object_new_string(k->loc.file) : NULL);
	json_object_object_add(o, "line", json_object_new_int((int)k->loc.line));
	json_object_object_add(o, "column", json_object_new_int((int)k->loc.col));
	json_object_object_add(o, "fingerprint", json_object_new_string(k->fingerprint));
	json_object_object_add(o, "status", json_object_new_string(json_status(k->status)));
	json_object_object_add(o, "origin", json_object_new_string(key_age_origin_name(k->created.origin)));
	memcpy(abbrev, k->created.commit, sizeof(abbrev) - 1);
	abbrev[sizeof(abbrev) - 1] = '\0';
	json_object_object_add(o, "commit", k->created.origin == KEY_ORIGIN_COMMIT ?
			       json_object_new_string(abbrev) : NULL);
	json_object_object_add(o, "commit_id", k->created.origin == KEY_ORIGIN_COMMIT ?
			       json_object_new_string(k->created.commit) : NULL);
	json_object_object_add(o, "created", known ? json_object_new_string(fmt_time(k->created.time, false, t)) : NULL);
	json_object_object_add(o, "created_unix", known ? json_object_new_int64(k->created.time) : NULL);
	json_object_object_add(o, "age_seconds", known ? json_object_new_int64(k->age) : NULL);
	json_object_object_add(o, "age_days", known ? json_object_new_int64(k->age / KEY_AGE_DAY) : NULL);
	json_object_object_add(o, "max_age_seconds", k->max_age ? json_object_new_int64(k->max_age) : NULL);
	json_object_object_add(o, "due", k->due ? json_object_new_string(fmt_time(k->due, false, t)) : NULL);
	json_object_object_add(o, "due_unix", k->due ? json_object_new_int64(k->due) : NULL);
	return o;
}

static void print_json(const struct model *m, const struct key_ages *a, int64_t now, unsigned due_days)
{
	json_object *o = json_object_new_object(), *keys = json_object_new_array(), *sum = json_object_new_object();
	char t[TIME_LEN];

	json_object_object_add(o, "kind", json_object_new_string("wgf-keys"));
	json_object_object_add(o, "source", json_object_new_string(m->source));
	json_object_object_add(o, "now", json_object_new_string(fmt_time(now, false, t)));
	json_object_object_add(o, "due_within_days", json_object_new_int64(due_days));
	json_object_object_add(sum, "keys", json_object_new_int64((int64_t)a->n));
	for (int s = 0; s < KEY_AGE_N_STATUS; s++)
		json_object_object_add(sum, json_status(s), json_object_new_int64((int64_t)a->counts[s]));
	json_object_object_add(o, "summary", sum);
	for (size_t i = 0; i < a->n; i++)
		json_object_array_add(keys, key_json(&a->items[i]));
	json_object_object_add(o, "keys", keys);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Hosts first; then the most urgent, the soonest due, by name. */
static int urgency_cmp(const void *pa, const void *pb)
{
	const struct key_age *a = pa, *b = pb;

	if (a->is_host != b->is_host)
		return a->is_host ? -1 : 1;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	return strcmp(a->name, b->name);
}

static const char *status_color(enum key_age_status s)
{
	switch (s) {
	case KEY_AGE_OVERDUE: return "\033[1;31m";
	case KEY_AGE_DUE_SOON: return "\033[33m";
	case KEY_AGE_OK: return "\033[32m";
	default: return "\033[2m";
	}
}

static void print_row(const struct key_age *k, int w, bool color)
{
	char created[TIME_LEN] = "-", from[TIME_LEN] = "unknown", age[TIME_LEN] = "-", max[TIME_LEN] = "-";
	char due[TIME_LEN] = "-";

	if (k->created.origin != KEY_ORIGIN_UNKNOWN) {
		fmt_time(k->created.time, true, created);
		fmt_span(k->age, age);
	}
	if (k->created.origin == KEY_ORIGIN_COMMIT)
		snprintf(from, sizeof(from), "commit %.8s", k->created.commit);
	else if (k->created.origin == KEY_ORIGIN_KEY_CREATED)
		snprintf(from, sizeof(from), "keyCreated");
	if (k->max_age)
		fmt_span(k->max_age, max);
	if (k->due)
		fmt_time(k->due, true, due);
	printf("  %s%-9s%s  %-*s  %s  %-10s  %-15s  %6s  %7s  %s\n", color ? status_color(k->status) : "",
	       key_age_status_name(k->status), color ? "\033[0m" : "", w, k->name, k->fingerprint, created, from,
	       age, max, due);
}

static void print_text(const struct model *m, struct key_ages *a, int64_t now, unsigned due_days, bool color)
{
	char t[TIME_LEN];
	int w = 4;

	qsort(a->items, a->n, sizeof(*a->items), urgency_cmp);
	for (size_t i = 0; i < a->n; i++)
		if ((int)strlen(a->items[i].name) > w)
			w = (int)strlen(a->items[i].name);
	printf("Keys of %s on %s (due soon: within %u day%s)\n", m->source, fmt_time(now, true, t), due_days,
	       due_days == 1 ? "" : "s");
	for (size_t i = 0; i < a->n; i++) {
		const struct key_age *k = &a->items[i];

		if (i == 0 || k->is_host != a->items[i - 1].is_host) {
			printf("\n%s\n", k->is_host ? "Hosts" : "Peers");
			printf("  %-9s  %-*s  %s  %-10s  %-15s  %6s  %7s  %s\n", "STATUS", w, "NAME", "KEY      ", "CREATED",
			       "FROM", "AGE", "MAX AGE", "DUE");
		}
		print_row(k, w, color);
	}
	printf("\n%zu key%s: %zu overdue, %zu due soon, %zu ok, %zu unknown, %zu without a policy\n", a->n,
	       a->n == 1 ? "" : "s", a->counts[KEY_AGE_OVERDUE], a->counts[KEY_AGE_DUE_SOON], a->counts[KEY_AGE_OK],
	       a->counts[KEY_AGE_UNKNOWN], a->counts[KEY_AGE_NO_POLICY]);
}

static int parse_days(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 36500)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int keys_parse(struct cmd_ctx *c, int argc, char **argv, unsigned *due_days)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_OUTPUT_OPTIONS, CMD_KEYS_OPTION,
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "due-within", required_argument, NULL, OPT_DUE_WITHIN },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	const char *dir = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if (opt == OPT_DIR) {
			dir = optarg;
		} else if (opt == OPT_DUE_WITHIN) {
			if (parse_days(optarg, due_days) < 0) {
				cmd_error("--due-within takes a number of days (0 to 36500), not \"%s\"", optarg);
				return -1;
			}
		} else if (cmd_ctx_option(c, opt, optarg) <= 0) {
			fputs(help, stderr);
			return -1;
		}
	}
	if (dir && (c->repo || c->ref || optind < argc)) {
		cmd_error("keys: --dir reads a directory; it goes with neither PATH nor --repo/--ref");
		return -1;
	}
	if (cmd_ctx_positional(c, argc, argv) < 0)
		return -1;
	if (dir)
		c->path = dir;
	return 1;
}

int cmd_keys(int argc, char **argv)
{
	struct key_ages a = {0};
	struct model *m = NULL;
	unsigned due_days = WGF_EXPIRY_WARNING_DAYS;
	struct cmd_ctx c;
	int r;

	cmd_ctx_init(&c, "keys");
	r = keys_parse(&c, argc, argv, &due_days);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (cmd_load_model(&c, &m) < 0)
		return EXIT_ERROR;
	r = cmd_key_ages(&c, m, NULL, NULL, due_days * KEY_AGE_DAY, &a);
	if (r < 0) {
		model_free(m);
		return EXIT_ERROR;
	}
	if (c.json)
		print_json(m, &a, c.now, due_days);
	else
		print_text(m, &a, c.now, due_days, c.color);
	r = c.fail_on_overdue && a.counts[KEY_AGE_OVERDUE] ? EXIT_OVERDUE : EXIT_OK;
	key_ages_clear(&a);
	model_free(m);
	return r;
}
