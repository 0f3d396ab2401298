#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/wgf.h"
#include "reconcile/host/loopstate.h"
#include "reconcile/plan/plan_json.h"
#include "render/health.h"

static const char help[] =
	"Usage: wgf status [PATH | --repo DIR --ref REF] [--json] [--stale-after DURATION]\n"
	"                  [--state-dir DIR]\n\n"
	"Shows the WireGuard interfaces wgf manages on this host as the kernel has them:\n"
	"backend (kernel or userspace), listen port, addresses, and each peer's endpoint,\n"
	"allowed IPs, latest handshake and transfer; its DNS as the resolver has it\n"
	"(servers, search and ~routing domains, whether it is the default DNS route,\n"
	"and systemd-resolved or resolvconf); and whether the nftables table\n"
	"inet wgf is as wgf applied it; and where the reconcile loop stands (the last\n"
	"applied and attempted revision, signer, outcome, failures, next attempt, a\n"
	"suspension). With a repository (PATH or --repo), peers are\n"
	"named after the repository's Hosts and Peers and its interfaces are included,\n"
	"and a hub's interface shows its capacity: the enabled Peers that list it among\n"
	"their hubs against its maxPeers (failover can put them all on it);\n"
	"without one, the interfaces wgf created are shown. Each exit group this host\n"
	"routes through is shown as `wgf watch` last saw it: its members' health (up or\n"
	"down since when, and why), latency and handshake age, and the member each\n"
	"table uses (\"WATCH NOT RUNNING\" when watch has not written for 3 intervals).\n"
	"Each notification target (hook, webhook) shows its last delivery and last\n"
	"failure (README \"Notifications\").\n\n"
	"Each peer gets a verdict: online (a handshake within --stale-after), stale,\n"
	"never (no handshake since the interface came up, with a likely reason where\n"
	"wgf can tell), and with a repository disabled, expired (should not be on the\n"
	"interface) and unknown (a key the repository does not name). A peer with a\n"
	"keepalive on either side is expected up: stale or never makes the host\n"
	"unhealthy; a road warrior without keepalive may sleep and never does. Each\n"
	"host gets healthy, degraded (reconcile backing off, suspended or refused, wgf\n"
	"watch not running, an exit member down, a peer that should not be there) or\n"
	"unhealthy (an interface missing or down, a peer expected up stale or never, an\n"
	"exit group with every member down).\n\n"
	"Exit status: 0 healthy or degraded, 1 error, 4 unhealthy.\n\n"
	"  --allow-empty   a repository with no YAML documents is not an error\n"
	"  --json          print as JSON\n"
	"  --no-color      no colours (also NO_COLOR=1)\n"
	"  --stale-after D a handshake older than D is stale (whole seconds: 90s, 5m, 1h;\n"
	"                  default the Network's health.staleAfter, else 3m)\n"
	"  --state-dir DIR wgf's records (default /var/lib/wgf)\n"
	"  -h, --help      this help\n";

/* A hub's load; false when the device is no hub of the repository. */
struct capacity {
	const char *host;
	size_t peers, first;
	uint32_t max;                  /* 0: no maxPeers */
};

static bool device_capacity(const struct model *m, const struct hs_device *d, const char *host, struct capacity *c)
{
	const struct model_host *h = health_device_host(m, d, host);

	if (!h || !host_role_takes_peers(h->role))
		return false;
	c->host = h->meta.name;
	c->peers = model_hub_peers(m, model_host_index(m, h), &c->first);
	c->max = h->max_peers;
	return true;
}

static void print_capacity(const struct capacity *c)
{
	printf("  capacity:    %zu peer%s (%zu with it as their first hub)", c->peers, c->peers == 1 ? "" : "s", c->first);
	if (c->max)
		printf(" of maxPeers %u: %.1f%%\n", c->max, 100.0 * (double)c->peers / c->max);
	else
		puts(", no maxPeers");
}

