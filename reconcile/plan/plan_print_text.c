/* Terraform-like text rendering of a Plan, grouped by interface. */
#include "reconcile/plan/plan.h"
#include "reconcile/plan/plan_fields.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED    "\033[31m"

struct text_out {
	FILE *f;
	bool color;
	const struct peer_notices *notices;
};

static const char *op_symbol(enum plan_op op)
{
	return op == PLAN_CREATE ? "+" : op == PLAN_UPDATE ? "~" : "-";
}

static const char *op_color(enum plan_op op)
{
	return op == PLAN_CREATE ? C_GREEN : op == PLAN_UPDATE ? C_YELLOW : C_RED;
}

static void put_symbol(const struct text_out *t, enum plan_op op)
{
	if (t->color)
		fprintf(t->f, "%s%s%s", op_color(op), op_symbol(op), C_RESET);
	else
		fputs(op_symbol(op), t->f);
}

/* "interface wg0:", "host:" */
static void put_heading(const struct text_out *t, const char *what, const char *name)
{
	fprintf(t->f, "\n%s%s%s%s:%s\n", t->color ? C_BOLD : "", what, *name ? " " : "", name,
		t->color ? C_RESET : "");
}

static void print_table(FILE *f, uint32_t table)
{
	if (table == HS_ROUTE_TABLE_MAIN)
		fputs(" (table main)", f);
	else
		fprintf(f, " (table %u)", table);
}

/* A removed peer that the repository still declares says why it goes:
 * "- peer "guest-tablet" (KUXPjYpq…): expired on 2026-01-31". */
static void print_peer_title(const struct text_out *t, const struct plan_action *a)
{
	const struct hs_peer *p = a->peer_desired ? a->peer_desired : a->peer_observed;
	const struct peer_notice *n = NULL;
	char fp[WG_KEY_FP_LEN], why[PEER_NOTICE_MSG_LEN];
	const char *name = a->name;

	if (p && a->op == PLAN_DELETE) {
		n = peer_notices_find_key(t->notices, p->public_key);
		if (n && !peer_notice_skipped(n))
			n = NULL;
	}
	if (!name && n)
		name = n->peer;
	if (name)
		fprintf(t->f, " \"%s\"", name);
	else
		fputs(" (unknown)", t->f);
	if (p)
		fprintf(t->f, " (%s)", key_fingerprint(p->public_key, fp));
	if (n)
		fprintf(t->f, ": %s", peer_notice_reason(n, why));
}

static void print_title(const struct text_out *t, const struct plan_action *a)
{
	FILE *f = t->f;

	fputs("  ", f);
	put_symbol(t, a->op);
	fprintf(f, " %s", plan_obj_name(a->obj));
	switch (a->obj) {
	case PLAN_OBJ_LINK:
	case PLAN_OBJ_DEVICE:
	case PLAN_OBJ_DNS:
		fprintf(f, " %s", a->ifname);
		break;
	case PLAN_OBJ_PEER:
		print_peer_title(t, a);
		break;
	case PLAN_OBJ_ADDRESS:
		fprintf(f, " %s", a->name ? a->name : "?");
		break;
	case PLAN_OBJ_ROUTE:
		fprintf(f, " %s", a->name ? a->name : "?");
		print_table(f, a->u.route.table);
		break;
	case PLAN_OBJ_RULE:
	case PLAN_OBJ_SYSCTL:
	case PLAN_OBJ_FIREWALL:
		fprintf(f, " %s", a->name ? a->name : "?");
		break;
	}
}

/* A field's values as text (see plan_field_text): freed by the caller. */
struct field_text {
	const char *name;
	char *old, *new;
};

static size_t fields_text(const struct plan_action *a, struct field_text out[PLAN_FIELDS_MAX], bool *oom)
{
	struct plan_field f[PLAN_FIELDS_MAX];
	size_t n = plan_action_fields(a, f);

	for (size_t i = 0; i < n; i++) {
		out[i].name = f[i].name;
		out[i].old = plan_field_text(&f[i], true, oom);
		out[i].new = plan_field_text(&f[i], false, oom);
	}
	return n;
}

static void fields_text_free(struct field_text *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].old);
		free(v[i].new);
	}
}

