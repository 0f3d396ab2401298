#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/inventory.h"

struct inv_line {
	const char *file;
	unsigned line;
	const char *start;             /* of the line, for columns */
};

static int bad(const struct inv_line *l, const char *at, struct wgf_error *err, const char *what)
{
	return wgf_error_set(err, -EBADMSG, "%s:%u:%u: %s", l->file, l->line, (unsigned)(at - l->start) + 1, what);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.';
}

/* A run of name characters that does not start with '-' (it would be an option
 * on the far side). */
static size_t name_len(const char *s, const char *end)
{
	size_t n = 0;

	while (s + n < end && name_char(s[n]))
		n++;
	return n > 0 && s[0] != '-' ? n : 0;
}

static int dup_field(char **out, const char *s, size_t n)
{
	*out = strndup(s, n);
	return *out ? 0 : -ENOMEM;
}

/* "user@address[:port]" from s to end into h. */
static int parse_target(const struct inv_line *l, const char *s, const char *end, struct inventory_host *h,
			struct wgf_error *err)
{
	const char *at = memchr(s, '@', (size_t)(end - s)), *a, *p = NULL;
	size_t un, an;

	if (!at)
		return bad(l, s, err, "expected user@address[:port] after the Host's name");
	un = name_len(s, at);
	if (un == 0 || un != (size_t)(at - s))
		return bad(l, s + un, err, "a user name is letters, digits, '.', '_' and '-' (not first)");
	a = at + 1;
	if (a < end && *a == '[') {
		const char *rb = memchr(a, ']', (size_t)(end - a));
		a++;
		if (!rb)
			return bad(l, a - 1, err, "an IPv6 address in brackets has no ']'");
		for (an = 0; a + an < rb; an++)
			if (!strchr("0123456789abcdefABCDEF:.", a[an]))
				return bad(l, a + an, err, "not a character of an IPv6 address");
		p = rb + 1 < end ? rb + 1 : NULL;
		if (p && *p != ':')
			return bad(l, p, err, "expected ':port' after ']'");
	} else {
		an = name_len(a, end);
		p = a + an < end ? a + an : NULL;
		if (p && *p != ':')
			return bad(l, p, err, "an address is a DNS name, an IPv4 address or an IPv6 address in brackets");
	}
	if (an == 0 || an > INVENTORY_NAME_MAX)
		return bad(l, a, err, an ? "the address is too long" : "the address is empty");
	h->port = 22;
	if (p) {
		unsigned long v = 0;
		const char *d = p + 1;

		if (d == end)
			return bad(l, d, err, "expected a port number after ':'");
		for (; d < end; d++)
			if (*d < '0' || *d > '9' || (v = v * 10 + (unsigned long)(*d - '0')) > 65535)
				return bad(l, d, err, "a port is a number from 1 to 65535");
		if (v == 0)
			return bad(l, p + 1, err, "a port is a number from 1 to 65535");
		h->port = (unsigned)v;
	}
	if (dup_field(&h->user, s, un) < 0 || dup_field(&h->address, a, an) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	return 0;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One line (without its '\n'); a host line appends to inv. */
static int parse_line(const struct inv_line *l, const char *end, struct inventory *inv, struct wgf_error *err)
{
	const char *s = l->start, *t;
	struct inventory_host *h;
	size_t n;
	int r;

	while (s < end && blank(*s))
		s++;
	if (s == end || *s == '#')
		return 0;
	n = name_len(s, end);
	if (n == 0 || n > INVENTORY_NAME_MAX || (s + n < end && !blank(s[n])))
		return bad(l, s + n, err, n > INVENTORY_NAME_MAX ? "the Host's name is too long" :
			   "a Host's name is letters, digits, '.', '_' and '-' (not first)");
	for (size_t i = 0; i < inv->n; i++)
		if (strlen(inv->hosts[i].name) == n && !memcmp(inv->hosts[i].name, s, n))
			return wgf_error_set(err, -EBADMSG, "%s:%u:1: Host \"%s\" is listed twice (first on line %u)",
					     l->file, l->line, inv->hosts[i].name, inv->hosts[i].line);
	if (inv->n == INVENTORY_MAX_HOSTS)
		return bad(l, s, err, "too many Hosts");
	h = &inv->hosts[inv->n];
	memset(h, 0, sizeof(*h));
	h->line = l->line;
	inv->n++;
	if (dup_field(&h->name, s, n) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	for (s += n; s < end && blank(*s); s++)
		;
	if (s == end)
		return bad(l, s, err, "expected user@address[:port] after the Host's name");
	for (t = s; t < end && !blank(*t); t++)
		;
	r = parse_target(l, s, t, h, err);
	if (r < 0)
		return r;
	while (t < end && blank(*t))
		t++;
	if (t < end && *t != '#')
		return bad(l, t, err, "unexpected text after the address (a comment starts with '#')");
	return 0;
}

int inventory_parse(const char *text, size_t len, const char *file, struct inventory *inv, struct wgf_error *err)
{
	const char *p = text, *end = text + len;
	struct inv_line l = { file, 0, NULL };
	size_t cap = 0;
	int r = 0;

	memset(inv, 0, sizeof(*inv));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end, *nul;

		l.line++;
		l.start = p;
		if ((nul = memchr(p, '\0', (size_t)(eol - p)))) {
			r = bad(&l, nul, err, "a NUL byte: not a text file");
			goto out;
		}
		if (eol > p && eol[-1] == '\r')
			eol--;
		if (inv->n == cap) {
			struct inventory_host *v;

			cap = cap ? cap * 2 : 16;
			if (!(v = realloc(inv->hosts, cap * sizeof(*v)))) {
				r = wgf_error_set(err, -ENOMEM, NULL);
				goto out;
			}
			inv->hosts = v;
		}
		r = parse_line(&l, eol, inv, err);
		if (r < 0)
			goto out;
		p = nl ? nl + 1 : end;
	}
out:
	if (r < 0)
		inventory_clear(inv);
	return r;
}

const struct inventory_host *inventory_find(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n; i++)
		if (!strcmp(inv->hosts[i].name, name))
			return &inv->hosts[i];
	return NULL;
}

void inventory_clear(struct inventory *inv)
{
	for (size_t i = 0; inv->hosts && i < inv->n; i++) {
		free(inv->hosts[i].name);
		free(inv->hosts[i].user);
		free(inv->hosts[i].address);
	}
	free(inv->hosts);
	memset(inv, 0, sizeof(*inv));
}