static json_object *capacity_json(const struct capacity *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "host", json_object_new_string(c->host));
	json_object_object_add(o, "peers", json_object_new_int64((int64_t)c->peers));
	json_object_object_add(o, "first_hub_peers", json_object_new_int64((int64_t)c->first));
	json_object_object_add(o, "max_peers", c->max ? json_object_new_int64(c->max) : NULL);
	json_object_object_add(o, "utilisation", c->max ? json_object_new_double((double)c->peers / c->max) : NULL);
	return o;
}

/* What the printers need to give verdicts, and what they count for the host's. */
struct health_ctx {
	const struct model *m;
	const char *host;
	const struct health_index *ix;
	int64_t now;
	uint32_t stale_after;          /* --stale-after; 0: the Network's health.staleAfter, else the default */
	bool color;
	struct health_host_facts facts;
};

static const char *verdict_color(const struct health_peer *h)
{
	if (h->unhealthy)
		return "\033[1;31m";
	return h->verdict == HEALTH_ONLINE ? "\033[32m" : "\033[33m";
}

static const char *level_color(enum health_level l)
{
	return l == HEALTH_HEALTHY ? "\033[32m" : l == HEALTH_DEGRADED ? "\033[33m" : "\033[1;31m";
}

/* self: the repository's Host that d is (health_device_host), found once per device. */
static void health_of(const struct health_ctx *hc, const struct model_host *self, const struct hs_device *d,
		      const struct hs_peer *p, struct health_peer *out)
{
	health_peer_eval(hc->m, self, health_index_find(hc->ix, p->public_key), d, p, hc->now,
			 health_stale_after(hc->m, self, hc->stale_after), out);
}

/* The host's facts: its interfaces, peers, reconcile loop and exit groups. */
static enum health_level health_collect(struct health_ctx *hc, const struct host_state *hs, const struct loopstate *ls,
					const char *state_dir, char *why, size_t len)
{
	const struct model_host *self = hc->m && hc->host ? model_find_host(hc->m, hc->host) : NULL;
	struct health_host_facts *f = &hc->facts;

	if (self) {
		const struct hs_device *d = hoststate_find_device(hs, self->ifname);
		f->ifaces_missing += !d || !d->exists;
	}
	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *d = &hs->devices[i];
		const struct model_host *self_of = health_device_host(hc->m, d, hc->host);
		f->ifaces_down += d->exists && !d->up;
		for (size_t j = 0; j < d->n_peers; j++) {
			struct health_peer h;
			health_of(hc, self_of, d, &d->peers[j], &h);
			health_host_count(f, &h);
		}
	}
	f->loop_backoff = ls->consecutive_failures > 0;
	f->loop_suspended = ls->suspended;
	f->loop_refused = ls->last_attempt.outcome == LOOP_REFUSED;
	cmd_status_exits_facts(state_dir, hc->now * 1000, f);
	return health_host_eval(f, why, len);
}

static json_object *host_health_json(enum health_level l, const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "verdict", json_object_new_string(health_level_name(l)));
	json_object_object_add(o, "why", *why ? json_object_new_string(why) : NULL);
	return o;
}