/* "+ interface wg0 (mtu 1420, up)": a new link's settings fit on its line. */
static void print_link_create(const struct text_out *t, const struct plan_action *a)
{
	struct field_text v[PLAN_FIELDS_MAX];
	const char *sep = " (";
	bool oom = false;
	size_t n = fields_text(a, v, &oom);

	print_title(t, a);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].name, "up"))
			fprintf(t->f, "%sup", sep);
		else
			fprintf(t->f, "%s%s %s", sep, v[i].name, v[i].new ? v[i].new : "");
		sep = ", ";
	}
	fputs(n ? ")\n" : "\n", t->f);
	fields_text_free(v, n);
}

static void print_sysctl(const struct text_out *t, const struct plan_action *a)
{
	struct field_text v[PLAN_FIELDS_MAX];
	bool oom = false;
	size_t n = fields_text(a, v, &oom);

	print_title(t, a);
	if (n) {
		if (v[0].old)
			fprintf(t->f, ": \"%s\" → ", v[0].old);
		else
			fputs(": (unset) → ", t->f);
		fprintf(t->f, "\"%s\"", v[0].new ? v[0].new : "");
	}
	fputc('\n', t->f);
	fields_text_free(v, n);
}

/* An item's key as people read it: "access/peer/bob" -> "access peer bob",
 * "forward/198.51.100.7/tcp/25565" -> "forward 198.51.100.7 tcp/25565" (the
 * key's kind and first part are words, the rest stays as written). */
static void print_item_key(FILE *f, const char *key)
{
	int slashes = 0;

	for (const char *p = key; *p; p++)
		fputc(*p == '/' && slashes++ < 2 ? ' ' : *p, f);
}

/* A forward's value says where it goes ("→ gameserver 10.0.0.5:25565"): it
 * follows the key without a colon, and without its arrow between old and new. */
static const char *item_value(const char *v)
{
	return strncmp(v, "→ ", strlen("→ ")) ? v : v + strlen("→ ");
}

/*   ~ nftables table inet wgf
 *       ~ access peer bob: full → vpn-only
 *       + forward 198.51.100.7 tcp/25565 → gameserver 10.0.0.5:25565
 *       ~ ruleset: + set s0_tun4: element 10.0.0.0/24    (only when no item changed)
 *       ! changed outside wgf: + chain from_tunnel: tcp dport 22 accept */
static void print_firewall_item(const struct text_out *t, const struct plan_change *c)
{
	const char *v = c->new ? c->new : c->old;

	put_symbol(t, !c->old ? PLAN_CREATE : !c->new ? PLAN_DELETE : PLAN_UPDATE);
	fputc(' ', t->f);
	print_item_key(t->f, c->field);
	if (c->old && c->new)
		fprintf(t->f, ": %s → %s\n", item_value(c->old), item_value(c->new));
	else if (item_value(v) != v)
		fprintf(t->f, " %s\n", v);
	else
		fprintf(t->f, ": %s\n", v);
}

static void print_firewall_line(const struct text_out *t, const struct plan_change *c, const char *line)
{
	if (c->kind == PLAN_CHANGE_DRIFT) {
		fprintf(t->f, "%s!%s %s: %s\n", t->color ? C_RED : "", t->color ? C_RESET : "", c->field, line);
	} else {
		put_symbol(t, PLAN_UPDATE);
		fprintf(t->f, " %s: %s\n", c->field, line);
	}
}

/* Drift and ruleset lines are complete in the plan; the text shows the first
 * PLAN_DRIFT_LINES_MAX of each kind and how many more there are. */
#define PLAN_DRIFT_LINES_MAX 10

static void print_firewall(const struct text_out *t, const struct plan_action *a)
{
	const struct plan_change *v = a->u.firewall.changes;
	size_t n = a->u.firewall.n_changes, shown[PLAN_CHANGE_NOTE + 1] = { 0 }, total[PLAN_CHANGE_NOTE + 1] = { 0 };
	char more[32];

	print_title(t, a);
	fputc('\n', t->f);
	for (size_t i = 0; i < n; i++)
		total[v[i].kind]++;
	for (size_t i = 0; i < n; i++) {
		const struct plan_change *c = &v[i];

		switch (c->kind) {
		case PLAN_CHANGE_ITEM:
			fputs("      ", t->f);
			print_firewall_item(t, c);
			break;
		case PLAN_CHANGE_DRIFT:
		case PLAN_CHANGE_RULESET:
			if (shown[c->kind] == PLAN_DRIFT_LINES_MAX)
				break;
			fputs("      ", t->f);
			print_firewall_line(t, c, c->new ? c->new : "");
			if (++shown[c->kind] == PLAN_DRIFT_LINES_MAX && total[c->kind] > PLAN_DRIFT_LINES_MAX) {
				snprintf(more, sizeof(more), "… %zu more", total[c->kind] - PLAN_DRIFT_LINES_MAX);
				fputs("      ", t->f);
				print_firewall_line(t, c, more);
			}
			break;
		case PLAN_CHANGE_NOTE:
			fputs("      ", t->f);
			put_symbol(t, PLAN_UPDATE);
			fprintf(t->f, " %s\n", c->field);
			break;
		}
	}
}

