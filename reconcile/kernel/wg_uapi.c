/* WireGuard userspace backend: the cross-platform UAPI text protocol over
 * WG_UAPI_DIR/<ifname>.sock (what wireguard-go serves). */
#include "reconcile/kernel/wg_uapi.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define UAPI_TIMEOUT_SEC 30
#define UAPI_BUF_INITIAL (64 * 1024)

static int uapi_connect(const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_SEC };
	int fd, r;

	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	r = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", WG_UAPI_DIR, ifname);
	if (r < 0 || (size_t)r >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A wedged daemon must not hang a reconcile forever. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		/* A stale socket file (daemon gone) is as absent as no file. */
		r = (errno == ENOENT || errno == ECONNREFUSED) ? -ENODEV : -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int uapi_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Replaces *buf by a buffer of new_cap bytes; the old one is zeroed because it
 * may hold a private key. */
static int secure_grow(char **buf, size_t len, size_t *cap, size_t new_cap)
{
	char *p = malloc(new_cap);

	if (!p)
		return -ENOMEM;
	if (*buf) {
		memcpy(p, *buf, len);
		sodium_memzero(*buf, *cap);
		free(*buf);
	}
	*buf = p;
	*cap = new_cap;
	return 0;
}

/* Reads one reply: it ends at its only blank line ("…errno=N\n\n"), so the
 * buffer ending in "\n\n" is the end. The result is NUL-terminated. */
static int uapi_read_reply(int fd, char **out, size_t *out_len, size_t *out_cap)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	r = secure_grow(&buf, 0, &cap, UAPI_BUF_INITIAL);
	if (r < 0)
		goto out;
	for (;;) {
		ssize_t n;

		if (cap - len < UAPI_BUF_INITIAL / 2) {
			r = secure_grow(&buf, len, &cap, cap * 2);
			if (r < 0)
				goto out;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		if (n == 0) {
			r = -ECONNRESET;
			goto out;
		}
		len += (size_t)n;
		if (len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n')
			break;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	*out_cap = cap;
	buf = NULL;
	r = 0;
out:
	if (buf) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	return r;
}

static bool parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_errno(const char *s, size_t len, int *out)
{
	bool neg = len > 0 && s[0] == '-';
	uint64_t v;

	if (!parse_u64(s + neg, len - neg, 4095, &v))
		return false;
	*out = (int)v;
	return true;
}

/* A "get" reply being read: the device, the peer its lines are about now. */
struct get_reply {
	struct hs_device dev;
	struct hs_peer *peer;
	bool got_errno;
	int err;
};

#define KEY_IS(k) (klen == sizeof(k) - 1 && !memcmp(key, k, sizeof(k) - 1))

/* A line about the current peer: 1 when key is one, 0 when not, or -EPROTO/-ENOMEM. */
static int get_peer_line(struct get_reply *g, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct hs_peer *peer = g->peer;
	struct wgf_prefix pfx;
	uint64_t v;

	if (KEY_IS("allowed_ip")) {
		if (!peer || !prefix_parse(val, false, &pfx))
			return -EPROTO;
		return hs_peer_add_allowed_ip(peer, &pfx) < 0 ? -ENOMEM : 1;
	} else if (KEY_IS("preshared_key")) {
		if (!peer || !key_from_hex(val, vlen, peer->psk))
			return -EPROTO;
		peer->has_psk = !key_is_zero(peer->psk);
	} else if (KEY_IS("endpoint")) {
		if (!peer)
			return -EPROTO;
		/* A scoped link-local endpoint ("[fe80::1%eth0]:51820") has no
		 * place in wgf_endpoint: observe it as none rather than fail. */
		if (!endpoint_parse(val, &peer->endpoint))
			memset(&peer->endpoint, 0, sizeof(peer->endpoint));
	} else if (KEY_IS("persistent_keepalive_interval")) {
		if (!peer || !parse_u64(val, vlen, UINT16_MAX, &v))
			return -EPROTO;
		peer->keepalive = (uint16_t)v;
	} else if (KEY_IS("last_handshake_time_sec")) {
		if (!peer || !parse_u64(val, vlen, INT64_MAX, &v))
			return -EPROTO;
		peer->last_handshake_sec = (int64_t)v;
	} else if (KEY_IS("rx_bytes") || KEY_IS("tx_bytes")) {
		if (!peer || !parse_u64(val, vlen, UINT64_MAX, &v))
			return -EPROTO;
		if (key[0] == 'r')
			peer->rx_bytes = v;
		else
			peer->tx_bytes = v;
	} else {
		return 0;
	}
	return 1;
}

/* A line about the device (which must come before any peer), a new peer, or
 * the errno; anything else (protocol_version, last_handshake_time_nsec, …) is
 * ignored. 0 or -EPROTO/-ENOMEM. */
static int get_line(struct get_reply *g, const char *key, size_t klen, const char *val, size_t vlen)
{
	uint64_t v;
	int r = get_peer_line(g, key, klen, val, vlen);

	if (r)
		return r < 0 ? r : 0;
	if (KEY_IS("public_key")) {
		g->peer = hs_device_add_peer(&g->dev);
		if (!g->peer)
			return -ENOMEM;
		if (!key_from_hex(val, vlen, g->peer->public_key))
			return -EPROTO;
	} else if (KEY_IS("private_key")) {
		if (g->peer || !key_from_hex(val, vlen, g->dev.private_key))
			return -EPROTO;
		g->dev.has_private_key = !key_is_zero(g->dev.private_key);
	} else if (KEY_IS("listen_port")) {
		if (g->peer || !parse_u64(val, vlen, UINT16_MAX, &v))
			return -EPROTO;
		g->dev.listen_port = (uint16_t)v;
	} else if (KEY_IS("fwmark")) {
		if (g->peer || !parse_u64(val, vlen, UINT32_MAX, &v))
			return -EPROTO;
		g->dev.fwmark = (uint32_t)v;
	} else if (KEY_IS("errno")) {
		if (!parse_errno(val, vlen, &g->err))
			return -EPROTO;
		g->got_errno = true;
	}
	return 0;
}

#undef KEY_IS

int wg_uapi_parse_get(char *buf, size_t len, struct hs_device *out)
{
	struct get_reply g = { 0 };
	char *p = buf, *end = buf + len;
	int r = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;

		if (!nl) {
			r = -EPROTO;
			goto out;
		}
		if (nl == p)
			break;
		*nl = '\0';
		eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq) {
			r = -EPROTO;
			goto out;
		}
		r = get_line(&g, p, (size_t)(eq - p), eq + 1, (size_t)(nl - eq - 1));
		if (r < 0)
			goto out;
		p = nl + 1;
	}
	if (!g.got_errno) {
		r = -EPROTO;
		goto out;
	}
	if (g.err) {
		r = -abs(g.err);
		goto out;
	}
	r = wg_device_take(out, &g.dev, HS_BACKEND_USERSPACE);
out:
	hs_device_clear(&g.dev);
	return r;
}

int wg_uapi_get_device(const char *ifname, struct hs_device *out)
{
	static const char req[] = "get=1\n\n";
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, r;

	fd = uapi_connect(ifname);
	if (fd < 0)
		return fd;
	r = uapi_write_all(fd, req, sizeof(req) - 1);
	if (r < 0)
		goto out;
	r = uapi_read_reply(fd, &buf, &len, &cap);
	if (r < 0)
		goto out;
	r = wg_uapi_parse_get(buf, len, out);
out:
	if (buf) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	close(fd);
	return r;
}

struct strbuf {
	char *buf;
	size_t len, cap;
};

/* The caller sized the buffer for the worst case; overflowing it is a bug. */
static __attribute__((format(printf, 2, 3))) int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->cap - sb->len)
		return -ENOBUFS;
	sb->len += (size_t)n;
	return 0;
}