static void print_host_health(const struct health_ctx *hc, enum health_level l, const char *why)
{
	printf("health: %s%s%s%s%s\n", hc->color ? level_color(l) : "", health_level_name(l), hc->color ? "\033[0m" : "",
	       *why ? " — " : "", why);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ago(int64_t t, char *buf, size_t len)
{
	int64_t d = (int64_t)time(NULL) - t;

	if (!t)
		snprintf(buf, len, "never");
	else if (d < 120)
		snprintf(buf, len, "%llds ago", (long long)d);
	else if (d < 7200)
		snprintf(buf, len, "%lldm ago", (long long)(d / 60));
	else
		snprintf(buf, len, "%lldh ago", (long long)(d / 3600));
}

static void print_run(const char *what, const struct loop_run *r)
{
	char t[LOOPSTATE_TIME_LEN];

	if (!r->time)
		return;
	printf("  %-13s %s%.12s at %s", what, r->revision ? "commit " : "", r->revision ? r->revision : "no revision",
	       loopstate_time(r->time, t));
	if (r->principal)
		printf(", signed by %s (%s)", r->principal, r->fingerprint ? r->fingerprint : "?");
	else if (r->fingerprint)
		printf(", signed by %s", r->fingerprint);
	if (!strcmp(what, "last attempt:"))
		printf(": %s", loop_outcome_name(r->outcome));
	if (r->reason)
		printf(": %s", r->reason);
	putchar('\n');
}

/* The reconcile loop (reconcile.json), when it ever ran or was suspended. */
static void print_loop(const struct loopstate *ls)
{
	char t[LOOPSTATE_TIME_LEN];

	printf("reconcile: %s %s (verify: %s)\n", ls->remote ? ls->remote : "(never ran)", ls->ref ? ls->ref : "",
	       ls->verify ? ls->verify : "?");
	if (ls->verify && !strcmp(ls->verify, "off"))
		printf("  WARNING: signature verification is off: any commit on %s is applied\n", ls->ref ? ls->ref : "the ref");
	if (ls->suspended)
		printf("  SUSPENDED by %s at %s: %s\n", ls->suspended_by ? ls->suspended_by : "?",
		       loopstate_time(ls->suspended_at, t), ls->suspended_reason ? ls->suspended_reason : "no reason given");
	print_run("last applied:", &ls->last_applied);
	print_run("last attempt:", &ls->last_attempt);
	if (ls->consecutive_failures)
		printf("  failures:     %u in a row; backing off until %s\n", ls->consecutive_failures,
		       loopstate_time(ls->next_attempt, t));
	else if (ls->next_attempt)
		printf("  next attempt: %s\n", loopstate_time(ls->next_attempt, t));
}

static bool loop_ran(const struct loopstate *ls)
{
	return ls->remote || ls->suspended;
}

/* A link's DNS as systemd-resolved or resolvconf has it; only resolved knows a default route. */
static void print_dns(const struct host_state *hs, const char *ifname)
{
	const struct hs_dns *d = hoststate_find_dns(hs, ifname);
	char buf[PREFIX_STRLEN];

	if (!d)
		return;
	printf("  dns:        ");
	for (size_t i = 0; i < d->n_servers; i++)
		printf(" %s", prefix_format_addr(&d->servers[i], buf));
	if (d->n_search)
		printf("%s search", d->n_servers ? ";" : "");
	for (size_t i = 0; i < d->n_search; i++)
		printf(" %s", d->search[i]);
	if (d->n_routing)
		printf("%s routing", d->n_servers || d->n_search ? ";" : "");
	for (size_t i = 0; i < d->n_routing; i++)
		printf(" ~%s", d->routing[i]);
	if (hs->dns_manager == HS_DNS_MANAGER_RESOLVED)
		printf("; default route %s", hs_dns_route_name(d->default_route));
	printf(" (%s)\n", hs_dns_manager_name(hs->dns_manager));
}

static json_object *dns_json(const struct host_state *hs, const char *ifname)
{
	const struct hs_dns *d = hoststate_find_dns(hs, ifname);
	json_object *o = d ? plan_dns_json(d) : NULL;

	if (o)
		json_object_object_add(o, "manager", json_object_new_string(hs_dns_manager_name(hs->dns_manager)));
	return o;
}

static void print_peer_health(const struct health_ctx *hc, const struct health_peer *h)
{
	printf(": %s%s%s", hc->color ? verdict_color(h) : "", health_verdict_name(h->verdict), hc->color ? "\033[0m" : "");
	if (h->verdict == HEALTH_STALE || h->verdict == HEALTH_NEVER)
		printf(" (%s)", h->expected_up ? "expected up: unhealthy" : "no keepalive: may be asleep");
	if (h->reason == HEALTH_REASON_PEER_KEY)
		printf(" (the repository's %s has another key)", h->name);
	putchar('\n');
	if (h->reason)
		printf("    why: %s\n", health_reason_text(h->reason));
}

static void print_text(const struct host_state *hs, const struct health_ctx *hc,
		       const struct health_index *ix, const char *fw_state, const struct loopstate *ls)
{
	const struct model *m = hc->m;
	const char *host = hc->host;
	char b64[WG_KEY_B64_LEN], buf[PREFIX_STRLEN], ep[ENDPOINT_STRLEN], when[32];

	if (hs->n_devices == 0)
		puts("No wgf interfaces on this host.");
	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *d = &hs->devices[i];
		const struct model_host *self_of = health_device_host(m, d, host);
		struct capacity cap;
		uint8_t pub[WG_KEY_LEN];
		printf("interface %s: %s, %s, mtu %u\n", d->ifname,
		       d->backend == HS_BACKEND_KERNEL ? "kernel" : "userspace (wireguard-go)",
		       d->up ? "up" : "DOWN", d->mtu);
		if (d->has_private_key && key_public_from_private(pub, d->private_key) == 0)
			printf("  public key:  %s\n", key_to_base64(pub, b64));
		printf("  listen port: %u\n", d->listen_port);
		printf("  addresses:  ");
		for (size_t j = 0; j < d->n_addresses; j++)
			printf(" %s", prefix_format(&d->addresses[j], buf));
		putchar('\n');
		print_dns(hs, d->ifname);
		if (device_capacity(m, d, host, &cap))
			print_capacity(&cap);
		printf("  peers:       %zu\n", d->n_peers);
		for (size_t j = 0; j < d->n_peers; j++) {
			const struct hs_peer *p = &d->peers[j];
			const char *name = health_index_name(ix, p->public_key);
			char fp[WG_KEY_FP_LEN];
			struct health_peer h;
			health_of(hc, self_of, d, p, &h);
			ago(p->last_handshake_sec, when, sizeof(when));
			printf("  peer %s (%s)", name ? name : "(unknown)", key_fingerprint(p->public_key, fp));
			print_peer_health(hc, &h);
			printf("    endpoint: %s  handshake: %s  transfer: %llu B received, %llu B sent\n",
			       endpoint_format(&p->endpoint, ep), when,
			       (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes);
			printf("    allowed ips:");
			for (size_t k = 0; k < p->n_allowed_ips && k < 8; k++)
				printf(" %s", prefix_format(&p->allowed_ips[k], buf));
			if (p->n_allowed_ips > 8)
				printf(" … (+%zu more)", p->n_allowed_ips - 8);
			putchar('\n');
		}
	}
	if (fw_state) {
		char words[32];
		snprintf(words, sizeof(words), "%s", fw_state);
		for (char *w = words; *w; w++)
			*w = *w == '-' ? ' ' : *w;
		printf("nftables table %s %s: %s\n", HS_FW_FAMILY, HS_FW_TABLE, words);
	}
	if (loop_ran(ls))
		print_loop(ls);
}

static json_object *peer_health_json(const struct health_peer *h)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "verdict", json_object_new_string(health_verdict_name(h->verdict)));
	json_object_object_add(o, "expected_up", json_object_new_boolean(h->expected_up));
	json_object_object_add(o, "unhealthy", json_object_new_boolean(h->unhealthy));
	json_object_object_add(o, "reason", h->reason ? json_object_new_string(health_reason_name(h->reason)) : NULL);
	json_object_object_add(o, "why", h->reason ? json_object_new_string(health_reason_text(h->reason)) : NULL);
	json_object_object_add(o, "owner", h->reason == HEALTH_REASON_PEER_KEY ? json_object_new_string(h->name) : NULL);
	return o;
}

