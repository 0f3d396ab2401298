#include "model/prefix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool addr_parse(const char *s, struct wgf_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, out->addr) != 1)
			return false;
		out->family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, out->addr) != 1)
			return false;
		out->family = AF_INET;
	}
	return true;
}

bool prefix_parse(const char *s, bool default_host, struct wgf_prefix *out)
{
	char buf[PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	unsigned long len;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!addr_parse(buf, out))
		return false;
	if (!slash) {
		if (!default_host)
			return false;
		out->len = (uint8_t)prefix_max_len(out->family);
		return true;
	}
	if (!parse_uint(slash + 1, prefix_max_len(out->family), &len))
		return false;
	out->len = (uint8_t)len;
	return true;
}

char *prefix_format_addr(const struct wgf_prefix *p, char *buf)
{
	if (!inet_ntop(p->family, p->addr, buf, PREFIX_STRLEN))
		snprintf(buf, PREFIX_STRLEN, "?");
	return buf;
}

char *prefix_format(const struct wgf_prefix *p, char *buf)
{
	size_t n;

	prefix_format_addr(p, buf);
	n = strlen(buf);
	snprintf(buf + n, PREFIX_STRLEN - n, "/%u", p->len);
	return buf;
}

void prefix_mask(struct wgf_prefix *p)
{
	size_t alen = prefix_addr_len(p->family);

	for (size_t i = 0; i < alen; i++) {
		unsigned bit = (unsigned)i * 8;
		if (bit >= p->len)
			p->addr[i] = 0;
		else if (bit + 8 > p->len)
			p->addr[i] &= (uint8_t)(0xff << (8 - (p->len - bit)));
	}
	memset(p->addr + alen, 0, 16 - alen);
}

struct wgf_prefix prefix_host(const struct wgf_prefix *p)
{
	struct wgf_prefix h = *p;

	h.len = (uint8_t)prefix_max_len(p->family);
	return h;
}

bool prefix_is_network(const struct wgf_prefix *p)
{
	struct wgf_prefix m = *p;

	prefix_mask(&m);
	return memcmp(m.addr, p->addr, 16) == 0;
}

bool prefix_host_all_ones(const struct wgf_prefix *p)
{
	unsigned max = prefix_max_len(p->family);

	for (unsigned bit = p->len; bit < max; bit++)
		if (!(p->addr[bit / 8] & (0x80 >> (bit % 8))))
			return false;
	return true;
}

static bool same_bits(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	/* at most 16 bytes, called per peer per host: a loop beats calling memcmp */
	for (unsigned i = 0; i < full; i++)
		if (a[i] != b[i])
			return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));
		if ((a[full] & m) != (b[full] & m))
			return false;
	}
	return true;
}

bool prefix_contains(const struct wgf_prefix *outer, const struct wgf_prefix *inner)
{
	if (outer->family != inner->family || inner->len < outer->len)
		return false;
	return same_bits(outer->addr, inner->addr, outer->len);
}

bool prefix_overlaps(const struct wgf_prefix *a, const struct wgf_prefix *b)
{
	if (a->family != b->family)
		return false;
	return same_bits(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

int prefix_cmp(const struct wgf_prefix *a, const struct wgf_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	for (size_t i = 0, n = prefix_addr_len(a->family); i < n; i++) {
		r = (int)a->addr[i] - (int)b->addr[i];
		if (r)
			return r;
	}
	return (int)a->len - (int)b->len;
}

bool prefix_equal(const struct wgf_prefix *a, const struct wgf_prefix *b)
{
	return prefix_cmp(a, b) == 0;
}

static int prefix_qsort_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static bool bit_set(const uint8_t *addr, unsigned i)
{
	return addr[i / 8] & (0x80 >> (i % 8));
}

/* a is the lower half of a prefix of which b is the upper half. */
static bool prefix_halves(const struct wgf_prefix *a, const struct wgf_prefix *b)
{
	unsigned len = a->len;

	return a->family == b->family && len && b->len == len && same_bits(a->addr, b->addr, len - 1) &&
	       !bit_set(a->addr, len - 1) && bit_set(b->addr, len - 1);
}

/* Rendering a fleet sorts thousands of addresses per host that the model already
 * lists in order: checking first is linear, sorting them again is not. */
static void prefix_sort(struct wgf_prefix *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (prefix_cmp(&v[i - 1], &v[i]) > 0) {
			qsort(v, n, sizeof(*v), prefix_qsort_cmp);
			return;
		}
}

size_t prefix_sort_unique(struct wgf_prefix *v, size_t n)
{
	size_t out = 0;

	if (n < 2)
		return n;
	prefix_sort(v, n);
	for (size_t i = 0; i < n; i++)
		if (!out || !prefix_equal(&v[out - 1], &v[i]))
			v[out++] = v[i];
	return out;
}

size_t prefix_aggregate(struct wgf_prefix *v, size_t n)
{
	size_t top = 0;

	for (size_t i = 0; i < n; i++)
		prefix_mask(&v[i]);
	prefix_sort(v, n);
	for (size_t i = 0; i < n; i++) {
		/* sorted: a prefix inside another comes after it, and after nothing that splits it */
		if (top && prefix_contains(&v[top - 1], &v[i]))
			continue;
		v[top++] = v[i];
		while (top >= 2 && prefix_halves(&v[top - 2], &v[top - 1])) {
			top--;
			v[top - 1].len--;
		}
	}
	return top;
}

#define V4(a, b, c, d, l) { AF_INET, l, { a, b, c, d } }
#define V6(l, ...) { AF_INET6, l, { __VA_ARGS__ } }

static const struct prefix_special specials[] = {
	{ V4(0, 0, 0, 0, 32), "unspecified", "it means \"any address\", nobody can send to it",
	  PREFIX_REFUSE_ENDPOINT },
	{ V4(0, 0, 0, 0, 8), "\"this network\" (RFC 1122)", "it is never a destination",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V4(127, 0, 0, 0, 8), "loopback", "it never leaves the machine",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V4(169, 254, 0, 0, 16), "link-local", "it is never routed beyond one link",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL },
	{ V4(224, 0, 0, 0, 4), "multicast", "WireGuard carries unicast only",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V4(255, 255, 255, 255, 32), "broadcast", "it is never routed", PREFIX_REFUSE_ENDPOINT },
	{ V4(240, 0, 0, 0, 4), "reserved", "hosts do not route it",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V6(128), "unspecified", "it means \"any address\", nobody can send to it",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V6(128, [15] = 1), "loopback", "it never leaves the machine",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V6(96, [10] = 0xff, [11] = 0xff), "IPv4-mapped IPv6", "Linux never routes it as IPv6: write the IPv4 form",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V6(10, 0xfe, 0x80), "link-local", "it is never routed beyond one link (and an endpoint would need a zone)",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
	{ V6(8, 0xff), "multicast", "WireGuard carries unicast only",
	  PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT },
};

const struct prefix_special *prefix_special_find(const struct wgf_prefix *p, unsigned use)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if ((specials[i].refuse & use) && prefix_overlaps(&specials[i].range, p))
			return &specials[i];
	return NULL;
}

bool prefix_is_v4mapped(const struct wgf_prefix *p)
{
	static const struct wgf_prefix mapped = V6(96, [10] = 0xff, [11] = 0xff);

	return prefix_contains(&mapped, p);
}

bool endpoint_parse(const char *s, struct wgf_endpoint *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	size_t n;
	unsigned long p;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return false;
		n = (size_t)(end - s - 1);
		if (n == 0 || n >= sizeof(host))
			return false;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, out->addr) != 1)
			return false;
		out->family = AF_INET6;
		port = end + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon)
			return false;
		n = (size_t)(colon - s);
		if (n == 0 || n >= sizeof(host))
			return false;
		memcpy(host, s, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, out->addr) != 1)
			return false;
		out->family = AF_INET;
		port = colon + 1;
	}
	if (!parse_uint(port, 65535, &p) || p == 0)
		return false;
	out->port = (uint16_t)p;
	return true;
}

