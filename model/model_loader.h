/* The loader's state, shared by the document loaders (model_load*.c), the
 * validator (model_validate*.c) and the sources (model_source.c: directories,
 * git). Not part of the model API. */
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
	char **link_names;             /* Host "links" as written */
	struct wgf_loc *link_locs;
	size_t n_link_names;
	struct wgf_loc hubs_loc;       /* Host "hubs" (the list) */
	bool has_ifname, has_port, has_mtu;
	struct wgf_loc pool4_loc, pool6_loc;
	char *tenant;                  /* Host/Peer "tenant", still to resolve */
	bool tenant_failed;            /* set by validation: "tenant" names no usable Tenant */
	struct wgf_loc tenant_loc;
	struct wgf_loc access_loc, masquerade_loc;
	struct wgf_loc max_peers_loc;  /* Host "maxPeers" */
	char **access_lans;            /* Peer "accessLans" as written: host names or prefixes */
	struct wgf_loc *access_lan_locs;
	size_t n_access_lans;
	bool has_access_lans;
	bool has_public;               /* Host "publicAddresses" given */
	struct wgf_loc *public_locs;
	char *exit_group;              /* Peer/Tenant/Host "exit": the ExitGroup named, still to resolve */
	struct wgf_loc exit_group_loc;
	bool has_exit_ifname;          /* Host "exitInterface" given */
	struct wgf_loc exit_ifname_loc;
	char **member_names;           /* ExitGroup members' "host", parallel to members (NULL: none) */
	size_t n_member_names;
};

struct loader {
	struct model *m;
	struct diag *d;
	struct obj_extra *net_x, *host_x, *peer_x;  /* parallel to the model arrays */
	struct obj_extra *ten_x, *pol_x, *op_x, *exit_x;
	size_t cap_networks, cap_hosts, cap_peers, cap_tenants, cap_policies, cap_operators, cap_exit_groups;
	size_t cap_files;
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
