/* Prometheus text exposition of one host (render/metrics.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/metrics.h"

/* One observed peer with what the repository says of it. */
struct mpeer {
	const struct hs_device *d;
	const struct hs_peer *p;
	const char *name;              /* the repository's; NULL: unknown */
	struct health_peer h;
	char pub[WG_KEY_B64_LEN];
};

struct mctx {
	const struct metrics_input *in;
	FILE *f;
	struct mpeer *peers;
	size_t n_peers;
	struct health_index ix;        /* the repository's keys */
};

void metrics_label_value(FILE *f, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k="v",…}: l holds key, value pairs and ends with NULL. */
static void series(FILE *f, const char *name, const char *const *l)
{
	fputs(name, f);
	for (size_t i = 0; l && l[i]; i += 2) {
		fprintf(f, "%s%s=\"", i ? "," : "{", l[i]);
		metrics_label_value(f, l[i + 1]);
		fputc('"', f);
	}
	if (l && l[0])
		fputc('}', f);
}

static void put_i(FILE *f, const char *name, const char *const *l, int64_t v)
{
	series(f, name, l);
	fprintf(f, " %" PRId64 "\n", v);
}

static void put_u(FILE *f, const char *name, const char *const *l, uint64_t v)
{
	series(f, name, l);
	fprintf(f, " %" PRIu64 "\n", v);
}

/* Every observed peer with its name and verdict, and the host's facts. */
static int collect(struct mctx *c, struct health_host_facts *facts)
{
	const struct metrics_input *in = c->in;
	const struct host_state *hs = in->hs;
	size_t n = 0;

	for (size_t i = 0; i < hs->n_devices; i++)
		n += hs->devices[i].n_peers;
	if (!(c->peers = calloc(n + 1, sizeof(*c->peers))) || health_index_build(in->m, &c->ix) < 0)
		return -ENOMEM;
	if (in->m && in->host) {
		const struct model_host *self = model_find_host(in->m, in->host);
		const struct hs_device *d = self ? hoststate_find_device(hs, self->ifname) : NULL;
		facts->ifaces_missing += self && (!d || !d->exists);
	}
	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *d = &hs->devices[i];
		const struct model_host *self = health_device_host(in->m, d, in->host);
		facts->ifaces_down += d->exists && !d->up;
		for (size_t j = 0; j < d->n_peers; j++) {
			struct mpeer *mp = &c->peers[c->n_peers++];
			struct health_who who = health_index_find(&c->ix, d->peers[j].public_key);
			mp->d = d;
			mp->p = &d->peers[j];
			mp->name = who.host ? who.host->meta.name : who.peer ? who.peer->meta.name : NULL;
			key_to_base64(mp->p->public_key, mp->pub);
			health_peer_eval(in->m, self, who, d, mp->p, in->now, health_stale_after(in->m, self, in->stale_after),
					 &mp->h);
			health_host_count(facts, &mp->h);
		}
	}
	return 0;
}

static void devices(const struct mctx *c)
{
	const struct host_state *hs = c->in->hs;
	char b64[WG_KEY_B64_LEN];
	uint8_t pub[WG_KEY_LEN];

	head(c->f, "wireguard_device_info", "gauge", "Metadata about a device.");
	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *d = &hs->devices[i];
		const char *l[] = { "device", d->ifname, "public_key", health_device_key(d, pub) ? key_to_base64(pub, b64) : "",
				    NULL };
		put_i(c->f, "wireguard_device_info", l, 1);
	}
	head(c->f, "wgf_interface_up", "gauge", "1 when the interface is there and up.");
	for (size_t i = 0; i < hs->n_devices; i++) {
		const char *l[] = { "interface", hs->devices[i].ifname, NULL };
		put_i(c->f, "wgf_interface_up", l, hs->devices[i].exists && hs->devices[i].up);
	}
	head(c->f, "wgf_peers", "gauge", "Peers on the interface.");
	for (size_t i = 0; i < hs->n_devices; i++) {
		const char *l[] = { "interface", hs->devices[i].ifname, NULL };
		put_u(c->f, "wgf_peers", l, hs->devices[i].n_peers);
	}
}

