/* Readable text for the compiled policy: plan items and evaluator decisions. */
#include "render/firewall_int.h"

#include <stdlib.h>
#include <string.h>

static char *put_uint(char *o, unsigned v)
{
	char d[12];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*o++ = d[--n];
	return o;
}

/* Hot when rendering thousands of peers: IPv4 without inet_ntop and snprintf. */
char *fw_format_prefix(const struct wgf_prefix *p, char buf[PREFIX_STRLEN])
{
	char *o = buf;

	if (p->family != AF_INET) {
		if (p->len == prefix_max_len(p->family))
			return prefix_format_addr(p, buf);
		return prefix_format(p, buf);
	}
	for (int i = 0; i < 4; i++) {
		o = put_uint(o, p->addr[i]);
		*o++ = i < 3 ? '.' : '\0';
	}
	if (p->len < 32) {
		o[-1] = '/';
		*put_uint(o, p->len) = '\0';
	}
	return buf;
}

/* Closes a memstream (which sets *s); the text, or NULL when anything failed. */
static char *memstream_done(FILE *f, char **s)
{
	bool bad = ferror(f);

	if (fclose(f) || bad) {
		free(*s);
		return NULL;
	}
	return *s;
}

static void print_scope(FILE *f, const struct fw_network *fw, size_t s)
{
	if (s == 0)
		fputs("the shared scope", f);
	else
		fprintf(f, "tenant %s", fw->scopes[s].name);
}

/* "tenant acme and the shared scope": its own scope first. */
static void print_reach(FILE *f, const struct fw_network *fw, size_t scope)
{
	size_t total = 0, k = 0;

	for (size_t s = 0; s < fw->n_scopes; s++)
		total += fw_scope_reaches(fw, scope, s);
	print_scope(f, fw, scope);
	for (size_t s = 0; s < fw->n_scopes; s++) {
		if (s == scope || !fw_scope_reaches(fw, scope, s))
			continue;
		fputs(++k + 1 == total ? " and " : ", ", f);
		print_scope(f, fw, s);
	}
}

static void print_prefixes(FILE *f, const struct fw_pset *s, size_t max)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < s->n && i < max; i++)
		fprintf(f, "%s%s", i ? ", " : "", prefix_format(&s->p[i], buf));
	if (s->n > max)
		fprintf(f, " and %zu more", s->n - max);
}

static void print_class(FILE *f, const struct fw_network *fw, size_t cls, bool exit)
{
	const struct fw_class *c;

	if (cls == FW_NONE) {
		fputs("custom: only what policies allow", f);
		return;
	}
	c = &fw->cls[cls];
	fprintf(f, "%s: ", access_level_name(c->level));
	switch (c->level) {
	case ACCESS_FULL:
		fputs("tunnel addresses and LANs of ", f);
		print_reach(f, fw, c->scope);
		if (exit)
			fputs(", and the internet", f);
		break;
	case ACCESS_VPN_ONLY:
		fputs("tunnel addresses of ", f);
		print_reach(f, fw, c->scope);
		break;
	case ACCESS_LAN_ONLY:
		if (c->own_lans) {
			print_prefixes(f, &c->lans, 4);
		} else {
			fputs("LANs of ", f);
			print_reach(f, fw, c->scope);
		}
		break;
	case ACCESS_INTERNET_ONLY:
		fputs(exit ? "the internet" : "the internet through its exit", f);
		if (c->dns.n) {
			fputs(", DNS at ", f);
			print_prefixes(f, &c->dns, 4);
		}
		fputs(", nothing else; only policies reach it", f);
		break;
	case ACCESS_CUSTOM:
		break;
	}
}

char *fw_class_describe(const struct fw_network *fw, size_t cls, bool exit)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	print_class(f, fw, cls, exit);
	return memstream_done(f, &s);
}

/* The class's text, and the addresses it applies to: a peer that gains an address
 * is a visible change of its access item. */
char *fw_principal_describe(const char *class_text, const struct fw_principal *p)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s (from ", class_text);
	print_prefixes(f, &p->addrs, 4);
	fputc(')', f);
	return memstream_done(f, &s);
}

static const char *index_name(const void *base, size_t n, size_t size, size_t i)
{
	if (i >= n)
		return "?";
	return ((const struct model_meta *)((const char *)base + i * size))->name;
}

static void print_selectors(FILE *f, const struct model *m, const struct model_selector *s, size_t n)
{
	char buf[PREFIX_STRLEN];

	if (!n)
		fputs("any", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		switch (s[i].kind) {
		case SEL_PEER:
			fprintf(f, "peer %s", index_name(m->peers, m->n_peers, sizeof(*m->peers), s[i].index));
			break;
		case SEL_HOST:
			fprintf(f, "host %s", index_name(m->hosts, m->n_hosts, sizeof(*m->hosts), s[i].index));
			break;
		case SEL_TENANT:
			fprintf(f, "tenant %s", index_name(m->tenants, m->n_tenants, sizeof(*m->tenants), s[i].index));
			break;
		case SEL_LABELS:
			fputs("labels ", f);
			for (size_t j = 0; j < s[i].n_labels; j++)
				fprintf(f, "%s%s=%s", j ? "," : "", s[i].labels[j].key, s[i].labels[j].value);
			break;
		case SEL_CIDR:
			fputs(prefix_format(&s[i].cidr, buf), f);
			break;
		}
	}
}

void fw_print_proto_ports(FILE *f, const struct fw_rule *r)
{
	static const struct { unsigned bit; const char *name; } protos[] = {
		{ FW_PROTO_TCP, "tcp" }, { FW_PROTO_UDP, "udp" }, { FW_PROTO_ICMP, "icmp" },
	};
	bool first = true;

	if (r->protos == FW_PROTO_ANY && !r->n_ports)
		return;
	if (!r->protos)
		fputs("none", f);
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!(r->protos & protos[i].bit))
			continue;
		fprintf(f, "%s%s", first ? "" : "+", protos[i].name);
		first = false;
	}
	for (size_t i = 0; i < r->n_ports; i++) {
		fputc(i ? ',' : '/', f);
		if (r->ports[i].lo == r->ports[i].hi)
			fprintf(f, "%u", r->ports[i].lo);
		else
			fprintf(f, "%u-%u", r->ports[i].lo, r->ports[i].hi);
	}
}

char *fw_rule_describe(const struct fw_network *fw, const struct fw_rule *r)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fputs("from ", f);
	print_selectors(f, fw->m, r->rule->from, r->rule->n_from);
	fputs(" to ", f);
	print_selectors(f, fw->m, r->rule->to, r->rule->n_to);
	fputc(' ', f);
	fw_print_proto_ports(f, r);
	if (r->protos != FW_PROTO_ANY || r->n_ports)
		fputc(' ', f);
	fputs(r->rule->accept ? "accept" : "drop", f);
	return memstream_done(f, &s);
}
