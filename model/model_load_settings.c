/* Settings several kinds share (model_load_settings.h). */
#include "model/model_load_settings.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model/dns_name.h"
#include "model/model_load_value.h"

void model_dns_clear(struct model_dns *d)
{
	for (size_t i = 0; i < d->n_search; i++)
		free(d->search[i]);
	free(d->search);
	for (size_t i = 0; i < d->n_routing; i++)
		free(d->routing[i]);
	free(d->routing);
	free(d->servers);
	memset(d, 0, sizeof(*d));
}

static void load_dns_servers(struct loader *l, const struct ynode *seq, struct model_dns *d)
{
	if (!want_type(l, seq, "dns.servers", YNODE_SEQUENCE))
		return;
	d->servers = load_calloc(l, seq->n ? seq->n : 1, sizeof(*d->servers));
	if (!d->servers)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		struct wgf_prefix p;
		const char *s;

		if (!want_string(l, seq->items[i], "dns.servers", &s))
			continue;
		if (!prefix_parse(s, true, &p) || p.len != prefix_max_len(p.family))
			load_err(l, seq->items[i], "DNS server %s is not an IP address", diag_quote(s));
		else
			d->servers[d->n_servers++] = p;
	}
}

/* A list of domains into *out (lower-case, no trailing dot); what names them in messages. */
static void load_dns_domains(struct loader *l, const struct ynode *seq, const char *field, const char *what,
			     char ***out, size_t *n_out)
{
	if (!want_type(l, seq, field, YNODE_SEQUENCE))
		return;
	*out = load_calloc(l, seq->n ? seq->n : 1, sizeof(**out));
	if (!*out)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const char *s;
		size_t len;
		char *dup;

		if (!want_string(l, seq->items[i], field, &s))
			continue;
		len = strlen(s);
		if (len > 1 && s[len - 1] == '.')
			len--;
		if (!dns_name_ok(s, len)) {
			load_err(l, seq->items[i], "%s %s is not a DNS name", what, diag_quote(s));
			continue;
		}
		dup = load_strdup(l, s);
		if (!dup)
			return;
		dup[len] = '\0';
		for (char *c = dup; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (size_t j = 0; j < *n_out; j++)
			if (!strcmp((*out)[j], dup)) {
				load_err(l, seq->items[i], "%s %s is listed twice", what, diag_quote(s));
				free(dup);
				dup = NULL;
				break;
			}
		if (dup)
			(*out)[(*n_out)++] = dup;
	}
}

/* Hosts: routing-only domains and whether the link is the default DNS route
 * (systemd-resolved's words). A domain is a search domain or a routing one. */
static void load_dns_host(struct loader *l, const struct ynode *n, struct model_dns *d)
{
	const struct ynode *v;

	if ((v = ynode_get(n, "routing")))
		load_dns_domains(l, v, "dns.routing", "routing domain", &d->routing, &d->n_routing);
	if ((v = ynode_get(n, "defaultRoute"))) {
		bool b = false;

		if (want_bool(l, v, "dns.defaultRoute", &b))
			d->default_route = b ? DNS_DEFAULT_ROUTE_YES : DNS_DEFAULT_ROUTE_NO;
	}
	for (size_t i = 0; i < d->n_routing; i++)
		for (size_t j = 0; j < d->n_search; j++)
			if (!strcmp(d->routing[i], d->search[j]))
				load_err(l, ynode_get(n, "routing"), "domain %s is both a search and a routing domain "
					 "(a search domain routes its names to these servers too)", diag_quote(d->routing[i]));
	if (d->n_routing && !d->n_servers)
		load_err(l, ynode_get(n, "routing"), "routing domains need \"servers\" to send their names to");
}

