/* WireGuard kernel backend: the "wireguard" generic netlink family via libmnl. */
#include "reconcile/kernel/wg_genl.h"

#include <errno.h>
#include <limits.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GET_DUMP_ATTEMPTS 8

struct genl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
};

/* The errno in an NLMSG_ERROR or NLMSG_DONE payload, as a negative errno (a
 * value no errno has is a malformed reply). */
static int reply_errno(int err)
{
	if (err < -4095 || err > 4095)
		return -EPROTO;
	return err < 0 ? err : -err;
}

/* Shared by the data and control callbacks of one request. */
struct genl_reply {
	int error;                 /* negative errno from NLMSG_ERROR / NLMSG_DONE / parsing */
	uint16_t family;           /* CTRL_CMD_GETFAMILY answer */
	struct hs_device *dev;     /* WG_CMD_GET_DEVICE target */
};

static int ctl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct genl_reply *rep = data;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		rep->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error) {
		rep->error = reply_errno(e->error);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* libmnl's default DONE handler drops the error code WireGuard's dump leaves there. */
static int ctl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_reply *rep = data;
	int err = 0;

	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err) {
		rep->error = reply_errno(err);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = ctl_error_cb,
	[NLMSG_DONE] = ctl_done_cb,
};

static void genl_close(struct genl *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	g->nl = NULL;
}

static int genl_open(struct genl *g)
{
	memset(g, 0, sizeof(*g));
	g->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!g->nl)
		return -errno;
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		genl_close(g);
		return r;
	}
	g->portid = mnl_socket_get_portid(g->nl);
	g->seq = (uint32_t)time(NULL);
	return 0;
}

/* libmnl 1.0.4 compares a message's length with what is left of the buffer as
 * an int: a length of 2 GiB or more passes and is read far past the buffer.
 * True when every message libmnl would look at fits. */
static bool msgs_fit(const void *buf, size_t len)
{
	const char *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step = MNL_ALIGN((size_t)nlh->nlmsg_len);

		if (nlh->nlmsg_len > len)
			return nlh->nlmsg_len <= INT_MAX;   /* libmnl stops here */
		if (nlh->nlmsg_len < sizeof(struct nlmsghdr) || step >= len)
			return true;
		p += step;
		len -= step;
	}
	return true;
}

/* One received buffer: 1 when more follow, 0 when the reply is complete (ACK,
 * error or DONE), or a negative errno. */
static int genl_run(const void *buf, size_t len, uint32_t seq, uint32_t portid, mnl_cb_t data_cb,
		    struct genl_reply *rep)
{
	int r;

	if (!msgs_fit(buf, len))
		return -EPROTO;
	errno = 0;
	r = mnl_cb_run2(buf, len, seq, portid, data_cb, rep, ctl_cbs, NLMSG_MIN_TYPE);
	if (r < 0)
		/* libmnl reports NLM_F_DUMP_INTR as EINTR */
		return rep->error ? rep->error : errno ? -errno : -EPROTO;
	return r == MNL_CB_STOP ? 0 : 1;
}

/* Receives until the reply to seq is complete (ACK, error or DONE). */
static int genl_recv(struct genl *g, uint32_t seq, mnl_cb_t data_cb, struct genl_reply *rep)
{
	char *buf = malloc(MNL_SOCKET_DUMP_SIZE);
	int r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(g->nl, buf, MNL_SOCKET_DUMP_SIZE);
		if (n < 0) {
			r = -errno;
			break;
		}
		r = genl_run(buf, (size_t)n, seq, g->portid, data_cb, rep);
		if (r <= 0)
			break;
	}
	/* a device dump carries the private key */
	sodium_memzero(buf, MNL_SOCKET_DUMP_SIZE);
	free(buf);
	return r;
}

static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct genl_reply *rep = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		rep->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

static int genl_resolve(struct genl *g)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genl_reply rep = { 0 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	int r;

	memset(buf, 0, sizeof(buf));   /* attribute padding goes to the kernel as is */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++g->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = CTRL_CMD_GETFAMILY;
	gh->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	r = genl_recv(g, nlh->nlmsg_seq, family_cb, &rep);
	if (r < 0)
		return r;
	if (!rep.family)
		return -ENOENT;
	g->family = rep.family;
	return 0;
}