static int sb_put_key(struct strbuf *sb, const char *name, const uint8_t key[WG_KEY_LEN])
{
	char hex[WG_KEY_HEX_LEN];
	int r;

	key_to_hex(key, hex);
	r = sb_printf(sb, "%s=%s\n", name, hex);
	sodium_memzero(hex, sizeof(hex));
	return r;
}

static size_t set_size_bound(const struct wg_device_set *s)
{
	/* Longest device part: "set=1\n", private_key=64 hex, listen_port, fwmark. */
	size_t n = 6 + 12 + 64 + 1 + 18 + 18 + 2;

	for (size_t i = 0; i < s->n_peers; i++) {
		/* public_key, update_only, preshared_key, endpoint, keepalive, replace */
		n += 76 + 17 + 79 + 10 + ENDPOINT_STRLEN + 37 + 25;
		if (s->peers[i].peer)
			n += s->peers[i].peer->n_allowed_ips * (11 + PREFIX_STRLEN + 1);
	}
	return n;
}

static int build_peer(struct strbuf *sb, const struct wg_peer_set *ps)
{
	static const uint8_t zero[WG_KEY_LEN];
	const struct hs_peer *p = ps->peer;
	char tmp[PREFIX_STRLEN > ENDPOINT_STRLEN ? PREFIX_STRLEN : ENDPOINT_STRLEN];
	int r;

	r = sb_put_key(sb, "public_key", p->public_key);
	if (r < 0)
		return r;
	if (ps->remove)
		return sb_printf(sb, "remove=true\n");
	if (ps->update_only && (r = sb_printf(sb, "update_only=true\n")) < 0)
		return r;
	if (ps->send.set_psk && (r = sb_put_key(sb, "preshared_key", p->has_psk ? p->psk : zero)) < 0)
		return r;
	if (ps->send.set_endpoint && p->endpoint.family &&
	    (r = sb_printf(sb, "endpoint=%s\n", endpoint_format(&p->endpoint, tmp))) < 0)
		return r;
	if (ps->send.set_keepalive &&
	    (r = sb_printf(sb, "persistent_keepalive_interval=%u\n", p->keepalive)) < 0)
		return r;
	if (!ps->send.replace_allowed_ips)
		return 0;
	if ((r = sb_printf(sb, "replace_allowed_ips=true\n")) < 0)
		return r;
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		if ((r = sb_printf(sb, "allowed_ip=%s\n", prefix_format(&p->allowed_ips[i], tmp))) < 0)
			return r;
	return 0;
}