/* f->min 1: a Host's dns, which may also say "routing" and "defaultRoute". */
SPEC_LOADER(spec_load_dns)
{
	static const char *const fields[] = { "servers", "search", "routing", "defaultRoute" };
	struct model_dns *d = (struct model_dns *)((char *)obj + f->offset);
	const struct ynode *v;
	bool host = f->min;

	(void)x;
	if (!want_type(l, n, f->name, YNODE_MAPPING))
		return false;
	check_fields(l, n, &NAME_LIST(fields), "dns");
	for (size_t i = 2; !host && i < 4; i++)
		if ((v = ynode_get(n, fields[i])))
			load_err(l, v, "\"%s\" is a Host setting (the DNS of a host's own interfaces): client "
				 "configs take \"servers\" and \"search\"", fields[i]);
	d->set = true;
	d->loc = load_loc(l, n);
	if ((v = ynode_get(n, "servers")))
		load_dns_servers(l, v, d);
	if ((v = ynode_get(n, "search")))
		load_dns_domains(l, v, "dns.search", "search domain", &d->search, &d->n_search);
	if (host)
		load_dns_host(l, n, d);
	if (!ynode_get(n, "servers") && !ynode_get(n, "search") && !(host && ynode_get(n, "routing"))) {
		load_err(l, n, host ? "\"dns\" needs \"servers\", \"search\" or \"routing\""
				    : "\"dns\" needs \"servers\", \"search\" or both");
		return false;
	}
	return true;
}

bool model_duration_parse(const char *s, uint32_t *out)
{
	static const struct { char unit; uint32_t secs; } units[] = { { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	uint64_t v = 0;
	size_t i = 0;

	for (; isdigit((unsigned char)s[i]) && i < 6; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i == 0 || v == 0 || (s[0] == '0') || !s[i] || s[i + 1])
		return false;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (s[i] == units[u].unit && v * units[u].secs <= UINT32_MAX) {
			*out = (uint32_t)(v * units[u].secs);
			return true;
		}
	}
	return false;
}

SPEC_LOADER(spec_load_rotation)
{
	static const char *const fields[] = { "maxAge" };
	struct model_rotation *r = (struct model_rotation *)((char *)obj + f->offset);
	const struct ynode *v;
	const char *s;

	(void)x;
	if (!want_type(l, n, f->name, YNODE_MAPPING))
		return false;
	check_fields(l, n, &NAME_LIST(fields), "rotation");
	v = ynode_get(n, "maxAge");
	if (!v) {
		load_missing(l, n, "maxAge", "rotation");
		return false;
	}
	if (!want_string(l, v, "rotation.maxAge", &s))
		return false;
	if (!model_duration_parse(s, &r->max_age)) {
		load_err(l, v, "\"maxAge\" must be a number of hours, days or weeks (\"36h\", \"90d\", \"12w\"), "
			 "got %s", diag_quote(s));
		return false;
	}
	r->set = true;
	r->loc = load_loc(l, v);
	return true;
}

SPEC_LOADER(spec_load_health)
{
	static const char *const fields[] = { "staleAfter" };
	uint32_t *stale_after = (uint32_t *)(void *)((char *)obj + f->offset), ms;
	const struct ynode *v;

	(void)x;
	if (!want_type(l, n, f->name, YNODE_MAPPING))
		return false;
	check_fields(l, n, &NAME_LIST(fields), "health");
	v = ynode_get(n, "staleAfter");
	if (!v)
		return true;
	if (!want_duration_ms(l, v, "health.staleAfter", &ms))
		return false;
	if (!model_stale_after_ok(ms)) {
		load_err(l, v, "\"staleAfter\" must be whole seconds, at least 1s and at most 168h, got %s",
			 diag_quote(v->value));
		return false;
	}
	*stale_after = ms / 1000;
	return true;
}

SPEC_LOADER(spec_load_key_created)
{
	int64_t *t = (int64_t *)(void *)((char *)obj + f->offset);
	bool *has = (bool *)((char *)obj + f->min);
	const char *s;

	(void)x;
	if (!want_string(l, n, f->name, &s))
		return false;
	if (!model_expires_parse(s, t)) {
		load_err(l, n, "\"%s\" must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got %s", f->name, diag_quote(s));
		return false;
	}
	*has = true;
	return true;
}

SPEC_LOADER(spec_load_sealing_key)
{
	uint8_t *key = (uint8_t *)obj + f->offset;
	bool *has = f->min ? (bool *)((char *)obj + f->min) : NULL;
	const char *s;

	(void)x;
	if (!want_string(l, n, f->name, &s))
		return false;
	if (!key_from_base64(s, key)) {
		load_err(l, n, "%s %s is not an X25519 public key (44 characters of base64 encoding 32 bytes)",
			 f->name, diag_quote(s));
		return false;
	}
	if (key_public_check(key) != KEY_PUBLIC_OK) {
		load_err(l, n, "%s %s can be no one's key (all zeros, small order or not canonical): run the "
			 "command that prints it again", f->name, diag_quote(s));
		return false;
	}
	if (has)
		*has = true;
	return true;
}