/* Opens a socket and resolves the family; without the module the device can't
 * exist, so callers see -ENODEV. */
static int genl_open_wg(struct genl *g)
{
	int r = genl_open(g);

	if (r < 0)
		return r;
	r = genl_resolve(g);
	if (r < 0) {
		genl_close(g);
		return r == -ENOENT ? -ENODEV : r;
	}
	return 0;
}

int wg_genl_resolve_family(uint16_t *family_id)
{
	struct genl g;
	int r = genl_open(&g);

	if (r < 0)
		return r;
	r = genl_resolve(&g);
	if (r == 0)
		*family_id = g.family;
	genl_close(&g);
	return r;
}

/* ---- get ---- */

struct attr_table {
	const struct nlattr **tb;
	unsigned max;
};

static int table_cb(const struct nlattr *a, void *data)
{
	const struct attr_table *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int parse_nested(const struct nlattr *a, const struct nlattr **tb, unsigned max)
{
	struct attr_table t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(a, table_cb, &t) < 0 ? -EPROTO : 0;
}

static int parse_allowed_ip(const struct nlattr *a, void *data)
{
	const struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	struct hs_peer *peer = data;
	struct wgf_prefix pfx = { 0 };
	uint16_t family;

	if (parse_nested(a, tb, WGALLOWEDIP_A_MAX) < 0 ||
	    !tb[WGALLOWEDIP_A_FAMILY] || mnl_attr_validate(tb[WGALLOWEDIP_A_FAMILY], MNL_TYPE_U16) ||
	    !tb[WGALLOWEDIP_A_IPADDR] ||
	    !tb[WGALLOWEDIP_A_CIDR_MASK] || mnl_attr_validate(tb[WGALLOWEDIP_A_CIDR_MASK], MNL_TYPE_U8))
		return MNL_CB_ERROR;
	family = mnl_attr_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
	if (family != AF_INET && family != AF_INET6)
		return MNL_CB_OK;
	pfx.family = (uint8_t)family;
	pfx.len = mnl_attr_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]);
	if (mnl_attr_get_payload_len(tb[WGALLOWEDIP_A_IPADDR]) != prefix_addr_len(pfx.family) ||
	    pfx.len > prefix_max_len(pfx.family))
		return MNL_CB_ERROR;
	memcpy(pfx.addr, mnl_attr_get_payload(tb[WGALLOWEDIP_A_IPADDR]), prefix_addr_len(pfx.family));
	return hs_peer_add_allowed_ip(peer, &pfx) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static bool attr_is_key(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == WG_KEY_LEN;
}