/* A hub's load as the repository has it: the Peers that list it, against its maxPeers. */
static void capacity(const struct mctx *c)
{
	const struct metrics_input *in = c->in;

	head(c->f, "wgf_peers_assigned", "gauge", "The repository's enabled Peers that list this hub among their hubs.");
	for (size_t i = 0; i < in->hs->n_devices; i++) {
		const struct model_host *h = health_device_host(in->m, &in->hs->devices[i], in->host);
		const char *l[] = { "interface", in->hs->devices[i].ifname, NULL };
		size_t first;
		if (h && host_role_takes_peers(h->role))
			put_u(c->f, "wgf_peers_assigned", l, model_hub_peers(in->m, model_host_index(in->m, h), &first));
	}
	head(c->f, "wgf_peers_capacity", "gauge", "The hub's maxPeers in the repository (absent: no limit).");
	for (size_t i = 0; i < in->hs->n_devices; i++) {
		const struct model_host *h = health_device_host(in->m, &in->hs->devices[i], in->host);
		const char *l[] = { "interface", in->hs->devices[i].ifname, NULL };
		if (h && host_role_takes_peers(h->role) && h->max_peers)
			put_u(c->f, "wgf_peers_capacity", l, h->max_peers);
	}
}

static void peer_info(const struct mctx *c)
{
	char ep[ENDPOINT_STRLEN], pfx[PREFIX_STRLEN];

	head(c->f, "wireguard_peer_info", "gauge", "Metadata about a peer. The public_key label on peer metrics "
	     "refers to the peer's public key; not the device's public key.");
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct mpeer *p = &c->peers[i];
		const char *l[] = { "device", p->d->ifname, "public_key", p->pub,
				    "endpoint", p->p->endpoint.family ? endpoint_format(&p->p->endpoint, ep) : "",
				    "name", p->name ? p->name : "", NULL };
		put_i(c->f, "wireguard_peer_info", l, 1);
	}
	head(c->f, "wireguard_peer_allowed_ips_info", "gauge",
	     "Metadata about each of a peer's allowed IP subnets for a given device.");
	for (size_t i = 0; i < c->n_peers; i++)
		for (size_t j = 0; j < c->peers[i].p->n_allowed_ips; j++) {
			const struct mpeer *p = &c->peers[i];
			const char *l[] = { "device", p->d->ifname, "public_key", p->pub,
					    "allowed_ips", prefix_format(&p->p->allowed_ips[j], pfx), NULL };
			put_i(c->f, "wireguard_peer_allowed_ips_info", l, 1);
		}
}

static void peer_counters(const struct mctx *c)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "wireguard_peer_receive_bytes_total", "counter", "Number of bytes received from a given peer." },
		{ "wireguard_peer_transmit_bytes_total", "counter", "Number of bytes transmitted to a given peer." },
		{ "wireguard_peer_last_handshake_seconds", "gauge",
		  "UNIX timestamp for the last handshake with a given peer (0: never)." },
	};

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		head(c->f, fam[k].name, fam[k].type, fam[k].help);
		for (size_t i = 0; i < c->n_peers; i++) {
			const struct mpeer *p = &c->peers[i];
			const char *l[] = { "device", p->d->ifname, "public_key", p->pub, NULL };
			if (k == 0)
				put_u(c->f, fam[k].name, l, p->p->rx_bytes);
			else if (k == 1)
				put_u(c->f, fam[k].name, l, p->p->tx_bytes);
			else
				put_i(c->f, fam[k].name, l, p->p->last_handshake_sec > 0 ? p->p->last_handshake_sec : 0);
		}
	}
}