static void print_json(const struct host_state *hs, const struct health_ctx *hc,
		       const struct health_index *ix, const char *fw_state, const struct loopstate *ls,
		       json_object *exits, json_object *health, json_object *notify)
{
	const struct model *m = hc->m;
	const char *host = hc->host;
	json_object *o = json_object_new_object(), *devs = json_object_new_array();
	char b64[WG_KEY_B64_LEN], buf[PREFIX_STRLEN], ep[ENDPOINT_STRLEN];

	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *d = &hs->devices[i];
		const struct model_host *self_of = health_device_host(m, d, host);
		json_object *jd = json_object_new_object(), *addrs = json_object_new_array(),
			    *peers = json_object_new_array();
		struct capacity cap;
		uint8_t pub[WG_KEY_LEN];
		json_object_object_add(jd, "interface", json_object_new_string(d->ifname));
		json_object_object_add(jd, "backend", json_object_new_string(
			d->backend == HS_BACKEND_KERNEL ? "kernel" : "userspace"));
		json_object_object_add(jd, "up", json_object_new_boolean(d->up));
		json_object_object_add(jd, "mtu", json_object_new_int64(d->mtu));
		if (d->has_private_key && key_public_from_private(pub, d->private_key) == 0)
			json_object_object_add(jd, "public_key", json_object_new_string(key_to_base64(pub, b64)));
		json_object_object_add(jd, "listen_port", json_object_new_int(d->listen_port));
		for (size_t j = 0; j < d->n_addresses; j++)
			json_object_array_add(addrs, json_object_new_string(prefix_format(&d->addresses[j], buf)));
		json_object_object_add(jd, "addresses", addrs);
		json_object_object_add(jd, "dns", dns_json(hs, d->ifname));
		if (device_capacity(m, d, host, &cap))
			json_object_object_add(jd, "capacity", capacity_json(&cap));
		for (size_t j = 0; j < d->n_peers; j++) {
			const struct hs_peer *p = &d->peers[j];
			const char *name = health_index_name(ix, p->public_key);
			json_object *jp = json_object_new_object(), *ips = json_object_new_array();
			struct health_peer h;
			health_of(hc, self_of, d, p, &h);
			json_object_object_add(jp, "name", name ? json_object_new_string(name) : NULL);
			json_object_object_add(jp, "public_key", json_object_new_string(key_to_base64(p->public_key, b64)));
			json_object_object_add(jp, "endpoint", p->endpoint.family ?
				json_object_new_string(endpoint_format(&p->endpoint, ep)) : NULL);
			json_object_object_add(jp, "latest_handshake", json_object_new_int64(p->last_handshake_sec));
			json_object_object_add(jp, "rx_bytes", json_object_new_int64((int64_t)p->rx_bytes));
			json_object_object_add(jp, "tx_bytes", json_object_new_int64((int64_t)p->tx_bytes));
			json_object_object_add(jp, "persistent_keepalive", json_object_new_int(p->keepalive));
			for (size_t k = 0; k < p->n_allowed_ips; k++)
				json_object_array_add(ips, json_object_new_string(prefix_format(&p->allowed_ips[k], buf)));
			json_object_object_add(jp, "allowed_ips", ips);
			json_object_object_add(jp, "health", peer_health_json(&h));
			json_object_array_add(peers, jp);
		}
		json_object_object_add(jd, "peers", peers);
		json_object_array_add(devs, jd);
	}
	json_object_object_add(o, "interfaces", devs);
	if (fw_state) {
		json_object *fw = json_object_new_object();
		json_object_object_add(fw, "table", json_object_new_string(HS_FW_FAMILY " " HS_FW_TABLE));
		json_object_object_add(fw, "present", json_object_new_boolean(hs->firewall.present));
		json_object_object_add(fw, "state", json_object_new_string(fw_state));
		json_object_object_add(o, "firewall", fw);
	}
	json_object_object_add(o, "reconcile", loop_ran(ls) ? loopstate_to_json(ls) : NULL);
	json_object_object_add(o, "exit_groups", exits);
	json_object_object_add(o, "health", health);
	json_object_object_add(o, "notifications", notify);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