static int parse_peer(const struct nlattr *a, void *data)
{
	const struct nlattr *tb[WGPEER_A_MAX + 1];
	struct hs_device *dev = data;
	struct hs_peer *peer;
	const uint8_t *pub;

	if (parse_nested(a, tb, WGPEER_A_MAX) < 0 || !tb[WGPEER_A_PUBLIC_KEY] || !attr_is_key(tb[WGPEER_A_PUBLIC_KEY]))
		return MNL_CB_ERROR;
	pub = mnl_attr_get_payload(tb[WGPEER_A_PUBLIC_KEY]);
	/* The kernel splits a peer with many allowed IPs across messages; each
	 * continuation repeats only the public key. */
	if (dev->n_peers && !memcmp(dev->peers[dev->n_peers - 1].public_key, pub, WG_KEY_LEN)) {
		peer = &dev->peers[dev->n_peers - 1];
	} else {
		peer = hs_device_add_peer(dev);
		if (!peer)
			return MNL_CB_ERROR;
		memcpy(peer->public_key, pub, WG_KEY_LEN);
	}
	if (tb[WGPEER_A_PRESHARED_KEY]) {
		if (!attr_is_key(tb[WGPEER_A_PRESHARED_KEY]))
			return MNL_CB_ERROR;
		memcpy(peer->psk, mnl_attr_get_payload(tb[WGPEER_A_PRESHARED_KEY]), WG_KEY_LEN);
		peer->has_psk = !key_is_zero(peer->psk);
	}
	if (tb[WGPEER_A_ENDPOINT]) {
		const struct sockaddr *sa = mnl_attr_get_payload(tb[WGPEER_A_ENDPOINT]);
		uint16_t len = mnl_attr_get_payload_len(tb[WGPEER_A_ENDPOINT]);
		if ((len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) ||
		    (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)) {
			struct sockaddr_storage ss = { 0 };
			memcpy(&ss, sa, len);
			/* as the UAPI backend does: what wgf_endpoint cannot say (a
			 * scoped link-local address) or endpoint_parse refuses (port 0)
			 * is observed as none */
			if (!endpoint_from_sockaddr((struct sockaddr *)&ss, &peer->endpoint) ||
			    peer->endpoint.port == 0 ||
			    (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_scope_id))
				memset(&peer->endpoint, 0, sizeof(peer->endpoint));
		}
	}
	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) {
		if (mnl_attr_validate(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], MNL_TYPE_U16))
			return MNL_CB_ERROR;
		peer->keepalive = mnl_attr_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	}
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME]) {
		struct __kernel_timespec ts;
		if (mnl_attr_get_payload_len(tb[WGPEER_A_LAST_HANDSHAKE_TIME]) != sizeof(ts))
			return MNL_CB_ERROR;
		memcpy(&ts, mnl_attr_get_payload(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		peer->last_handshake_sec = ts.tv_sec;
	}
	if (tb[WGPEER_A_RX_BYTES]) {
		if (mnl_attr_validate(tb[WGPEER_A_RX_BYTES], MNL_TYPE_U64))
			return MNL_CB_ERROR;
		peer->rx_bytes = mnl_attr_get_u64(tb[WGPEER_A_RX_BYTES]);
	}
	if (tb[WGPEER_A_TX_BYTES]) {
		if (mnl_attr_validate(tb[WGPEER_A_TX_BYTES], MNL_TYPE_U64))
			return MNL_CB_ERROR;
		peer->tx_bytes = mnl_attr_get_u64(tb[WGPEER_A_TX_BYTES]);
	}
	if (tb[WGPEER_A_ALLOWEDIPS] &&
	    mnl_attr_parse_nested(tb[WGPEER_A_ALLOWEDIPS], parse_allowed_ip, peer) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int parse_device_attr(const struct nlattr *a, void *data)
{
	struct hs_device *dev = data;

	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_PRIVATE_KEY:
		if (!attr_is_key(a))
			return MNL_CB_ERROR;
		memcpy(dev->private_key, mnl_attr_get_payload(a), WG_KEY_LEN);
		dev->has_private_key = !key_is_zero(dev->private_key);
		break;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16))
			return MNL_CB_ERROR;
		dev->listen_port = mnl_attr_get_u16(a);
		break;
	case WGDEVICE_A_FWMARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32))
			return MNL_CB_ERROR;
		dev->fwmark = mnl_attr_get_u32(a);
		break;
	case WGDEVICE_A_PEERS:
		return mnl_attr_parse_nested(a, parse_peer, dev);
	}
	return MNL_CB_OK;
}

int wg_genl_parse_device_msg(const struct nlmsghdr *nlh, struct hs_device *dev)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -EPROTO;
	/* hs_device_add_peer/allowed-IP failures are ENOMEM; malformed attrs EPROTO.
	 * Both surface as MNL_CB_ERROR; ENOMEM is rare enough to report as EPROTO. */
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_device_attr, dev) < 0 ? -EPROTO : 0;
}

