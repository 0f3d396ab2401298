/* ICMP echo to one address out of one device: is it there through the tunnel. */
#include "reconcile/kernel/ping.h"

#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint16_t inet_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

#define ECHO_LEN 16

/* An echo request of ECHO_LEN bytes; ICMPv6's checksum is the kernel's. */
static void echo_request(uint8_t *pkt, uint8_t family, uint16_t id, uint16_t seq, const char tag[8])
{
	memset(pkt, 0, ECHO_LEN);
	pkt[0] = family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	pkt[4] = (uint8_t)(id >> 8);
	pkt[5] = (uint8_t)id;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	memcpy(pkt + 8, tag, 8);
	if (family == AF_INET) {
		uint16_t c = inet_checksum(pkt, ECHO_LEN);
		memcpy(pkt + 2, &c, 2);
	}
}

static socklen_t addr_sockaddr(const struct wgf_prefix *addr, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr->addr, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, addr->addr, 4);
	return sizeof(*s4);
}

static uint16_t random_id(void)
{
	uint16_t id;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)getpid();
	return id;
}

/* A raw socket (root), else a ping socket; bound to the device. raw: whether
 * IPv4 replies arrive with their IP header and ids are ours to match. */
static int probe_socket(const char *ifname, uint8_t family, bool *raw)
{
	int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, proto);

	*raw = fd >= 0;
	if (fd < 0)
		fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	/* no such device: -ENODEV */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Is buf (len bytes from the hub) the echo reply with this id and seq? */
static bool is_reply(const uint8_t *buf, size_t len, uint8_t family, bool raw, uint16_t id, uint16_t seq)
{
	size_t off = 0;

	if (family == AF_INET && raw) {
		if (len < sizeof(struct ip))
			return false;
		off = (size_t)(buf[0] & 0x0f) * 4;
	}
	if (len < off + 8)
		return false;
	if (buf[off] != (family == AF_INET6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY))
		return false;
	/* a ping socket sets and checks the id itself */
	if (raw && (uint16_t)(buf[off + 4] << 8 | buf[off + 5]) != id)
		return false;
	return (uint16_t)(buf[off + 6] << 8 | buf[off + 7]) == seq;
}

static bool from_addr(const struct sockaddr_storage *ss, const struct wgf_prefix *addr)
{
	if (ss->ss_family == AF_INET && addr->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)ss)->sin_addr, addr->addr, 4);
	if (ss->ss_family == AF_INET6 && addr->family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, addr->addr, 16);
	return false;
}

/* Waits for the reply until deadline: 1 it came, 0 not, < 0 an error. */
static int await_reply(int fd, const struct wgf_prefix *addr, bool raw, uint16_t id, uint16_t seq, int64_t deadline)
{
	uint8_t buf[1500];

	for (int64_t left; (left = deadline - now_ms()) > 0;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!(p.revents & POLLIN))
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0)
			continue;
		if (from_addr(&from, addr) && is_reply(buf, (size_t)n, addr->family, raw, id, seq))
			return 1;
	}
	return 0;
}

int ping_probe(const char *ifname, const struct wgf_prefix *addr, unsigned tries, unsigned timeout_ms, bool *alive)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	uint8_t pkt[ECHO_LEN];
	uint16_t id;
	bool raw;
	int fd, r = 0;

	*alive = false;
	fd = probe_socket(ifname, addr->family, &raw);
	if (fd < 0)
		return fd;
	id = random_id();
	tolen = addr_sockaddr(addr, &to);
	for (unsigned t = 0; t < tries && !*alive; t++) {
		uint16_t seq = (uint16_t)(t + 1);

		echo_request(pkt, addr->family, id, seq, "wgf-hub?");
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, tolen) < 0) {
			/* no route or no handshake yet: this try failed, wait as if sent */
			usleep(timeout_ms * 1000);
			continue;
		}
		r = await_reply(fd, addr, raw, id, seq, now_ms() + timeout_ms);
		if (r < 0)
			break;
		*alive = r == 1;
		r = 0;
	}
	close(fd);
	return r;
}


/* ---- many at once ---- */

struct echo_wait {
	int fd;
	bool raw;
	uint16_t id;
	int64_t sent_us;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Opens, binds and sends target t's echo: the socket, or a negative errno. */
static int echo_send(struct ping_target *t, struct echo_wait *w)
{
	struct sockaddr_storage to, from;
	socklen_t tolen = addr_sockaddr(&t->addr, &to);
	uint8_t pkt[ECHO_LEN];
	int fd = probe_socket(t->ifname, t->addr.family, &w->raw);

	if (fd < 0)
		return fd;
	if (t->has_src && (t->src.family != t->addr.family ||
			   bind(fd, (struct sockaddr *)&from, addr_sockaddr(&t->src, &from)) < 0)) {
		int r = t->src.family != t->addr.family ? -EAFNOSUPPORT : -errno;
		close(fd);
		return r;
	}
	if (t->fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &t->fwmark, sizeof(t->fwmark)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	w->id = random_id();
	echo_request(pkt, t->addr.family, w->id, 1, "wgf-exit");
	w->sent_us = now_us();
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, tolen) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Reads what fd has: true when it was t's reply. */
static bool echo_receive(struct ping_target *t, const struct echo_wait *w)
{
	uint8_t buf[1500];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(w->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);

	if (n < 0 || !from_addr(&from, &t->addr) || !is_reply(buf, (size_t)n, t->addr.family, w->raw, w->id, 1))
		return false;
	t->alive = true;
	t->rtt_us = (uint32_t)(now_us() - w->sent_us);
	return true;
}

int ping_probe_many(struct ping_target *t, size_t n, unsigned timeout_ms)
{
	struct echo_wait *w = calloc(n ? n : 1, sizeof(*w));
	struct pollfd *p = calloc(n ? n : 1, sizeof(*p));
	int64_t deadline = now_ms() + timeout_ms;
	size_t waiting = 0;

	if (!w || !p) {
		free(w);
		free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		t[i].alive = false;
		t[i].rtt_us = 0;
		w[i].fd = echo_send(&t[i], &w[i]);
		t[i].error = w[i].fd < 0 ? w[i].fd : 0;
		waiting += w[i].fd >= 0;
	}
	for (int64_t left; waiting && (left = deadline - now_ms()) > 0;) {
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = w[i].fd >= 0 && !t[i].alive ? w[i].fd : -1, .events = POLLIN };
		if (poll(p, (nfds_t)n, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if ((p[i].revents & POLLIN) && echo_receive(&t[i], &w[i]))
				waiting--;
	}
	for (size_t i = 0; i < n; i++)
		if (w[i].fd >= 0)
			close(w[i].fd);
	free(w);
	free(p);
	return 0;
}
