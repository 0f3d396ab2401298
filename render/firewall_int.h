/* Private to render/firewall*.c: the compiled form of one network's access control,
 * shared by the nft renderer and the evaluator so both decide from the same data. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "render/firewall.h"

#define FW_NONE ((size_t)-1)

/* A set of network prefixes; after fw_pset_normalize sorted (prefix_cmp) and free of
 * prefixes contained in others, as nft interval sets need. */
struct fw_pset {
	struct wgf_prefix *p;
	size_t n, cap;
};

struct fw_scope {
	size_t tenant;                 /* model tenant index; MODEL_NONE: the shared scope */
	const char *name;              /* tenant name, or NULL */
	bool isolated;
	struct fw_pset tun;            /* tunnel space */
	struct fw_pset lan;            /* lans of its hosts and peers */
	size_t n_custom_hosts, n_custom_peers;  /* its principals with access custom */
};

struct fw_class {
	enum access_level level;       /* full, vpn-only, lan-only or internet-only */
	size_t scope;
	bool own_lans;                 /* lan-only with its own list (lans), else every LAN in reach */
	struct fw_pset lans;
	struct fw_pset dns;            /* internet-only: DNS servers on its exits (tcp and udp 53) */
	size_t n_hosts, n_peers;       /* principals of the class */
	size_t n_src;                  /* its elements of class_src */
};

struct fw_principal {
	bool is_host;
	size_t index;                  /* into model hosts or peers */
	const char *name;
	const struct model_meta *meta;
	size_t scope;
	enum access_level level;       /* hosts: full */
	size_t cls;                    /* FW_NONE: custom */
	struct fw_pset addrs;          /* what it sends from: tunnel addresses and lans
					  (points into fw_network.addr_arena: not owned, never grown) */
};

struct fw_src {
	struct wgf_prefix p;
	size_t principal;
};

/* One element of the rendered source map: a prefix whose every address belongs to
 * a principal of class cls (and no address to anybody else). */
struct fw_class_src {
	struct wgf_prefix p;
	size_t cls;
};

struct fw_rule {
	const struct model_policy *policy;
	const struct model_rule *rule;
	size_t pos;                    /* 1-based within its policy */
	size_t ordinal;                /* 0-based among the network's rules: set names */
	bool from_any, to_any;
	struct fw_pset from, to;
	struct model_port_range *ports;    /* sorted, merged */
	size_t n_ports;
	unsigned protos;               /* with ports: tcp/udp bits only */
};

struct fw_network {
	const struct model *m;
	size_t network;
	struct fw_scope *scopes;       /* [0] is the shared scope */
	size_t n_scopes;
	size_t *tenant_scope;          /* per model tenant: scope index or FW_NONE */
	struct fw_principal *pr;       /* hosts (model order), then active peers */
	size_t n_pr;
	struct wgf_prefix *addr_arena; /* every principal's addrs */
	size_t *host_pr, *peer_pr;     /* model index -> principal or FW_NONE */
	size_t *attached, *attached_start; /* principals of the peers attached to model host i:
					      attached[attached_start[i] .. attached_start[i + 1]) */
	struct fw_class *cls;
	size_t n_cls;
	struct fw_src *src;            /* sorted, no overlaps: the source classification */
	size_t n_src;
	struct fw_class_src *class_src; /* src without custom principals, each class's prefixes
					   aggregated (prefix_aggregate); sorted, no overlaps */
	size_t n_class_src;
	struct fw_rule *rules;         /* evaluation order */
	size_t n_rules;
	struct fw_pset internal;       /* pools and every lan: not the internet */
	struct fw_pset internet_only;  /* internet-only principals' addresses, aggregated: only policies
					  reach them (dropped after the policy rules) */
};

int fw_pset_add(struct fw_pset *s, const struct wgf_prefix *p);        /* adds p masked */
int fw_pset_add_list(struct fw_pset *s, const struct wgf_prefix *p, size_t n);
int fw_pset_add_set(struct fw_pset *s, const struct fw_pset *from);
void fw_pset_normalize(struct fw_pset *s);
bool fw_pset_contains(const struct fw_pset *s, const struct wgf_prefix *addr);  /* normalized s */
bool fw_pset_has_family(const struct fw_pset *s, int family);
int fw_pset_cmp(const struct fw_pset *a, const struct fw_pset *b);
void fw_pset_free(struct fw_pset *s);

/* The principal whose addresses hold addr, or FW_NONE. */
size_t fw_principal_of(const struct fw_network *fw, const struct wgf_prefix *addr);
bool fw_scope_reaches(const struct fw_network *fw, size_t from, size_t to);
bool fw_family_internal(const struct fw_network *fw, int family);

/* The readable access items of host h (render/firewall.h says which). */
int fw_items_access(const struct fw_network *fw, const struct model_host *h, bool exit, struct hs_firewall *out);

/* Readable text (for items and decisions); each returns a new string or NULL on ENOMEM. */
char *fw_class_describe(const struct fw_network *fw, size_t cls, bool exit);
char *fw_principal_describe(const char *class_text, const struct fw_principal *p);
char *fw_rule_describe(const struct fw_network *fw, const struct fw_rule *r);
/* Writes "tcp/445,8000-8100", "tcp+udp", "icmp" or "" (any) for r. */
void fw_print_proto_ports(FILE *f, const struct fw_rule *r);
/* "10.0.0.5" for a host prefix, else "10.0.0.0/24". */
char *fw_format_prefix(const struct wgf_prefix *p, char buf[PREFIX_STRLEN]);