static int dump_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_reply *rep = data;
	int r;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
		rep->error = -EINTR;
		return MNL_CB_ERROR;
	}
	r = wg_genl_parse_device_msg(nlh, rep->dev);
	if (r < 0) {
		rep->error = r;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int wg_genl_parse_dump(const void *buf, size_t len, uint32_t seq, uint32_t portid, struct hs_device *dev)
{
	struct genl_reply rep = { .dev = dev };

	return genl_run(buf, len, seq, portid, dump_data_cb, &rep);
}

static int genl_get_once(const char *ifname, struct hs_device *dev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genl_reply rep = { .dev = dev };
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	struct genl g;
	int r;

	r = genl_open_wg(&g);
	if (r < 0)
		return r;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = g.family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++g.seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = WG_CMD_GET_DEVICE;
	gh->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	if (mnl_socket_sendto(g.nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	r = genl_recv(&g, nlh->nlmsg_seq, dump_data_cb, &rep);
out:
	genl_close(&g);
	return r;
}

int wg_genl_get_device(const char *ifname, struct hs_device *out)
{
	struct hs_device dev;
	int r = -EINTR;

	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	/* An interrupted dump (the peer list changed under it) is retried whole. */
	for (int attempt = 0; attempt < GET_DUMP_ATTEMPTS && r == -EINTR; attempt++) {
		memset(&dev, 0, sizeof(dev));
		r = genl_get_once(ifname, &dev);
		if (r == 0)
			r = wg_device_take(out, &dev, HS_BACKEND_KERNEL);
		hs_device_clear(&dev);
	}
	return r;
}

/* ---- set ---- */

static bool put_allowed_ip(struct nlmsghdr *nlh, size_t len, const struct wgf_prefix *p)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, len, 0);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, len, WGALLOWEDIP_A_FAMILY, p->family) ||
	    !mnl_attr_put_check(nlh, len, WGALLOWEDIP_A_IPADDR, prefix_addr_len(p->family), p->addr) ||
	    !mnl_attr_put_u8_check(nlh, len, WGALLOWEDIP_A_CIDR_MASK, p->len)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* Everything a peer's first fragment carries besides its key and allowed IPs. */
static bool put_peer_first(struct nlmsghdr *nlh, size_t len, const struct wg_peer_set *ps)
{
	static const uint8_t zero[WG_KEY_LEN];
	const struct hs_peer *p = ps->peer;
	uint32_t flags = 0;

	if (ps->remove)
		return mnl_attr_put_u32_check(nlh, len, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME);
	if (ps->update_only)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (ps->send.replace_allowed_ips)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (flags && !mnl_attr_put_u32_check(nlh, len, WGPEER_A_FLAGS, flags))
		return false;
	if (ps->send.set_psk &&
	    !mnl_attr_put_check(nlh, len, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, p->has_psk ? p->psk : zero))
		return false;
	if (ps->send.set_endpoint && p->endpoint.family) {
		struct sockaddr_storage ss;
		socklen_t sl;
		endpoint_to_sockaddr(&p->endpoint, &ss, &sl);
		if (!mnl_attr_put_check(nlh, len, WGPEER_A_ENDPOINT, sl, &ss))
			return false;
	}
	if (ps->send.set_keepalive &&
	    !mnl_attr_put_u16_check(nlh, len, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive))
		return false;
	return true;
}

static struct nlmsghdr *set_msg_start(void *buf, uint16_t family_id, const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = WG_CMD_SET_DEVICE;
	gh->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	return nlh;
}

static bool put_device_attrs(struct nlmsghdr *nlh, size_t len, const struct wg_device_set *s)
{
	if (s->send.set_private_key &&
	    !mnl_attr_put_check(nlh, len, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, s->private_key))
		return false;
	if (s->send.set_listen_port && !mnl_attr_put_u16_check(nlh, len, WGDEVICE_A_LISTEN_PORT, s->listen_port))
		return false;
	if (s->send.set_fwmark && !mnl_attr_put_u32_check(nlh, len, WGDEVICE_A_FWMARK, s->fwmark))
		return false;
	return true;
}

int wg_genl_build_set(const char *ifname, uint16_t family_id, const struct wg_device_set *s,
		      void *buf, size_t buf_len, wg_genl_emit_fn emit, void *ctx)
{
	size_t pi = 0, ai = 0;       /* next peer, next allowed IP of that peer */
	bool peer_started = false;   /* the peer's first fragment went out already */
	bool first = true;
	int r = 0;

	if (!wg_ifname_valid(ifname) || (s->send.set_private_key && !s->private_key))
		return -EINVAL;
	for (size_t i = 0; i < s->n_peers; i++)
		if (!s->peers[i].peer)
			return -EINVAL;
	if (buf_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) + MNL_ATTR_HDRLEN + IFNAMSIZ)
		return -EMSGSIZE;

	while (first || pi < s->n_peers) {
		struct nlmsghdr *nlh = set_msg_start(buf, family_id, ifname);
		struct nlattr *peers;
		bool progress = false, added = false;

		if (first) {
			if (!put_device_attrs(nlh, buf_len, s)) {
				r = -EMSGSIZE;
				goto out;
			}
			progress = true;
		}
		peers = pi < s->n_peers ? mnl_attr_nest_start_check(nlh, buf_len, WGDEVICE_A_PEERS) : NULL;
		while (peers && pi < s->n_peers) {
			const struct wg_peer_set *ps = &s->peers[pi];
			const struct hs_peer *p = ps->peer;
			bool send_aips = !ps->remove && ps->send.replace_allowed_ips;
			bool full = false;
			size_t ai_start = ai;
			struct nlattr *peer, *aips;

			peer = mnl_attr_nest_start_check(nlh, buf_len, 0);
			if (!peer)
				break;
			if (!mnl_attr_put_check(nlh, buf_len, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key) ||
			    (!peer_started && !put_peer_first(nlh, buf_len, ps)) ||
			    (peer_started && ps->update_only &&
			     !mnl_attr_put_u32_check(nlh, buf_len, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY))) {
				mnl_attr_nest_cancel(nlh, peer);
				break;
			}
			if (send_aips && ai < p->n_allowed_ips) {
				aips = mnl_attr_nest_start_check(nlh, buf_len, WGPEER_A_ALLOWEDIPS);
				if (aips) {
					for (; ai < p->n_allowed_ips; ai++)
						if (!put_allowed_ip(nlh, buf_len, &p->allowed_ips[ai]))
							break;
					if (ai == ai_start)
						mnl_attr_nest_cancel(nlh, aips);
					else
						mnl_attr_nest_end(nlh, aips);
				}
				full = ai < p->n_allowed_ips;
			}
			/* A continuation that carries no allowed IP says nothing. */
			if (peer_started && ai == ai_start) {
				mnl_attr_nest_cancel(nlh, peer);
				break;
			}
			mnl_attr_nest_end(nlh, peer);
			progress = added = true;
			if (full) {
				peer_started = true;
				break;
			}
			pi++;
			ai = 0;
			peer_started = false;
		}
		if (peers && !added)
			mnl_attr_nest_cancel(nlh, peers);
		else if (peers)
			mnl_attr_nest_end(nlh, peers);
		if (!progress) {
			r = -EMSGSIZE;
			goto out;
		}
		r = emit(nlh, ctx);
		sodium_memzero(buf, buf_len);
		if (r < 0)
			goto out;
		first = false;
	}
out:
	sodium_memzero(buf, buf_len);
	return r;
}

static int emit_send(struct nlmsghdr *nlh, void *ctx)
{
	struct genl *g = ctx;
	struct genl_reply rep = { 0 };

	nlh->nlmsg_seq = ++g->seq;
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* One ACK per message: stop at the first error, as nothing is transactional. */
	return genl_recv(g, nlh->nlmsg_seq, NULL, &rep);
}

int wg_genl_set_device(const char *ifname, const struct wg_device_set *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genl g;
	int r;

	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	if (!s->send.set_private_key && !s->send.set_listen_port && !s->send.set_fwmark && !s->n_peers)
		return 0;
	r = genl_open_wg(&g);
	if (r < 0)
		return r;
	r = wg_genl_build_set(ifname, g.family, s, buf, sizeof(buf), emit_send, &g);
	genl_close(&g);
	return r;
}
