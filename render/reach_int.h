/* Private to render/reach_*.c: the endpoints of the reachability diff and their keys. */
#pragma once
#include "render/firewall.h"
#include "render/reach_diff.h"

#define RD_BASE 0
#define RD_HEAD 1

struct rd_name {
	const char *name;
	size_t i;
};

struct rd_model {
	const struct model *m;         /* NULL: no base */
	struct rd_name *hosts, *peers; /* sorted by name */
	struct fw_network **fw;        /* per network, compiled on first use */
};

struct rd_ep {
	enum reach_kind kind;
	const char *owner;             /* the Host or Peer (tunnel, lan), the forward's host */
	bool is_host;
	uint8_t family;
	bool present[2];               /* at base, at head */
	struct wgf_prefix addr[2];     /* the address evaluated, per model */
	size_t net[2];                 /* its network, per model (internet: none) */
	const char *tenant;
	struct wgf_prefix lan;         /* lan: the LAN it is in */
	unsigned proto;                /* forward: its first service */
	uint16_t port;
	const char *fwd_name;          /* forward: its name, or NULL */
	char *key;
	size_t order, group;
};

struct rd_svc {
	unsigned proto;
	uint16_t port;
	bool other;                    /* stands for every port no rule names */
};

struct rd_group {
	size_t first, n;               /* in the sorted endpoints */
};

struct rd_verdict {
	bool accept;
	char *why;
	struct wgf_loc loc;
	const char *host;
};

struct rd_ctx {
	struct rd_model md[2];
	int64_t now;
	bool each;                     /* no grouping: every endpoint alone */
	struct wgf_prefix *named;      /* every prefix a selector or a lan-only list names */
	size_t n_named, cap_named;
	const struct model_selector **lsel;    /* label selectors */
	size_t n_lsel, cap_lsel;
	const char **names;            /* Hosts and Peers that are individually significant (sorted) */
	size_t n_names, cap_names;
	struct rd_ep *ep;
	size_t n_ep, cap_ep;
	struct rd_svc *svc;
	size_t n_svc, cap_svc;
	struct rd_group *grp;
	size_t n_evaluations, cap_flows;
	struct reach_diff *out;
};

int rd_ctx_init(struct rd_ctx *c, const struct model *base, const struct model *head);
void rd_ctx_free(struct rd_ctx *c);
/* Every endpoint of both models, each with its key. */
int rd_endpoints(struct rd_ctx *c);
/* s to d on sv in model mi (RD_BASE, RD_HEAD); *v owns its reason. */
int rd_evaluate(struct rd_ctx *c, int mi, const struct rd_ep *s, const struct rd_ep *d,
		const struct rd_svc *sv, struct rd_verdict *v);
void rd_verdict_clear(struct rd_verdict *v);
void rd_service_name(const struct rd_svc *sv, char *buf, size_t len);
char *rd_ep_describe(const struct rd_ctx *c, const struct rd_ep *e);
char *rd_group_describe(const struct rd_ctx *c, const struct rd_ep *e, size_t n, const char *names, size_t more);
/* s is a hub of the peer d (at head): it reaches its own peers, whatever their tenant. */
bool rd_serves(const struct rd_ctx *c, const struct rd_ep *s, const struct rd_ep *d);
const char *rd_tenant(const struct model *m, size_t t);
