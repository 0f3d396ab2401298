#include "model/wgquick.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum wgq_section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

#define WGQ_NAME_MAX 256

struct wgq_parser {
	struct wgquick_conf *c;
	struct diag *d;
	enum wgq_section sec;
	unsigned line;
	unsigned long seen;            /* single-valued keys already given in this section */
	char pending[WGQ_NAME_MAX];    /* a name from comment lines not yet given to a section */
	struct wgf_loc pending_loc;
	bool oom;
};

/* One key: its section, and how its value is read (v: trimmed, comment removed). */
struct wgq_key {
	const char *name;
	enum wgq_section sec;
	bool single;                   /* given again: the last one counts (a warning) */
	bool (*parse)(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg);
	int arg;
};

static struct wgquick_peer *cur_peer(struct wgq_parser *p)
{
	return &p->c->peers[p->c->n_peers - 1];
}

static bool grow(struct wgq_parser *p, void **v, size_t n, size_t size)
{
	size_t cap;
	void *nv;

	if (n == 0)
		cap = 8;
	else if (n >= 8 && !(n & (n - 1)))
		cap = n * 2;
	else
		return true;
	nv = realloc(*v, cap * size);
	if (!nv) {
		p->oom = true;
		return false;
	}
	*v = nv;
	return true;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int dgt;

		if (*s >= '0' && *s <= '9')
			dgt = *s - '0';
		else if (base == 16 && ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f'))
			dgt = (*s | 0x20) - 'a' + 10;
		else
			return false;
		v = v * (uint64_t)base + (uint64_t)dgt;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool parse_key(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int which)
{
	struct wgquick_conf *c = p->c;
	uint8_t *dst;
	bool *has;
	struct wgf_loc *at;

	switch (which) {
	case 0:
		dst = c->private_key, has = &c->has_private_key, at = &c->private_key_loc;
		break;
	case 1:
		dst = cur_peer(p)->public_key, has = &cur_peer(p)->has_public_key, at = &cur_peer(p)->public_key_loc;
		break;
	default:
		dst = cur_peer(p)->psk, has = &cur_peer(p)->has_psk, at = &cur_peer(p)->psk_loc;
		break;
	}
	*at = *loc;
	if (!key_from_base64(v, dst)) {
		*has = false;
		sodium_memzero(dst, WG_KEY_LEN);
		if (which == 1)
			diag_add(p->d, loc, "PublicKey %s is not a WireGuard key (44 characters of base64)",
				 diag_quote(v));
		else   /* a secret: never quoted */
			diag_add(p->d, loc, "%s is not a WireGuard key (44 characters of base64; its value is not shown)",
				 which ? "PresharedKey" : "PrivateKey");
		return false;
	}
	*has = which != 2 || !key_is_zero(dst);
	return true;
}

/* Calls fn for each entry of a list separated by commas and white space, with its column. */
static bool each_item(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, const char *what,
		      size_t have, bool (*fn)(struct wgq_parser *, const char *, const struct wgf_loc *, void *),
		      void *arg)
{
	char item[256];
	bool ok = true;
	size_t n = have;

	for (const char *s = v; *s;) {
		size_t len;
		struct wgf_loc at = *loc;

		s += strspn(s, ", \t");
		len = strcspn(s, ", \t");
		if (!len)
			break;
		at.col = loc->col + (unsigned)(s - v);
		if (++n > WGQ_MAX_LIST) {
			diag_add(p->d, &at, "more than %u entries in %s", WGQ_MAX_LIST, what);
			return false;
		}
		if (len >= sizeof(item)) {
			diag_add(p->d, &at, "%s entry %s is too long", what, diag_quote(s));
			ok = false;
		} else {
			memcpy(item, s, len);
			item[len] = '\0';
			ok = fn(p, item, &at, arg) && ok;
		}
		s += len;
	}
	return ok;
}

struct prefix_list {
	struct wgf_prefix **v;
	size_t *n;
	const char *what;
	bool mask;
};

static bool add_prefix(struct wgq_parser *p, const char *s, const struct wgf_loc *at, void *arg)
{
	struct prefix_list *l = arg;
	struct wgf_prefix pf;

	if (!prefix_parse(s, true, &pf)) {
		diag_add(p->d, at, "%s entry %s is not an IP address or prefix", l->what, diag_quote(s));
		return false;
	}
	if (l->mask)
		prefix_mask(&pf);
	if (!grow(p, (void **)l->v, *l->n, sizeof(pf)))
		return false;
	(*l->v)[(*l->n)++] = pf;
	return true;
}

static bool parse_address(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg)
{
	struct prefix_list l = { &p->c->addresses, &p->c->n_addresses, "Address", false };

	if (!p->c->address_loc.line)
		p->c->address_loc = *loc;
	return each_item(p, v, loc, "Address", p->c->n_addresses, add_prefix, &l);
}

static bool parse_allowed_ips(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg)
{
	struct wgquick_peer *pe = cur_peer(p);
	struct prefix_list l = { &pe->allowed_ips, &pe->n_allowed_ips, "AllowedIPs", true };

	if (!pe->allowed_ips_loc.line)
		pe->allowed_ips_loc = *loc;
	return each_item(p, v, loc, "AllowedIPs", pe->n_allowed_ips, add_prefix, &l);
}

static bool is_domain(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* wg-quick: an entry of digits and dots, or with a ':', is a server; any other a search domain. */
static bool add_dns(struct wgq_parser *p, const char *s, const struct wgf_loc *at, void *arg)
{
	struct wgquick_conf *c = p->c;
	struct wgf_prefix pf;

	if (strspn(s, "0123456789.") == strlen(s) || strchr(s, ':')) {
		if (!prefix_parse(s, true, &pf) || pf.len != prefix_max_len(pf.family) || strchr(s, '/')) {
			diag_add(p->d, at, "DNS server %s is not an IP address", diag_quote(s));
			return false;
		}
		if (!grow(p, (void **)&c->dns_servers, c->n_dns_servers, sizeof(pf)))
			return false;
		c->dns_servers[c->n_dns_servers++] = pf;
		return true;
	}
	if (!is_domain(s)) {
		diag_add(p->d, at, "DNS search domain %s is not a domain name", diag_quote(s));
		return false;
	}
	if (!grow(p, (void **)&c->dns_search, c->n_dns_search, sizeof(char *)))
		return false;
	if (!(c->dns_search[c->n_dns_search] = strdup(s))) {
		p->oom = true;
		return false;
	}
	c->n_dns_search++;
	return true;
}

static bool parse_dns(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg)
{
	if (!p->c->dns_loc.line)
		p->c->dns_loc = *loc;
	return each_item(p, v, loc, "DNS", p->c->n_dns_servers + p->c->n_dns_search, add_dns, NULL);
}

/* A number key: 0 MTU, 1 ListenPort, 2 FwMark, 3 PersistentKeepalive. */
static bool parse_number(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int which)
{
	static const struct { const char *name; uint64_t min, max; bool off; } k[] = {
		{ "MTU", 68, 65535, false }, { "ListenPort", 0, 65535, false },
		{ "FwMark", 0, UINT32_MAX, true }, { "PersistentKeepalive", 0, 65535, true },
	};
	struct wgquick_conf *c = p->c;
	uint64_t n = 0;

	if (!(k[which].off && !strcasecmp(v, "off")) &&
	    (!parse_uint(v, k[which].max, &n) || n < k[which].min)) {
		diag_add(p->d, loc, "%s %s is not %s from %llu to %llu", k[which].name, diag_quote(v),
			 k[which].off ? "\"off\" or a number" : "a number",
			 (unsigned long long)k[which].min, (unsigned long long)k[which].max);
		return false;
	}
	switch (which) {
	case 0: c->has_mtu = true, c->mtu = (uint32_t)n, c->mtu_loc = *loc; break;
	case 1: c->has_listen_port = true, c->listen_port = (uint16_t)n, c->listen_port_loc = *loc; break;
	case 2: c->has_fwmark = true, c->fwmark = (uint32_t)n, c->fwmark_loc = *loc; break;
	default:
		cur_peer(p)->has_keepalive = true;
		cur_peer(p)->keepalive = (uint16_t)n;
		cur_peer(p)->keepalive_loc = *loc;
	}
	return true;
}

static bool parse_endpoint(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg)
{
	struct wgquick_peer *pe = cur_peer(p);
	const char *colon = strrchr(v, ':');
	uint64_t port;
	char host[256];

	pe->endpoint_loc = *loc;
	free(pe->endpoint_host);
	pe->endpoint_host = NULL;
	memset(&pe->endpoint, 0, sizeof(pe->endpoint));
	if (endpoint_parse(v, &pe->endpoint))
		return true;
	memset(&pe->endpoint, 0, sizeof(pe->endpoint));
	if (colon && (size_t)(colon - v) < sizeof(host) && parse_uint(colon + 1, 65535, &port) && port &&
	    colon[1] != '0') {
		memcpy(host, v, (size_t)(colon - v));
		host[colon - v] = '\0';
		if (is_domain(host) && strspn(host, "0123456789.") != strlen(host)) {
			if (!(pe->endpoint_host = strdup(v)))
				p->oom = true;
			return !p->oom;
		}
	}
	diag_add(p->d, loc, "Endpoint %s is not ADDRESS:PORT, [IPv6]:PORT or HOSTNAME:PORT", diag_quote(v));
	return false;
}

static bool parse_table(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg)
{
	free(p->c->table);
	p->c->table_loc = *loc;
	if (!(p->c->table = strdup(v)))
		p->oom = true;
	return !p->oom;
}

static bool parse_save_config(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int arg)
{
	p->c->save_config_loc = *loc;
	if (strcasecmp(v, "true") && strcasecmp(v, "false")) {
		diag_add(p->d, loc, "SaveConfig %s is not true or false", diag_quote(v));
		return false;
	}
	p->c->has_save_config = true;
	p->c->save_config = !strcasecmp(v, "true");
	return true;
}

static bool parse_hook(struct wgq_parser *p, const char *v, const struct wgf_loc *loc, int kind)
{
	struct wgquick_conf *c = p->c;
	struct wgquick_hook *h;

	if (c->n_hooks >= WGQ_MAX_HOOKS || strlen(v) > WGQ_MAX_HOOK_LEN) {
		diag_add(p->d, loc, c->n_hooks >= WGQ_MAX_HOOKS ? "more than %u PreUp/PostUp/PreDown/PostDown lines"
			 : "a hook longer than %u characters", c->n_hooks >= WGQ_MAX_HOOKS ? WGQ_MAX_HOOKS : WGQ_MAX_HOOK_LEN);
		return false;
	}
	if (!grow(p, (void **)&c->hooks, c->n_hooks, sizeof(*h)))
		return false;
	h = &c->hooks[c->n_hooks];
	memset(h, 0, sizeof(*h));
	h->kind = (enum wgquick_hook_kind)kind;
	h->loc = *loc;
	if (!(h->command = strdup(v))) {
		p->oom = true;
		return false;
	}
	c->n_hooks++;
	return true;
}

static const struct wgq_key wgq_keys[] = {
	{ "PrivateKey", SEC_INTERFACE, true, parse_key, 0 },
	{ "Address", SEC_INTERFACE, false, parse_address, 0 },
	{ "DNS", SEC_INTERFACE, false, parse_dns, 0 },
	{ "MTU", SEC_INTERFACE, true, parse_number, 0 },
	{ "ListenPort", SEC_INTERFACE, true, parse_number, 1 },
	{ "FwMark", SEC_INTERFACE, true, parse_number, 2 },
	{ "Table", SEC_INTERFACE, true, parse_table, 0 },
	{ "PreUp", SEC_INTERFACE, false, parse_hook, WGQ_PRE_UP },
	{ "PostUp", SEC_INTERFACE, false, parse_hook, WGQ_POST_UP },
	{ "PreDown", SEC_INTERFACE, false, parse_hook, WGQ_PRE_DOWN },
	{ "PostDown", SEC_INTERFACE, false, parse_hook, WGQ_POST_DOWN },
	{ "SaveConfig", SEC_INTERFACE, true, parse_save_config, 0 },
	{ "PublicKey", SEC_PEER, true, parse_key, 1 },
	{ "PresharedKey", SEC_PEER, true, parse_key, 2 },
	{ "AllowedIPs", SEC_PEER, false, parse_allowed_ips, 0 },
	{ "Endpoint", SEC_PEER, true, parse_endpoint, 0 },
	{ "PersistentKeepalive", SEC_PEER, true, parse_number, 3 },
};

const char *wgquick_hook_name(enum wgquick_hook_kind k)
{
	static const char *const names[] = { "PreUp", "PostUp", "PreDown", "PostDown" };
	return names[k];
}

static void trim(char **s, char **end)
{
	while (*s < *end && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*end > *s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
}

/* "Name = x", "friendly_name: x", "Client: x (id)", "-WGP- Display name: x", "begin x ###". */
bool wgquick_comment_name(const char *comment, char *buf, size_t len)
{
	static const char *const keys[] = {
		"name", "friendly_name", "friendlyname", "friendly name", "display name", "display_name",
		"displayname", "-wgp- display name", "client", "peer name", "peer_name",
	};
	char *s, *end, *sep, *copy = strdup(comment ? comment : "");
	bool found = false, client = false;

	if (!copy || !len)
		goto out;
	s = copy + strspn(copy, "# \t");
	end = s + strlen(s);
	trim(&s, &end);
	*end = '\0';
	if (!strncasecmp(s, "begin ", 6) && end - s > 9 && !strcmp(end - 3, "###")) {
		s += 6;
		end -= 3;
	} else {
		sep = s + strcspn(s, "=:");
		if (!*sep)
			goto out;
		for (char *k = sep; k > s && (k[-1] == ' ' || k[-1] == '\t'); k--)
			k[-1] = '\0';
		*sep = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !found; i++)
			found = !strcasecmp(s, keys[i]);
		if (!found)
			goto out;
		client = !strcasecmp(s, "client");
		found = false;
		s = sep + 1;
	}
	trim(&s, &end);
	*end = '\0';
	if (client && end > s && end[-1] == ')' && (sep = strrchr(s, '(')) && sep > s) {
		end = sep;
		trim(&s, &end);
		*end = '\0';
	}
	if (*s && strlen(s) < len) {
		strcpy(buf, s);
		found = true;
	}
out:
	free(copy);
	return found;
}

static bool set_name(struct wgq_parser *p, const char *name, const struct wgf_loc *loc)
{
	char **dst = p->sec == SEC_PEER ? &cur_peer(p)->name : &p->c->name;
	struct wgf_loc *at = p->sec == SEC_PEER ? &cur_peer(p)->name_loc : &p->c->name_loc;

	if (p->sec == SEC_NONE || *dst)
		return true;
	*at = *loc;
	if (!(*dst = strdup(name)))
		p->oom = true;
	return !p->oom;
}

/* A comment line: remember a name it gives for the section it belongs to. */
static void comment_line(struct wgq_parser *p, const char *text, const struct wgf_loc *loc)
{
	char name[WGQ_NAME_MAX];

	if (!p->pending[0] && wgquick_comment_name(text, name, sizeof(name))) {
		strcpy(p->pending, name);
		p->pending_loc = *loc;
	}
}

/* The pending name belongs to the section whose header follows, or else to the one it is in. */
static void take_pending(struct wgq_parser *p)
{
	if (p->pending[0])
		set_name(p, p->pending, &p->pending_loc);
	p->pending[0] = '\0';
}

static bool section_header(struct wgq_parser *p, const char *s, const struct wgf_loc *loc)
{
	struct wgquick_conf *c = p->c;

	p->seen = 0;
	if (!strcasecmp(s, "[Interface]")) {
		if (c->interface_loc.line) {
			diag_add(p->d, loc, "a second [Interface] section (the first is on line %u)", c->interface_loc.line);
			p->sec = SEC_NONE;
			return false;
		}
		p->sec = SEC_INTERFACE;
		c->interface_loc = *loc;
	} else if (!strcasecmp(s, "[Peer]")) {
		if (c->n_peers >= WGQ_MAX_PEERS) {
			diag_add(p->d, loc, "more than %u [Peer] sections", WGQ_MAX_PEERS);
			return false;
		}
		if (!grow(p, (void **)&c->peers, c->n_peers, sizeof(*c->peers)))
			return false;
		memset(&c->peers[c->n_peers], 0, sizeof(*c->peers));
		c->peers[c->n_peers++].loc = *loc;
		p->sec = SEC_PEER;
	} else {
		diag_add(p->d, loc, "unknown section %s (wg-quick has [Interface] and [Peer])", diag_quote(s));
		p->sec = SEC_NONE;
		p->pending[0] = '\0';
		return false;
	}
	take_pending(p);
	return true;
}

static bool key_line(struct wgq_parser *p, char *s, char *end, const struct wgf_loc *loc)
{
	char *eq = memchr(s, '=', (size_t)(end - s)), *k = s, *kend, *v;
	struct wgf_loc vloc = *loc;

	take_pending(p);
	if (!eq) {
		diag_add(p->d, loc, "%s is not KEY = VALUE or a [section]", diag_quote(s));
		return false;
	}
	kend = eq;
	trim(&k, &kend);
	*kend = '\0';
	v = eq + 1;
	trim(&v, &end);
	*end = '\0';
	vloc.col = loc->col + (unsigned)(v - s);
	if (p->sec == SEC_NONE) {
		diag_add(p->d, loc, "%s before any [Interface] or [Peer] section", diag_quote(k));
		return false;
	}
	for (size_t i = 0; i < sizeof(wgq_keys) / sizeof(wgq_keys[0]); i++) {
		const struct wgq_key *key = &wgq_keys[i];

		if (strcasecmp(k, key->name))
			continue;
		if (key->sec != p->sec) {
			diag_add(p->d, loc, "%s belongs in [%s], not here", key->name,
				 key->sec == SEC_PEER ? "Peer" : "Interface");
			return false;
		}
		if (key->single && (p->seen & (1ul << i)))
			diag_warn(p->d, loc, "%s given again in this section: the last one counts", key->name);
		p->seen |= 1ul << i;
		return key->parse(p, v, &vloc, key->arg);
	}
	diag_warn(p->d, loc, "unknown key %s in [%s] (ignored)", diag_quote(k), p->sec == SEC_PEER ? "Peer" : "Interface");
	return true;
}

/* One line (without its line end), in place. */
static void parse_line(struct wgq_parser *p, char *line, size_t len)
{
	struct wgf_loc loc = { p->c->file, p->line, 1 };
	char *s = line, *end = line + len, *hash;

	trim(&s, &end);
	*end = '\0';
	loc.col = 1 + (unsigned)(s - line);
	if (*s == '#') {
		comment_line(p, s + 1, &loc);
		return;
	}
	if ((hash = strchr(s, '#'))) {
		end = hash;
		trim(&s, &end);
		*end = '\0';
	}
	if (!*s)
		return;
	if (*s == '[')
		section_header(p, s, &loc);
	else
		key_line(p, s, end, &loc);
}

static void check_peers(struct wgq_parser *p)
{
	struct wgquick_conf *c = p->c;

	for (size_t i = 0; i < c->n_peers; i++) {
		const struct wgquick_peer *pe = &c->peers[i];

		if (!pe->has_public_key) {
			if (!pe->public_key_loc.line)
				diag_add(p->d, &pe->loc, "[Peer] without a PublicKey");
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (c->peers[j].has_public_key && !memcmp(c->peers[j].public_key, pe->public_key, WG_KEY_LEN)) {
				char b64[WG_KEY_B64_LEN];
				diag_add(p->d, &pe->public_key_loc, "peer %s is already in this file (line %u)",
					 key_to_base64(pe->public_key, b64), c->peers[j].loc.line);
				break;
			}
	}
	if (!c->interface_loc.line) {
		struct wgf_loc at = { c->file, 1, 1 };
		diag_add(p->d, &at, "no [Interface] section");
	}
}

/* wg-quick's rule: the interface is named after the file, NAME.conf. */
static char *ifname_from_file(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n < 6 || n > 20 || strcmp(base + n - 5, ".conf"))
		return NULL;
	n -= 5;
	if (strspn(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+.-") < n)
		return NULL;
	return strndup(base, n);
}

static bool parse_text(struct wgq_parser *p, const char *text, size_t len, char *buf)
{
	size_t pos = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len && !p->oom) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct wgf_loc at = { p->c->file, ++p->line, 1 };

		if (n > WGQ_MAX_LINE) {
			diag_add(p->d, &at, "line longer than %u bytes", WGQ_MAX_LINE);
			return false;
		}
		if (memchr(text + pos, '\0', n)) {
			diag_add(p->d, &at, "a NUL byte: this is not a text file");
			return false;
		}
		memcpy(buf, text + pos, n);
		pos += n + (nl ? 1 : 0);
		if (n && buf[n - 1] == '\r')
			n--;
		buf[n] = '\0';
		parse_line(p, buf, n);
	}
	return true;
}

bool wgquick_parse(const char *file, const char *text, size_t len, struct wgquick_conf **out, struct diag *d)
{
	struct wgq_parser p = { .d = d };
	size_t errors = d->n_errors;
	char *buf = NULL;
	bool ok = false;

	*out = NULL;
	if (!(p.c = calloc(1, sizeof(*p.c))) || !(p.c->file = strdup(file)) ||
	    !(buf = malloc(WGQ_MAX_LINE + 1)))
		goto oom;
	p.c->ifname = ifname_from_file(file);
	if (len > WGQ_MAX_SIZE) {
		struct wgf_loc at = { p.c->file, 0, 0 };
		diag_add(d, &at, "larger than %u MiB: not a wg-quick configuration", WGQ_MAX_SIZE >> 20);
		goto out;
	}
	if (!parse_text(&p, text, len, buf))
		goto out;
	if (p.oom)
		goto oom;
	take_pending(&p);
	check_peers(&p);
	ok = d->n_errors == errors && !p.oom;
	goto out;
oom:
	diag_add(d, NULL, "out of memory reading %s", diag_quote(file));
out:
	if (buf)
		sodium_memzero(buf, WGQ_MAX_LINE + 1);
	free(buf);
	if (ok)
		*out = p.c;
	else
		wgquick_conf_free(p.c);
	return ok;
}

void wgquick_conf_free(struct wgquick_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_peers; i++) {
		free(c->peers[i].name);
		free(c->peers[i].allowed_ips);
		free(c->peers[i].endpoint_host);
		sodium_memzero(c->peers[i].psk, WG_KEY_LEN);
	}
	for (size_t i = 0; i < c->n_hooks; i++)
		free(c->hooks[i].command);
	for (size_t i = 0; i < c->n_dns_search; i++)
		free(c->dns_search[i]);
	sodium_memzero(c->private_key, WG_KEY_LEN);
	free(c->peers);
	free(c->hooks);
	free(c->dns_search);
	free(c->dns_servers);
	free(c->addresses);
	free(c->table);
	free(c->name);
	free(c->ifname);
	free(c->file);
	free(c);
}

const struct wgquick_peer *wgquick_find_peer(const struct wgquick_conf *c, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < c->n_peers; i++)
		if (c->peers[i].has_public_key && !memcmp(c->peers[i].public_key, pub, WG_KEY_LEN))
			return &c->peers[i];
	return NULL;
}