/* A state set: one series per verdict, 1 for the peer's. */
static void peer_health(const struct mctx *c)
{
	head(c->f, "wgf_peer_health", "gauge", "The peer's health verdict (wgf status): 1 for the verdict it has.");
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct mpeer *p = &c->peers[i];
		for (enum health_verdict v = HEALTH_ONLINE; v <= HEALTH_UNKNOWN; v++) {
			const char *l[] = { "device", p->d->ifname, "public_key", p->pub, "name", p->name ? p->name : "",
					    "verdict", health_verdict_name(v), NULL };
			put_i(c->f, "wgf_peer_health", l, p->h.verdict == v);
		}
	}
	head(c->f, "wgf_peer_expected_up", "gauge",
	     "1 when a keepalive on either side means the peer should always have a recent handshake.");
	for (size_t i = 0; i < c->n_peers; i++) {
		const char *l[] = { "device", c->peers[i].d->ifname, "public_key", c->peers[i].pub, NULL };
		put_i(c->f, "wgf_peer_expected_up", l, c->peers[i].h.expected_up);
	}
}

static void host_health(const struct mctx *c, const struct health_host_facts *facts)
{
	char why[512];
	enum health_level lv = health_host_eval(facts, why, sizeof(why));

	head(c->f, "wgf_host_health", "gauge", "The host's health level (wgf status): 1 for the level it has.");
	for (enum health_level v = HEALTH_HEALTHY; v <= HEALTH_UNHEALTHY; v++) {
		const char *l[] = { "level", health_level_name(v), NULL };
		put_i(c->f, "wgf_host_health", l, lv == v);
	}
}

static void loop_times(FILE *f, const struct metrics_loop *lp)
{
	static const char *const names[] = {
		"wgf_reconcile_last_attempt_timestamp_seconds", "wgf_reconcile_last_success_timestamp_seconds",
		"wgf_reconcile_next_attempt_timestamp_seconds",
	};
	static const char *const helps[] = {
		"UNIX time of the reconcile loop's last attempt (0: never).",
		"UNIX time of the reconcile loop's last attempt that did not fail (0: never).",
		"UNIX time after which the loop tries again (0: any time).",
	};
	const int64_t v[] = { lp->last_attempt, lp->last_success, lp->next_attempt };

	for (size_t i = 0; i < 3; i++) {
		head(f, names[i], "gauge", helps[i]);
		put_i(f, names[i], NULL, v[i]);
	}
}

static void loop(const struct mctx *c)
{
	const struct metrics_loop *lp = c->in->loop;
	FILE *f = c->f;

	if (!lp || !lp->ran)
		return;
	loop_times(f, lp);
	head(f, "wgf_reconcile_outcome", "gauge", "The outcome of the reconcile loop's last attempt.");
	put_i(f, "wgf_reconcile_outcome", (const char *[]){ "outcome", lp->outcome ? lp->outcome : "none", NULL }, 1);
	head(f, "wgf_reconcile_consecutive_failures", "gauge", "Failed reconcile attempts in a row (backing off).");
	put_u(f, "wgf_reconcile_consecutive_failures", NULL, lp->consecutive_failures);
	head(f, "wgf_reconcile_suspended", "gauge", "1 while an operator has suspended the reconcile loop.");
	put_i(f, "wgf_reconcile_suspended", NULL, lp->suspended);
	head(f, "wgf_reconcile_revision_info", "gauge", "The revision the reconcile loop last applied.");
	if (lp->revision)
		put_i(f, "wgf_reconcile_revision_info", (const char *[]){ "revision", lp->revision, NULL }, 1);
	head(f, "wgf_signature_verified", "gauge",
	     "1 when the last attempted revision carried a signature of an allowed signer.");
	put_i(f, "wgf_signature_verified", (const char *[]){ "principal", lp->signer ? lp->signer : "",
			  "verify", lp->verify ? lp->verify : "", NULL }, lp->verified);
	head(f, "wgf_drift_items", "gauge", "Changes the last reconcile planned, by kind of object (0: converged).");
	for (size_t i = 0; lp->drift && i < lp->n_drift; i++)
		put_u(f, "wgf_drift_items", (const char *[]){ "kind", lp->drift[i].name, NULL }, lp->drift[i].n);
}

