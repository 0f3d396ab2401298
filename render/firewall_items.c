/* The readable access items of one host's table (render/firewall.h says which). */
#include "render/firewall_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FW_ITEMS_EACH 256     /* networks with up to this many principals: an item each */
#define CLASS_PREFIXES 4      /* prefixes named in a class item */

struct items_ctx {
	const struct fw_network *fw;
	bool exit;
	char **desc;                   /* per class, the last one for custom */
	struct hs_firewall *out;
};

static int add_principal(struct items_ctx *c, size_t i)
{
	const struct fw_principal *p = &c->fw->pr[i];
	char key[MODEL_NAME_MAX + 32];
	char *v = fw_principal_describe(c->desc[p->cls == FW_NONE ? c->fw->n_cls : p->cls], p);
	int r;

	if (!v)
		return -ENOMEM;
	snprintf(key, sizeof(key), "access/%s/%s", p->is_host ? "host" : "peer", p->name);
	r = hs_firewall_add_item(c->out, key, v);
	free(v);
	return r;
}

/* The host itself, the hosts it peers with and the peers it configures: the
 * principals whose traffic it is the first to see. */
static int add_direct(struct items_ctx *c, const struct model_host *h)
{
	const struct fw_network *fw = c->fw;
	const struct model *m = fw->m;
	size_t hi = model_host_index(m, h);
	int r = 0;

	if (hi == MODEL_NONE)
		return 0;
	for (size_t xi = 0; xi < m->n_hosts && r >= 0; xi++)
		if (fw->host_pr[xi] != FW_NONE && (xi == hi || model_hosts_direct(m, hi, xi)))
			r = add_principal(c, fw->host_pr[xi]);
	for (size_t k = fw->attached_start[hi]; k < fw->attached_start[hi + 1] && r >= 0; k++)
		r = add_principal(c, fw->attached[k]);
	return r;
}

/* "access/class/shared/full", "access/class/tenant/acme/lan-only 10.9.0.0/16,…". */
static void print_class_key(FILE *f, const struct fw_network *fw, size_t scope, size_t cls)
{
	char buf[PREFIX_STRLEN];

	fputs("access/class/", f);
	if (scope)
		fprintf(f, "tenant/%s/", fw->scopes[scope].name);
	else
		fputs("shared/", f);
	if (cls == FW_NONE) {
		fputs("custom", f);
		return;
	}
	fputs(access_level_name(fw->cls[cls].level), f);
	for (size_t i = 0; fw->cls[cls].own_lans && i < fw->cls[cls].lans.n; i++)
		fprintf(f, "%c%s", i ? ',' : ' ', prefix_format(&fw->cls[cls].lans.p[i], buf));
	for (size_t i = 0; i < fw->cls[cls].dns.n; i++)
		fprintf(f, "%s%s", i ? "," : " dns ", prefix_format(&fw->cls[cls].dns.p[i], buf));
}

/* "<class text>; 990 hosts and 49,000 peers, from 10.0.0.0/9, … and 3 more" */
static void print_class_value(FILE *f, const struct items_ctx *c, size_t cls, size_t hosts, size_t peers)
{
	const struct fw_network *fw = c->fw;
	char buf[PREFIX_STRLEN];
	size_t k = 0;

	fprintf(f, "%s; %zu host%s and %zu peer%s", c->desc[cls == FW_NONE ? fw->n_cls : cls], hosts,
		hosts == 1 ? "" : "s", peers, peers == 1 ? "" : "s");
	if (cls == FW_NONE)
		return;
	for (size_t i = 0; i < fw->n_class_src && k < CLASS_PREFIXES; i++)
		if (fw->class_src[i].cls == cls)
			fprintf(f, "%s%s", k++ ? ", " : ", from ", prefix_format(&fw->class_src[i].p, buf));
	if (fw->cls[cls].n_src > k)
		fprintf(f, " and %zu more", fw->cls[cls].n_src - k);
}

static int add_class(struct items_ctx *c, size_t scope, size_t cls, size_t hosts, size_t peers)
{
	char *key = NULL, *val = NULL;
	size_t len;
	FILE *k = open_memstream(&key, &len), *v = k ? open_memstream(&val, &len) : NULL;
	bool bad = !v;
	int r = -ENOMEM;

	if (v) {
		print_class_key(k, c->fw, scope, cls);
		print_class_value(v, c, cls, hosts, peers);
		bad = ferror(k) || ferror(v);
		bad |= fclose(v) != 0;
	}
	if (k)
		bad |= fclose(k) != 0;
	if (!bad)
		r = hs_firewall_add_item(c->out, key, val);
	free(key);
	free(val);
	return r;
}

/* One item per class, and one per scope for its custom principals, that has any. */
static int add_classes(struct items_ctx *c)
{
	const struct fw_network *fw = c->fw;
	int r = 0;

	for (size_t j = 0; j < fw->n_cls && r >= 0; j++)
		if (fw->cls[j].n_hosts || fw->cls[j].n_peers)
			r = add_class(c, fw->cls[j].scope, j, fw->cls[j].n_hosts, fw->cls[j].n_peers);
	for (size_t s = 0; s < fw->n_scopes && r >= 0; s++)
		if (fw->scopes[s].n_custom_hosts || fw->scopes[s].n_custom_peers)
			r = add_class(c, s, FW_NONE, fw->scopes[s].n_custom_hosts, fw->scopes[s].n_custom_peers);
	return r;
}

int fw_items_access(const struct fw_network *fw, const struct model_host *h, bool exit, struct hs_firewall *out)
{
	struct items_ctx c = { .fw = fw, .exit = exit, .out = out };
	int r = -ENOMEM;

	c.desc = calloc(fw->n_cls + 1, sizeof(*c.desc));
	if (!c.desc)
		return -ENOMEM;
	for (size_t j = 0; j <= fw->n_cls; j++)
		if (!(c.desc[j] = fw_class_describe(fw, j < fw->n_cls ? j : FW_NONE, exit)))
			goto out;
	r = 0;
	if (fw->n_pr <= FW_ITEMS_EACH) {
		for (size_t i = 0; i < fw->n_pr && r >= 0; i++)
			r = add_principal(&c, i);
	} else {
		r = add_direct(&c, h);
		if (r >= 0)
			r = add_classes(&c);
	}
out:
	for (size_t j = 0; j <= fw->n_cls; j++)
		free(c.desc[j]);
	free(c.desc);
	return r;
}