int wg_uapi_build_set(const struct wg_device_set *s, char **out, size_t *out_len)
{
	struct strbuf sb = { 0 };
	int r;

	*out = NULL;
	*out_len = 0;
	for (size_t i = 0; i < s->n_peers; i++)
		if (!s->peers[i].peer)
			return -EINVAL;
	if (s->send.set_private_key && !s->private_key)
		return -EINVAL;
	sb.cap = set_size_bound(s);
	sb.buf = malloc(sb.cap);
	if (!sb.buf)
		return -ENOMEM;
	r = sb_printf(&sb, "set=1\n");
	if (r == 0 && s->send.set_private_key)
		r = sb_put_key(&sb, "private_key", s->private_key);
	if (r == 0 && s->send.set_listen_port)
		r = sb_printf(&sb, "listen_port=%u\n", s->listen_port);
	if (r == 0 && s->send.set_fwmark)
		r = sb_printf(&sb, "fwmark=%u\n", s->fwmark);
	for (size_t i = 0; r == 0 && i < s->n_peers; i++)
		r = build_peer(&sb, &s->peers[i]);
	if (r == 0)
		r = sb_printf(&sb, "\n");
	if (r < 0) {
		sodium_memzero(sb.buf, sb.cap);
		free(sb.buf);
		return r;
	}
	*out = sb.buf;
	*out_len = sb.len;
	return 0;
}

int wg_uapi_parse_set_reply(const char *buf, size_t len)
{
	static const char pfx[] = "errno=";
	const char *nl;
	int err;

	/* The reply is exactly "errno=N\n\n". */
	if (len < sizeof(pfx) + 1 || memcmp(buf, pfx, sizeof(pfx) - 1))
		return -EPROTO;
	nl = memchr(buf, '\n', len);
	if (!nl || !parse_errno(buf + sizeof(pfx) - 1, (size_t)(nl - buf) - (sizeof(pfx) - 1), &err))
		return -EPROTO;
	return -abs(err);
}

int wg_uapi_set_device(const char *ifname, const struct wg_device_set *s)
{
	char *req = NULL, *reply = NULL;
	size_t req_len = 0, reply_len = 0, reply_cap = 0;
	int fd = -1, r, wr;

	if (!s->send.set_private_key && !s->send.set_listen_port && !s->send.set_fwmark && !s->n_peers)
		return wg_ifname_valid(ifname) ? 0 : -EINVAL;
	r = wg_uapi_build_set(s, &req, &req_len);
	if (r < 0)
		goto out;
	fd = uapi_connect(ifname);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	/* wireguard-go answers only after the blank line, or right away on a bad
	 * line, after which it closes: then the write fails and the reply is
	 * already waiting. */
	wr = uapi_write_all(fd, req, req_len);
	r = uapi_read_reply(fd, &reply, &reply_len, &reply_cap);
	if (r == 0)
		r = wg_uapi_parse_set_reply(reply, reply_len);
	else if (wr < 0)
		r = wr;
out:
	if (req) {
		sodium_memzero(req, req_len);
		free(req);
	}
	free(reply);
	if (fd >= 0)
		close(fd);
	return r;
}