static void exits(const struct mctx *c)
{
	const struct metrics_exits *e = c->in->exits;
	FILE *f = c->f;
	char table[16];

	if (!e || !e->present)
		return;
	head(f, "wgf_exit_watch_updated_timestamp_seconds", "gauge", "UNIX time wgf watch last wrote exits.json.");
	put_i(f, "wgf_exit_watch_updated_timestamp_seconds", NULL, e->updated);
	head(f, "wgf_exit_watch_running", "gauge", "1 when wgf watch wrote within 3 of its probe intervals.");
	put_i(f, "wgf_exit_watch_running", NULL, e->fresh);
	head(f, "wgf_exit_member_up", "gauge", "1 when the exit group's member is up as wgf watch probes it.");
	for (size_t i = 0; i < e->n_members; i++)
		put_i(f, "wgf_exit_member_up", (const char *[]){ "group", e->members[i].group, "member",
			 e->members[i].member, NULL }, e->members[i].up);
	head(f, "wgf_exit_member_in_use", "gauge", "1 for the member a table of an exit group routes through.");
	for (size_t t = 0; t < e->n_tables; t++) {
		snprintf(table, sizeof(table), "%" PRIu32, e->tables[t].table);
		for (size_t i = 0; i < e->n_members; i++) {
			const struct metrics_exit_member *m = &e->members[i];
			if (strcmp(m->group, e->tables[t].group))
				continue;
			put_i(f, "wgf_exit_member_in_use", (const char *[]){ "group", m->group, "table", table,
				 "member", m->member, NULL },
			      e->tables[t].member && !strcmp(e->tables[t].member, m->member));
		}
	}
}

static void keys(const struct mctx *c)
{
	const struct key_ages *a = c->in->keys;
	FILE *f = c->f;

	if (!a)
		return;
	head(f, "wgf_key_age_seconds", "gauge", "How old the Host's or Peer's public key is (known creation time).");
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i].created.origin != KEY_ORIGIN_UNKNOWN)
			put_i(f, "wgf_key_age_seconds", (const char *[]){ "name", a->items[i].name, "kind",
				 a->items[i].is_host ? "host" : "peer", NULL }, a->items[i].age);
	head(f, "wgf_key_rotation_due_seconds", "gauge",
	     "Seconds until the key is due for rotation by its rotation maxAge (negative: overdue).");
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i].created.origin != KEY_ORIGIN_UNKNOWN && a->items[i].max_age)
			put_i(f, "wgf_key_rotation_due_seconds", (const char *[]){ "name", a->items[i].name, "kind",
				 a->items[i].is_host ? "host" : "peer", NULL }, a->items[i].due - c->in->now);
}

int metrics_render(const struct metrics_input *in, FILE *f)
{
	struct mctx c = { .in = in, .f = f };
	struct health_host_facts facts = in->facts;
	int r;

	r = collect(&c, &facts);
	health_index_clear(&c.ix);
	if (r < 0) {
		free(c.peers);
		return r;
	}
	head(f, "wgf_build_info", "gauge", "The version of wgf that wrote these metrics.");
	put_i(f, "wgf_build_info", (const char *[]){ "version", in->version ? in->version : "", NULL }, 1);
	devices(&c);
	if (in->m)
		capacity(&c);
	peer_info(&c);
	peer_counters(&c);
	peer_health(&c);
	host_health(&c, &facts);
	loop(&c);
	exits(&c);
	keys(&c);
	free(c.peers);
	return ferror(f) ? -EIO : 0;
}

int metrics_render_text(const struct metrics_input *in, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	int r;

	if (!f) {
		*out = NULL;
		return -ENOMEM;
	}
	r = metrics_render(in, f);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*out);
		*out = NULL;
		return r == -EIO ? -ENOMEM : r;
	}
	return 0;
}
