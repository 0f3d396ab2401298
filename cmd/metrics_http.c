/* wgf metrics --listen: GET /metrics over HTTP with libmicrohttpd, one
 * polling thread (scrapes are answered one at a time), until SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/wgf.h"

#define METRICS_DEFAULT_ADDR "127.0.0.1"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct serve {
	struct cmd_ctx c;
	const struct model *m;
	uint32_t stale_after;
	bool pinned_now;               /* WGF_NOW: the clock stays where the tests put it */
};

union sa_any {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* "[::1]:9586", "127.0.0.1:9586", "9586" (on 127.0.0.1). */
static int listen_parse(const char *s, union sa_any *a)
{
	char host[INET6_ADDRSTRLEN + 2] = METRICS_DEFAULT_ADDR;
	const char *port = s, *colon = strrchr(s, ':');
	char *end;
	unsigned long p;

	memset(a, 0, sizeof(*a));
	if (colon) {
		size_t n = (size_t)(colon - s);
		if (n >= sizeof(host))
			return -EINVAL;
		if (n > 0 && s[0] == '[' && s[n - 1] == ']')
			s++, n -= 2;
		if (n > 0) {
			memcpy(host, s, n);
			host[n] = '\0';
		}
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p == 0 || p > 65535 || *port < '0' || *port > '9')
		return -EINVAL;
	if (inet_pton(AF_INET, host, &a->v4.sin_addr) == 1) {
		a->v4.sin_family = AF_INET;
		a->v4.sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->v6.sin6_addr) == 1 && colon && colon[-1] == ']') {
		a->v6.sin6_family = AF_INET6;
		a->v6.sin6_port = htons((uint16_t)p);
		return 0;
	}
	return -EINVAL;
}

static bool is_loopback(const union sa_any *a)
{
	if (a->sa.sa_family == AF_INET)
		return (ntohl(a->v4.sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->v6.sin6_addr);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
			     const char *type)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result r;

	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result text_reply(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	char *body = strdup(msg);

	return body ? reply(conn, status, body, strlen(body), "text/plain; charset=utf-8") : MHD_NO;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct serve *s = cls;
	char *text = NULL;
	size_t len = 0;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics"))
		return text_reply(conn, MHD_HTTP_NOT_FOUND, "not found: wgf serves /metrics\n");
	if (!s->pinned_now)
		s->c.now = (int64_t)time(NULL);
	if (cmd_metrics_text(&s->c, s->m, s->stale_after, &text, &len) < 0)
		return text_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "wgf could not observe the host (see its log)\n");
	return reply(conn, MHD_HTTP_OK, text, len, METRICS_CONTENT_TYPE);
}

int cmd_metrics_serve(const struct cmd_ctx *c, const struct model *m, uint32_t stale_after, const char *listen)
{
	struct serve s = { .c = *c, .m = m, .stale_after = stale_after, .pinned_now = getenv("WGF_NOW") != NULL };
	char addr[INET6_ADDRSTRLEN];
	struct MHD_Daemon *d;
	union sa_any a;
	sigset_t set;
	int sig = 0;

	if (listen_parse(listen, &a) < 0) {
		cmd_error("metrics: --listen takes [ADDR:]PORT (127.0.0.1:9586, [::1]:9586, 9586), not \"%s\"", listen);
		return -EINVAL;
	}
	inet_ntop(a.sa.sa_family, a.sa.sa_family == AF_INET ? (void *)&a.v4.sin_addr : (void *)&a.v6.sin6_addr,
		  addr, sizeof(addr));
	if (!is_loopback(&a))
		cmd_error("note: serving metrics on %s, not on loopback: anyone who reaches it sees this host's "
			  "peers, endpoints and traffic", addr);
	/* the polling thread inherits the mask: only this thread takes the signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			     (a.sa.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, handle, &s,
			     MHD_OPTION_SOCK_ADDR, &a.sa,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
			     MHD_OPTION_END);
	if (!d) {
		cmd_error("metrics: cannot listen on %s port %u (in use, or not an address of this host?)", addr,
			  ntohs(a.sa.sa_family == AF_INET ? a.v4.sin_port : a.v6.sin6_port));
		return -EADDRINUSE;
	}
	fprintf(stderr, "wgf: serving metrics on http://%s%s%s:%u/metrics\n", a.sa.sa_family == AF_INET6 ? "[" : "",
		addr, a.sa.sa_family == AF_INET6 ? "]" : "", ntohs(a.sa.sa_family == AF_INET ? a.v4.sin_port : a.v6.sin6_port));
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	return 0;
}
