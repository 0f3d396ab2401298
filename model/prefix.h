/* IP prefixes and endpoints: parsing, formatting, containment, overlap. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PREFIX_STRLEN 50   /* "ffff:...:ffff/128" + NUL, rounded up */
#define ENDPOINT_STRLEN 56 /* "[v6]:65535" + NUL */

struct wgf_prefix {
	uint8_t family;        /* AF_INET or AF_INET6 */
	uint8_t len;           /* prefix length */
	uint8_t addr[16];      /* network byte order; v4 uses the first 4 bytes, rest zero */
};

struct wgf_endpoint {
	uint8_t family;        /* AF_INET, AF_INET6, or 0 for none */
	uint16_t port;         /* host byte order */
	uint8_t addr[16];
};

/* "10.0.0.1/24", "fd00::1/64"; with default_host, a bare address gets /32 or /128.
 * Host bits are kept (interface addresses need them). */
bool prefix_parse(const char *s, bool default_host, struct wgf_prefix *out);
/* Writes "addr/len" into buf (PREFIX_STRLEN). Returns buf. */
char *prefix_format(const struct wgf_prefix *p, char *buf);
/* Writes only the address part. */
char *prefix_format_addr(const struct wgf_prefix *p, char *buf);
/* Clears the host bits. */
void prefix_mask(struct wgf_prefix *p);
/* The address as a full-length host prefix (/32 or /128). */
struct wgf_prefix prefix_host(const struct wgf_prefix *p);
/* True if host bits beyond len are zero. */
bool prefix_is_network(const struct wgf_prefix *p);
/* True if the host bits beyond len are all ones (an IPv4 broadcast address). */
bool prefix_host_all_ones(const struct wgf_prefix *p);
/* True if inner (its network part) lies inside outer's network. */
bool prefix_contains(const struct wgf_prefix *outer, const struct wgf_prefix *inner);
/* True if the two prefixes' networks share any address. */
bool prefix_overlaps(const struct wgf_prefix *a, const struct wgf_prefix *b);
/* Total order: family, address, length. */
int prefix_cmp(const struct wgf_prefix *a, const struct wgf_prefix *b);
bool prefix_equal(const struct wgf_prefix *a, const struct wgf_prefix *b);
/* Sorts v (prefix_cmp) and drops repeats, in place; returns the new count. */
size_t prefix_sort_unique(struct wgf_prefix *v, size_t n);
/* The fewest network prefixes covering exactly the addresses v (masked) covers:
 * sorted, without those inside another, two halves merged into their parent.
 * In place; returns the new count. */
size_t prefix_aggregate(struct wgf_prefix *v, size_t n);
/* The network prefixes covering from minus every prefix of minus (the
 * AllowedIPs calculator's "everything but"), in address order, appended to
 * *out and *n, which start as NULL and 0 (or hold only what earlier calls put
 * there: the array grows at powers of two). 0 or -ENOMEM. */
int prefix_subtract(const struct wgf_prefix *from, const struct wgf_prefix *minus, size_t n_minus,
		    struct wgf_prefix **out, size_t *n);
static inline size_t prefix_addr_len(uint8_t family) { return family == AF_INET6 ? 16 : 4; }
static inline unsigned prefix_max_len(uint8_t family) { return family == AF_INET6 ? 128 : 32; }

/* Special-purpose address ranges (RFC 6890 and friends) that wgf refuses,
 * and for which uses. A LAN or pool is refused when it overlaps one, an
 * endpoint or public address when it lies inside one. */
#define PREFIX_REFUSE_LAN      0x1   /* lans: routed into the tunnel */
#define PREFIX_REFUSE_POOL     0x2   /* addressPools: tunnel addresses */
#define PREFIX_REFUSE_ENDPOINT 0x4   /* endpoints, publicAddresses: where packets are sent */

struct prefix_special {
	struct wgf_prefix range;
	const char *name;              /* "loopback", "multicast", ... */
	const char *why;               /* the reason, for the message */
	unsigned refuse;               /* PREFIX_REFUSE_* */
};

/* The first special range refused for use (PREFIX_REFUSE_*) that p overlaps, or NULL. */
const struct prefix_special *prefix_special_find(const struct wgf_prefix *p, unsigned use);
/* An IPv4-mapped IPv6 prefix (inside ::ffff:0:0/96)? */
bool prefix_is_v4mapped(const struct wgf_prefix *p);

/* "192.0.2.1:51820", "[2001:db8::1]:51820" (numeric only). */
bool endpoint_parse(const char *s, struct wgf_endpoint *out);
char *endpoint_format(const struct wgf_endpoint *e, char *buf);
/* The endpoint's address as a /32 or /128 prefix. */
struct wgf_prefix endpoint_prefix(const struct wgf_endpoint *e);
bool endpoint_equal(const struct wgf_endpoint *a, const struct wgf_endpoint *b);
void endpoint_to_sockaddr(const struct wgf_endpoint *e, struct sockaddr_storage *ss, socklen_t *len);
bool endpoint_from_sockaddr(const struct sockaddr *sa, struct wgf_endpoint *out);
