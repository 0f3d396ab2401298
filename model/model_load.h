/* Loader internals shared by model_load.c (documents -> objects),
 * model_validate.c (cross-object checks) and model_source.c (directories, git).
 * Not part of the model API. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/yaml_tree.h"

/* What the loader knows about one object beyond the model: where each value
 * was written, names still to resolve, and whether it parsed cleanly. */
struct obj_extra {
	bool failed;                   /* an error was reported inside this object */
	size_t seq;                    /* document number across the source: definition order */
	struct wgf_loc name_loc;       /* line 0: no usable name */
	bool has_network;
	char *network;
	struct wgf_loc network_loc;
	bool network_ok;               /* set by validation: ->network index is usable */
	bool has_key;
	struct wgf_loc key_loc;
	struct wgf_loc endpoint_loc;   /* line 0: no usable endpoint */
	struct wgf_loc role_loc;
	struct wgf_loc *addr_locs;     /* parallel to addresses */
	struct wgf_loc *lan_locs;      /* parallel to lans */
	char **hub_names;
	struct wgf_loc *hub_locs;
	size_t n_hub_names;
	bool has_ifname, has_port, has_mtu;
	struct wgf_loc pool4_loc, pool6_loc;
	char *tenant;                  /* Host/Peer "tenant", still to resolve */
	bool tenant_failed;            /* set by validation: "tenant" names no usable Tenant */
	struct wgf_loc tenant_loc;
	struct wgf_loc access_loc, masquerade_loc;
	char **access_lans;            /* Peer "accessLans" as written: host names or prefixes */
	struct wgf_loc *access_lan_locs;
	size_t n_access_lans;
	bool has_access_lans;
	bool has_public;               /* Host "publicAddresses" given */
	struct wgf_loc *public_locs;
};

struct loader {
	struct model *m;
	struct diag *d;
	struct obj_extra *net_x, *host_x, *peer_x;  /* parallel to the model arrays */
	struct obj_extra *ten_x, *pol_x;
	size_t cap_networks, cap_hosts, cap_peers, cap_tenants, cap_policies, cap_files;
	struct ybudget budget;         /* YAML nodes every file of this source may build */
	size_t n_docs;
	size_t total_size;
	size_t n_errors;               /* errors reported by the loader and the validator */
	bool incomplete;               /* a file was unusable: some objects are unknown */
	bool oom;
	bool cur_failed;               /* errors seen in the document being loaded */
	const char *file;              /* the file being loaded (owned by m->files) */
};

int loader_init(struct loader *l, struct diag *d);
/* Parses one file and loads its documents; problems go to the diag. */
void loader_add_file(struct loader *l, const char *name, const char *buf, size_t len);
/* The same for a file already parsed (t may be NULL when parsing failed); frees t. */
void loader_add_tree(struct loader *l, const char *name, struct ytree *t, size_t len);
/* Cross-checks, sorts the diag, and hands over the model (0) or frees it (-EINVAL, -ENOMEM). */
int loader_finish(struct loader *l, struct model **out);
void loader_free(struct loader *l);

/* model.c */
void model_host_clear(struct model_host *h);
void model_peer_clear(struct model_peer *p);
void model_policy_clear(struct model_policy *pol);

/* model_validate.c */
void model_validate(struct loader *l);
struct name_entry {
	const char *name;
	size_t idx;
	size_t seq;
};

/* Objects of one kind sorted by name (duplicates reported when built). */
struct name_index {
	struct name_entry *e;
	size_t n;
};

/* The first-defined object with this name, or -1. */
long name_index_find(const struct name_index *ix, const char *name);
__attribute__((format(printf, 3, 4)))
void validate_err(struct loader *l, const struct wgf_loc *loc, const char *fmt, ...);
const char *display_name(const struct model_meta *meta);
/* How many addresses that belong in one pool lie inside and outside it. */
struct pool_fit {
	size_t inside, outside;
	const char *kind;              /* the first address outside, for the message */
	const struct model_meta *meta;
	const struct wgf_prefix *addr;
	const struct wgf_loc *loc;
};
void pool_fit_count(struct pool_fit *f, const struct wgf_prefix *pool, const struct wgf_prefix *a, bool single,
		    const char *kind, const struct model_meta *meta, const struct wgf_loc *loc);
/* Most of them outside (at least 2): the pool is wrong. Reports it once at loc; true then. */
bool pool_fit_wrong(struct loader *l, const struct pool_fit *f, const char *what, const struct wgf_prefix *pool,
		    const struct wgf_loc *loc, const char *whose);
/* The network whose pools may be trusted for this object's checks, or NULL. */
const struct model_network *usable_network(const struct loader *l, const struct obj_extra *x, size_t net);
const struct wgf_prefix *pool_for(const struct model_network *n, uint8_t family);
const char *family_name(uint8_t family);
/* Resolves x's "network" (or the only Network) into *net; reports problems. */
void validate_network_ref(struct loader *l, const struct name_index *nets, const char *kind,
			  const struct model_meta *meta, struct obj_extra *x, size_t *net);

/* model_validate_access.c: tenants, access levels, forwards, policies, tests. */
void model_validate_access(struct loader *l, const struct name_index *nets, const struct name_index *hosts,
			   const struct name_index *peers, const struct name_index *tenants);
bool model_name_ok(const char *s);
bool model_ifname_ok(const char *s);
/* Why a valid interface name must not be used (the kernel's own names), or NULL. */
const char *model_ifname_reserved(const char *s);
bool model_label_ok(const char *s);