char *endpoint_format(const struct wgf_endpoint *e, char *buf)
{
	char a[INET6_ADDRSTRLEN];

	if (!e->family || !inet_ntop(e->family, e->addr, a, sizeof(a))) {
		snprintf(buf, ENDPOINT_STRLEN, "(none)");
		return buf;
	}
	if (e->family == AF_INET6)
		snprintf(buf, ENDPOINT_STRLEN, "[%s]:%u", a, e->port);
	else
		snprintf(buf, ENDPOINT_STRLEN, "%s:%u", a, e->port);
	return buf;
}

struct wgf_prefix endpoint_prefix(const struct wgf_endpoint *e)
{
	struct wgf_prefix p = { .family = e->family, .len = (uint8_t)prefix_max_len(e->family) };

	memcpy(p.addr, e->addr, sizeof(p.addr));
	return p;
}

bool endpoint_equal(const struct wgf_endpoint *a, const struct wgf_endpoint *b)
{
	if (a->family != b->family)
		return false;
	if (!a->family)
		return true;
	return a->port == b->port && !memcmp(a->addr, b->addr, prefix_addr_len(a->family));
}

void endpoint_to_sockaddr(const struct wgf_endpoint *e, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(e->port);
		memcpy(&s6->sin6_addr, e->addr, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(e->port);
		memcpy(&s4->sin_addr, e->addr, 4);
		*len = sizeof(*s4);
	}
}

bool endpoint_from_sockaddr(const struct sockaddr *sa, struct wgf_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		out->port = ntohs(s4->sin_port);
		memcpy(out->addr, &s4->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		out->family = AF_INET6;
		out->port = ntohs(s6->sin6_port);
		memcpy(out->addr, &s6->sin6_addr, 16);
		return true;
	}
	return false;
}

static int subtract_push(struct wgf_prefix **out, size_t *n, const struct wgf_prefix *p)
{
	struct wgf_prefix *v;

	if ((*n & (*n - 1)) == 0) {   /* capacity doubles at powers of two */
		v = realloc(*out, (*n ? 2 * *n : 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		*out = v;
	}
	(*out)[(*n)++] = *p;
	return 0;
}

int prefix_subtract(const struct wgf_prefix *from, const struct wgf_prefix *minus, size_t n_minus,
		    struct wgf_prefix **out, size_t *n)
{
	struct wgf_prefix half = *from;
	bool partial = false;
	int r;

	prefix_mask(&half);
	for (size_t i = 0; i < n_minus; i++) {
		if (minus[i].family != from->family || !prefix_overlaps(&minus[i], &half))
			continue;
		if (prefix_contains(&minus[i], &half))
			return 0;
		partial = true;
	}
	if (!partial)
		return subtract_push(out, n, &half);
	half.len++;
	r = prefix_subtract(&half, minus, n_minus, out, n);
	if (r < 0)
		return r;
	half.addr[(half.len - 1) / 8] |= (uint8_t)(0x80 >> ((half.len - 1) % 8));
	return prefix_subtract(&half, minus, n_minus, out, n);
}