static void print_fields(const struct text_out *t, const struct plan_action *a)
{
	struct field_text v[PLAN_FIELDS_MAX];
	bool oom = false;
	size_t n = fields_text(a, v, &oom), width = 0;

	if (a->op == PLAN_CREATE) {
		for (size_t i = 0; i < n; i++)
			if (strlen(v[i].name) > width)
				width = strlen(v[i].name);
		for (size_t i = 0; i < n; i++) {
			int pad = (int)(width - strlen(v[i].name));

			fprintf(t->f, "      %s: %*s%s\n", v[i].name, pad, "", v[i].new ? v[i].new : "");
		}
		fields_text_free(v, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		fputs("      ", t->f);
		put_symbol(t, a->op);
		fprintf(t->f, " %s: ", v[i].name);
		if (v[i].old && v[i].new && strcmp(v[i].old, v[i].new))
			fprintf(t->f, "%s → %s\n", v[i].old, v[i].new);
		else if (v[i].old && v[i].new)
			fprintf(t->f, "%s changed\n", v[i].new);   /* a secret: "(sensitive) changed" */
		else
			fprintf(t->f, "%s\n", v[i].new ? v[i].new : v[i].old ? v[i].old : "");
	}
	fields_text_free(v, n);
}

static void print_action(const struct text_out *t, const struct plan_action *a)
{
	if (a->obj == PLAN_OBJ_LINK && a->op == PLAN_CREATE) {
		print_link_create(t, a);
		return;
	}
	if (a->obj == PLAN_OBJ_SYSCTL) {
		print_sysctl(t, a);
		return;
	}
	if (a->obj == PLAN_OBJ_FIREWALL) {
		print_firewall(t, a);
		return;
	}
	print_title(t, a);
	fputc('\n', t->f);
	print_fields(t, a);
}

/* Shown under "host:", not under an interface: so are a blackhole's and a
 * throw's routes, which have none. */
static bool is_host_action(const struct plan_action *a)
{
	return a->obj == PLAN_OBJ_SYSCTL || a->obj == PLAN_OBJ_FIREWALL || (a->obj == PLAN_OBJ_ROUTE && !a->ifname[0]);
}

/* Shown under "policy rules:", in plan order (removals first). */
static bool is_rule_action(const struct plan_action *a)
{
	return a->obj == PLAN_OBJ_RULE;
}

/* Interface name, then plan order: a stable grouping. */
static int by_ifname(const void *pa, const void *pb, void *base)
{
	const struct plan_action *v = base;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int r = strcmp(v[a].ifname, v[b].ifname);

	if (r)
		return r;
	return a < b ? -1 : a > b;
}

/* "Skipped peers:" (disabled, expired) or "Expiring peers:", one line each:
 *   guest-tablet: expired on 2026-01-31 (peers/guest-tablet.yaml:5:1) */
static void print_notice_section(const struct text_out *t, bool skipped)
{
	const struct peer_notices *ns = t->notices;
	char why[PEER_NOTICE_MSG_LEN];
	bool any = false;

	for (size_t i = 0; i < ns->n; i++) {
		const struct peer_notice *n = &ns->items[i];

		if (peer_notice_skipped(n) != skipped)
			continue;
		if (!any)
			fprintf(t->f, "\n%s%s%s\n", t->color ? C_BOLD : "",
				skipped ? "Skipped peers:" : "Expiring peers:", t->color ? C_RESET : "");
		any = true;
		fprintf(t->f, "  %s: %s", n->peer, peer_notice_reason(n, why));
		if (n->file)
			fprintf(t->f, " (%s:%u:%u)", n->file, n->line, n->col);
		fputc('\n', t->f);
	}
}

static void print_notices(const struct text_out *t)
{
	if (!t->notices || !t->notices->n)
		return;
	print_notice_section(t, true);
	print_notice_section(t, false);
}

static void print_exit_table(FILE *f, const struct plan_exit_group *g, const struct plan_exit_table *t)
{
	const char *member = plan_exit_table_member(g, t);

	fprintf(f, "    table %u", t->table);
	if (t->slot)
		fprintf(f, " (%s's share)", t->slot);
	if (!t->observed)
		fputs(": not made yet\n", f);
	else if (member)
		fprintf(f, ": %s (%s)\n", member, t->in_use);
	else if (t->type == HS_ROUTE_BLACKHOLE)
		fputs(": blackhole (every member down)\n", f);
	else if (t->type == HS_ROUTE_THROW)
		fputs(": direct (every member down)\n", f);
	else
		fprintf(f, ": %s (not a member)\n", t->in_use);
}

/* Information, not changes: which member a table uses is wgf watch's choice. */
static void print_exit_groups(const struct plan *p, FILE *f)
{
	const struct plan_exit_groups *gs = &p->exit_groups;

	if (!gs->n)
		return;
	fputs("\nExit groups (the member in use is wgf watch's choice, not a change):\n", f);
	for (size_t i = 0; i < gs->n; i++) {
		const struct plan_exit_group *g = &gs->v[i];

		fprintf(f, "  %s (%s; all down: %s):", g->name, g->strategy, g->all_down);
		for (size_t j = 0; j < g->n_members; j++)
			fprintf(f, "%s %s", j ? "," : "", g->members[j].host);
		fputc('\n', f);
		for (size_t j = 0; j < g->n_tables; j++)
			print_exit_table(f, g, &g->tables[j]);
	}
}

void plan_print_text(const struct plan *p, const struct plan_print_opts *o, FILE *f)
{
	struct text_out t = { .f = f, .color = o && o->color, .notices = &p->notices };
	const char *host = p->host_name ? p->host_name : "";
	size_t *idx = NULL, n = 0;
	bool any_host = false, any_rule = false;

	if (plan_is_empty(p)) {
		fprintf(f, "No changes. Host \"%s\" matches the desired state", host);
		if (p->source)
			fprintf(f, " (%s)", p->source);
		fputs(".\n", f);
		if (p->next_key)
			fputs("The device already runs the prepared next key (wgf host rotate) that the Host's "
			      "publicKey names; applying makes it the key file.\n", f);
		print_exit_groups(p, f);
		print_notices(&t);
		return;
	}

	fputs(t.color ? C_BOLD : "", f);
	fprintf(f, "wgf plan for host \"%s\"", host);
	if (p->source)
		fprintf(f, " from %s", p->source);
	fputs(t.color ? C_RESET "\n" : "\n", f);
	if (p->next_key)
		fputs("Key rotation: the Host's publicKey is this host's prepared next key (wgf host rotate); the\n"
		      "device changes to it, and once applied it becomes the key file.\n", f);

	idx = calloc(p->n_actions, sizeof(*idx));
	for (size_t i = 0; i < p->n_actions; i++) {
		if (is_host_action(&p->actions[i]))
			any_host = true;
		else if (is_rule_action(&p->actions[i]))
			any_rule = true;
		else if (idx)
			idx[n++] = i;
	}
	/* Without memory for the index, print in plan order: still complete. */
	if (idx)
		qsort_r(idx, n, sizeof(*idx), by_ifname, p->actions);
	else
		n = p->n_actions;
	for (size_t k = 0, prev = SIZE_MAX; k < n; k++) {
		size_t i = idx ? idx[k] : k;

		if (is_host_action(&p->actions[i]) || is_rule_action(&p->actions[i]))
			continue;
		if (prev == SIZE_MAX || strcmp(p->actions[prev].ifname, p->actions[i].ifname)) {
			put_heading(&t, "interface", p->actions[i].ifname);
		}
		print_action(&t, &p->actions[i]);
		prev = i;
	}
	free(idx);

	if (any_rule) {
		put_heading(&t, "policy rules", "");
		for (size_t i = 0; i < p->n_actions; i++)
			if (is_rule_action(&p->actions[i]))
				print_action(&t, &p->actions[i]);
	}
	if (any_host) {
		put_heading(&t, "host", "");
		for (size_t i = 0; i < p->n_actions; i++)
			if (is_host_action(&p->actions[i]))
				print_action(&t, &p->actions[i]);
	}

	print_exit_groups(p, f);
	print_notices(&t);
	fputc('\n', f);
	fputs(t.color ? C_BOLD : "", f);
	fprintf(f, "Plan: %zu to add, %zu to change, %zu to destroy.", p->n_create, p->n_update, p->n_delete);
	fputs(t.color ? C_RESET "\n" : "\n", f);
}