enum { OPT_STALE_AFTER = 0x200 };

/* 1 to go on, 0 after --help, -1 on a bad option. */
static int status_parse(struct cmd_ctx *c, uint32_t *stale_after, int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "stale-after", required_argument, NULL, OPT_STALE_AFTER },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if (opt == OPT_STALE_AFTER) {
			uint32_t ms;
			if (!model_duration_ms_parse(optarg, &ms) || !model_stale_after_ok(ms)) {
				cmd_error("--stale-after takes whole seconds, at least 1s and at most 168h (90s, 3m, 1h), not \"%s\"", optarg);
				return -1;
			}
			*stale_after = ms / 1000;
			continue;
		}
		r = cmd_ctx_option(c, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return -1;
		}
	}
	cmd_key_paths(c);
	return 1;
}

int cmd_status(int argc, char **argv)
{
	struct cmd_ctx c;
	struct model *m = NULL;
	struct host_state *hs = NULL;
	struct wgf_error err = {0};
	const char **names = NULL;
	struct health_index ix = {0};
	struct loopstate ls = {0};
	struct health_ctx hc = {0};
	enum health_level level;
	char why[512];
	size_t n = 0;
	int r, fw_drift, ret = EXIT_ERROR;
	bool have_source;

	cmd_ctx_init(&c, "status");
	r = status_parse(&c, &hc.stale_after, argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	have_source = optind < argc || c.repo;
	if (cmd_ctx_positional(&c, argc, argv) < 0)
		return EXIT_ERROR;
	if (have_source && cmd_load_model(&c, &m) < 0)
		return EXIT_ERROR;
	if (m) {
		const struct model_host *h = c.host ? model_find_host(m, c.host) : NULL;
		names = calloc(m->n_hosts + 1, sizeof(*names));
		if (!names) {
			cmd_error("%s", strerror(ENOMEM));
			goto out;
		}
		for (size_t i = 0; i < m->n_hosts; i++)
			if (!h || h == &m->hosts[i])
				names[n++] = m->hosts[i].ifname;
	}
	if (pipeline_status(c.state_dir, names, n, true, &hs, &fw_drift, &err) < 0) {
		cmd_error("%s", wgf_error_message(&err));
		goto out;
	}
	if (loopstate_load(c.state_dir, &ls, &err) < 0) {
		cmd_error("warning: %s", wgf_error_message(&err));
		wgf_error_clear(&err);
	}
	if (health_index_build(m, &ix) < 0) {
		cmd_error("%s", strerror(ENOMEM));
		goto out;
	}
	hc.m = m;
	hc.host = c.host;
	hc.ix = &ix;
	hc.now = now_ms() / 1000;
	hc.color = c.color;
	level = health_collect(&hc, hs, &ls, c.state_dir, why, sizeof(why));
	if (c.json) {
		print_json(hs, &hc, &ix, fw_drift < 0 ? NULL : fw_drift_name(fw_drift), &ls,
			   cmd_status_exits_json(c.state_dir, now_ms()), host_health_json(level, why),
			   cmd_status_notify_json(c.state_dir));
	} else {
		print_text(hs, &hc, &ix, fw_drift < 0 ? NULL : fw_drift_name(fw_drift), &ls);
		cmd_status_exits_print(c.state_dir, now_ms());
		cmd_status_notify_print(c.state_dir);
		print_host_health(&hc, level, why);
	}
	ret = level == HEALTH_UNHEALTHY ? EXIT_UNHEALTHY : EXIT_OK;
out:
	wgf_error_clear(&err);
	free(names);
	health_index_clear(&ix);
	hoststate_free(hs);
	loopstate_clear(&ls);
	model_free(m);
	return ret;
}
