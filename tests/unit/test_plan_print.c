/* plan_print_text / plan_print_json: golden text, no secrets, JSON round trip. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "model/hoststate.h"
#include "reconcile/plan/plan.h"
#include "reconcile/host/statedir.h"
#include "tests/unit/unit.h"

static uint8_t priv_old[WG_KEY_LEN], priv_new[WG_KEY_LEN], psk[WG_KEY_LEN];

static void pfx(const char *s, struct wgf_prefix *p)
{
	CHECK(prefix_parse(s, true, p));
}

static struct hs_peer *peer(struct hs_device *d, const char *name, uint8_t seed, const char *aip1, const char *aip2)
{
	struct hs_peer *p = hs_device_add_peer(d);
	struct wgf_prefix ip;

	p->name = name ? strdup(name) : NULL;
	for (int i = 0; i < WG_KEY_LEN; i++)
		p->public_key[i] = (uint8_t)(seed + i);
	pfx(aip1, &ip);
	hs_peer_add_allowed_ip(p, &ip);
	if (aip2) {
		pfx(aip2, &ip);
		hs_peer_add_allowed_ip(p, &ip);
	}
	return p;
}

static struct plan *sample_plan(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct hs_device *d;
	struct hs_peer *p;
	struct hs_route rt = { .ifname = "wg0", .table = 254 };
	struct wgf_prefix a;
	struct plan *plan = NULL;

	want->host_name = strdup("hub");
	d = hoststate_add_device(want, "wg0");
	d->up = true;
	d->mtu = 1420;
	d->listen_port = 51820;
	d->has_private_key = true;
	memcpy(d->private_key, priv_new, WG_KEY_LEN);
	pfx("10.10.0.1/24", &a);
	hs_device_add_address(d, &a);
	p = peer(d, "alice-laptop", 0x10, "10.10.0.10/32", "fd10:10::10/128");
	CHECK(endpoint_parse("198.51.100.10:51820", &p->endpoint));
	p->keepalive = 25;
	p->has_psk = true;
	memcpy(p->psk, psk, WG_KEY_LEN);
	peer(d, "bob-phone", 0x20, "10.10.0.12/32", NULL);
	pfx("192.168.50.0/24", &rt.dst);
	hoststate_add_route(want, &rt);
	hoststate_add_sysctl(want, "net.ipv4.ip_forward", "1");

	d = hoststate_add_device(have, "wg0");
	d->exists = true;
	d->up = true;
	d->mtu = 1420;
	d->listen_port = 51821;
	d->has_private_key = true;
	memcpy(d->private_key, priv_old, WG_KEY_LEN);
	peer(d, NULL, 0x20, "10.10.0.13/32", NULL);
	peer(d, NULL, 0x30, "10.10.0.99/32", NULL)->has_psk = true;
	memcpy(d->peers[1].psk, psk, WG_KEY_LEN);
	hoststate_add_sysctl(have, "net.ipv4.ip_forward", "0");

	hoststate_normalize(want);
	hoststate_normalize(have);
	CHECK_INT(diff_host_states(want, have, NULL, &plan), 0);
	if (plan)
		plan->source = strdup("commit 1a2b3c4d5e6f (main)");
	return plan;
}

static char *capture_text(const struct plan *p, bool color)
{
	struct plan_print_opts o = { .color = color };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	plan_print_text(p, &o, f);
	fclose(f);
	return buf;
}

static char *capture_json(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK_INT(plan_print_json(p, f), 0);
	fclose(f);
	return buf;
}

static void test_golden_text(void)
{
	struct plan *p = sample_plan();
	char *out = capture_text(p, false);
	char fp_old[WG_KEY_FP_LEN], fp_new[WG_KEY_FP_LEN], expected[2048];
	uint8_t pub[WG_KEY_LEN];

	key_public_from_private(pub, priv_old);
	key_fingerprint(pub, fp_old);
	key_public_from_private(pub, priv_new);
	key_fingerprint(pub, fp_new);
	snprintf(expected, sizeof(expected),
		 "wgf plan for host \"hub\" from commit 1a2b3c4d5e6f (main)\n"
		 "\n"
		 "interface wg0:\n"
		 "  - peer (unknown) (MDEyMzQ1…)\n"
		 "  ~ device wg0\n"
		 "      ~ listen_port: 51821 → 51820\n"
		 "      ~ private_key: (sensitive) changed\n"
		 "      ~ public_key: %s → %s\n"
		 "  + peer \"alice-laptop\" (EBESExQV…)\n"
		 "      allowed_ips:   10.10.0.10/32, fd10:10::10/128\n"
		 "      endpoint:      198.51.100.10:51820\n"
		 "      keepalive:     25\n"
		 "      preshared_key: (sensitive)\n"
		 "  ~ peer \"bob-phone\" (ICEiIyQl…)\n"
		 "      ~ allowed_ips: +10.10.0.12/32 −10.10.0.13/32\n"
		 "  + address 10.10.0.1/24\n"
		 "  + route 192.168.50.0/24 (table main)\n"
		 "\n"
		 "host:\n"
		 "  ~ sysctl net.ipv4.ip_forward: \"0\" → \"1\"\n"
		 "\n"
		 "Plan: 3 to add, 3 to change, 1 to destroy.\n", fp_old, fp_new);
	CHECK_STR(out, expected);
	free(out);

	out = capture_text(p, true);
	CHECK(strstr(out, "\033[32m+\033[0m peer \"alice-laptop\""));
	CHECK(strstr(out, "\033[33m~\033[0m peer \"bob-phone\""));
	CHECK(strstr(out, "\033[31m-\033[0m peer (unknown)"));
	CHECK(strstr(out, "\033[1minterface wg0:\033[0m"));
	free(out);
	plan_free(p);
}

static void test_new_interface_text(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct hs_device *d;
	struct plan *p = NULL;
	char *out;

	want->host_name = strdup("edge");
	d = hoststate_add_device(want, "wg1");
	d->up = true;
	d->mtu = 1420;
	d->listen_port = 51820;
	d->fwmark = 81;
	d = hoststate_add_device(want, "wg0");
	d->up = true;
	peer(d, "p", 0x40, "10.1.0.2/32", NULL);
	hoststate_normalize(want);
	hoststate_normalize(have);
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	out = capture_text(p, false);
	CHECK_STR(out,
		  "wgf plan for host \"edge\"\n"
		  "\n"
		  "interface wg0:\n"
		  "  + interface wg0 (up)\n"
		  "  + device wg0\n"
		  "  + peer \"p\" (QEFCQ0RF…)\n"
		  "      allowed_ips: 10.1.0.2/32\n"
		  "\n"
		  "interface wg1:\n"
		  "  + interface wg1 (mtu 1420, up)\n"
		  "  + device wg1\n"
		  "      listen_port: 51820\n"
		  "      fwmark:      81\n"
		  "\n"
		  "Plan: 3 to add, 0 to change, 0 to destroy.\n");
	free(out);
	plan_free(p);
}

static bool contains_secret(const char *out, const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN], hex[WG_KEY_HEX_LEN];

	key_to_base64(key, b64);
	key_to_hex(key, hex);
	return strstr(out, b64) || strstr(out, hex);
}

static void test_no_secrets(void)
{
	struct plan *p = sample_plan();
	char *text = capture_text(p, false), *ctext = capture_text(p, true), *json = capture_json(p);
	uint8_t clamped[WG_KEY_LEN];

	/* the check itself can see a key */
	CHECK(contains_secret(json, p->actions[0].peer_observed->public_key));
	memcpy(clamped, priv_new, WG_KEY_LEN);
	key_clamp(clamped);
	for (int i = 0; i < 3; i++) {
		const char *out = i == 0 ? text : i == 1 ? ctext : json;

		CHECK(!contains_secret(out, priv_old));
		CHECK(!contains_secret(out, priv_new));
		CHECK(!contains_secret(out, clamped));
		CHECK(!contains_secret(out, psk));
	}
	free(text);
	free(ctext);
	free(json);
	plan_free(p);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A JSON array of strings joined with ",", or NULL when it is not one. */
static const char *jlist(struct json_object *o, const char *key)
{
	static char buf[4096];
	struct json_object *v = NULL;
	size_t len = 0;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(v, i));
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "", e ? e : "(null)");
		if (len >= sizeof(buf))
			return NULL;
	}
	return buf;
}

static long jint(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	return (long)json_object_get_int64(v);
}

static void test_json(void)
{
	struct plan *p = sample_plan();
	char *out = capture_json(p), b64[WG_KEY_B64_LEN];
	struct json_object *root = json_tokener_parse(out), *summary = NULL, *changes = NULL, *c, *fields = NULL;
	size_t len = strlen(out);

	CHECK(strchr(out, '\n') == out + len - 1);
	CHECK(root != NULL);
	if (!root)
		goto out;
	CHECK_INT(jint(root, "format_version"), PLAN_JSON_FORMAT);
	CHECK_STR(jstr(root, "host"), "hub");
	CHECK_STR(jstr(root, "source"), "commit 1a2b3c4d5e6f (main)");
	CHECK(json_object_object_get_ex(root, "summary", &summary));
	CHECK_INT(jint(summary, "create"), 3);
	CHECK_INT(jint(summary, "update"), 3);
	CHECK_INT(jint(summary, "delete"), 1);
	CHECK(json_object_object_get_ex(root, "changes", &changes) && json_object_is_type(changes, json_type_array));
	CHECK_INT(json_object_array_length(changes), p->n_actions);
	if (json_object_array_length(changes) != 7)
		goto out;

	c = json_object_array_get_idx(changes, 0);
	CHECK_STR(jstr(c, "action"), "delete");
	CHECK_STR(jstr(c, "object"), "peer");
	CHECK_STR(jstr(c, "interface"), "wg0");
	CHECK(jstr(c, "name") == NULL);
	CHECK_STR(jstr(c, "public_key"), key_to_base64(p->actions[0].peer_observed->public_key, b64));

	c = json_object_array_get_idx(changes, 3);
	CHECK_STR(jstr(c, "action"), "update");
	CHECK_STR(jstr(c, "name"), "bob-phone");
	CHECK(json_object_object_get_ex(c, "fields", &fields) && json_object_array_length(fields) == 1);
	c = json_object_array_get_idx(fields, 0);
	CHECK_STR(jstr(c, "name"), "allowed_ips");
	/* the lists before and after, whole (the text shows what changes) */
	CHECK_STR(jlist(c, "before"), "10.10.0.13/32");
	CHECK_STR(jlist(c, "after"), "10.10.0.12/32");

	c = json_object_array_get_idx(changes, 5);
	CHECK_STR(jstr(c, "object"), "route");
	CHECK_STR(jstr(c, "name"), "192.168.50.0/24");
	CHECK(!json_object_object_get_ex(c, "public_key", NULL));

	c = json_object_array_get_idx(changes, 6);
	CHECK_STR(jstr(c, "object"), "sysctl");
	CHECK(json_object_object_get_ex(c, "fields", &fields));
	c = json_object_array_get_idx(fields, 0);
	CHECK_STR(jstr(c, "before"), "0");
	CHECK_STR(jstr(c, "after"), "1");
out:
	json_object_put(root);
	free(out);
	plan_free(p);
}

static void test_empty_plan(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct plan *p = NULL;
	struct json_object *root, *changes = NULL;
	char *out;

	want->host_name = strdup("hub");
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	p->source = strdup("commit 1a2b3c4d5e6f (main)");
	out = capture_text(p, true);
	CHECK_STR(out, "No changes. Host \"hub\" matches the desired state (commit 1a2b3c4d5e6f (main)).\n");
	free(out);
	out = capture_json(p);
	root = json_tokener_parse(out);
	CHECK(root && json_object_object_get_ex(root, "changes", &changes) &&
	      json_object_array_length(changes) == 0);
	json_object_put(root);
	free(out);
	plan_free(p);
}

static void test_many_peers_print(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct hs_device *d = hoststate_add_device(want, "wg0");
	struct plan *p = NULL;
	struct json_object *root;
	char *out;
	size_t lines = 0;

	want->host_name = strdup("hub");
	d->up = true;
	for (unsigned i = 0; i < 10000; i++) {
		struct hs_peer *hp = hs_device_add_peer(d);
		struct wgf_prefix ip = { .family = AF_INET, .len = 32,
					 .addr = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i } };

		hp->public_key[0] = (uint8_t)(i >> 8);
		hp->public_key[1] = (uint8_t)i;
		hs_peer_add_allowed_ip(hp, &ip);
	}
	hoststate_normalize(want);
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	out = capture_text(p, false);
	for (const char *s = out; (s = strchr(s, '\n')); s++)
		lines++;
	/* header 3 + link + device + 2 per peer + blank + summary */
	CHECK_INT(lines, 3 + 2 + 20000 + 2);
	CHECK(strstr(out, "Plan: 10001 to add, 0 to change, 0 to destroy.\n"));
	free(out);
	out = capture_json(p);
	root = json_tokener_parse(out);
	CHECK(root != NULL);
	json_object_put(root);
	free(out);
	plan_free(p);
}

/* The text cuts long lists short for people; the JSON carries them whole. */
static void test_json_complete_lists(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct fw_record *rec = NULL;
	struct diff_opts o = { 0 };
	struct hs_device *d = hoststate_add_device(want, "wg0");
	struct hs_peer *pe = peer(d, "many", 0x40, "10.9.0.0/32", NULL);
	struct hs_firewall applied = { 0 };
	struct json_object *root = NULL, *changes, *c, *v;
	struct plan *p = NULL;
	char *text = NULL, *json = NULL, listing[4096] = "table inet wgf {\n\tchain c {\n", more[4096];
	size_t n_drift = 0;

	want->host_name = strdup("hub");
	for (unsigned i = 1; i < 20; i++) {
		struct wgf_prefix ip = { .family = AF_INET, .len = 32, .addr = { 10, 9, 0, (uint8_t)i } };
		hs_peer_add_allowed_ip(pe, &ip);
	}
	want->firewall.present = true;
	want->firewall.body = strdup("chain c {\n}\n");
	applied.body = strdup("chain c {\n}\n");
	strcat(listing, "\t}\n}\n");
	CHECK_INT(fw_record_new(&applied, listing, &rec), 0);
	/* fifteen rules added by hand */
	snprintf(more, sizeof(more), "table inet wgf {\n\tchain c {\n");
	for (unsigned i = 0; i < 15; i++)
		snprintf(more + strlen(more), sizeof(more) - strlen(more), "\t\ttcp dport %u accept\n", 1000 + i);
	strcat(more, "\t}\n}\n");
	have->firewall.present = true;
	have->firewall.body = strdup(more);
	hoststate_normalize(want);
	hoststate_normalize(have);
	o.fw_applied = rec;
	CHECK_INT(diff_host_states(want, have, &o, &p), 0);
	if (!p)
		goto out;
	text = capture_text(p, false);
	CHECK(strstr(text, "      allowed_ips: 10.9.0.0/32, 10.9.0.1/32, 10.9.0.2/32, 10.9.0.3/32, 10.9.0.4/32, "
			   "10.9.0.5/32, 10.9.0.6/32, 10.9.0.7/32, … (+12 more)\n"));
	CHECK(strstr(text, "      ! changed outside wgf: + chain c: tcp dport 1009 accept\n"
			   "      ! changed outside wgf: … 5 more\n"));
	CHECK(!strstr(text, "tcp dport 1010"));
	json = capture_json(p);
	root = json_tokener_parse(json);
	CHECK(root && json_object_object_get_ex(root, "changes", &changes));
	if (!root || !changes)
		goto out;
	for (size_t i = 0; i < json_object_array_length(changes); i++) {
		c = json_object_array_get_idx(changes, i);
		if (!strcmp(jstr(c, "object"), "peer")) {
			CHECK(json_object_object_get_ex(c, "fields", &v));
			v = json_object_array_get_idx(v, 0);
			CHECK_STR(jstr(v, "name"), "allowed_ips");
			CHECK(json_object_object_get_ex(v, "after", &v) && json_object_array_length(v) == 20);
			CHECK_STR(json_object_get_string(json_object_array_get_idx(v, 19)), "10.9.0.19/32");
		} else if (json_object_object_get_ex(c, "drift", &v)) {
			n_drift = json_object_array_length(v);
			CHECK_STR(json_object_get_string(json_object_array_get_idx(v, 14)),
				  "+ chain c: tcp dport 1014 accept");
		}
	}
	CHECK_INT(n_drift, 15);
out:
	json_object_put(root);
	free(text);
	free(json);
	free(applied.body);
	fw_record_free(rec);
	plan_free(p);
}

/* sample_plan's changes plus a firewall update: an item changed, one added, one
 * removed, and a rule added by hand. */
static struct plan *firewall_plan(void)
{
	static const char kernel[] = "table inet wgf {\n\tchain from_tunnel {\n\t\tct state established accept\n"
				     "\t\ttcp dport 22 accept\n\t}\n}\n";
	struct host_state *want = hoststate_new(), *have = hoststate_new(), *applied = hoststate_new();
	struct diff_opts o = { 0 };
	struct fw_record *rec = NULL;
	struct hs_device *d;
	struct hs_peer *pe;
	struct plan *p = NULL;

	want->host_name = strdup("vps");
	d = hoststate_add_device(want, "wg0");
	d->up = true;
	d->has_private_key = true;
	memcpy(d->private_key, priv_new, WG_KEY_LEN);
	pe = peer(d, "bob", 0x20, "10.0.0.3/32", NULL);
	pe->has_psk = true;
	memcpy(pe->psk, psk, WG_KEY_LEN);
	want->firewall.present = true;
	want->firewall.body = strdup("chain from_tunnel {\n}\n");
	hs_firewall_add_item(&want->firewall, "access/peer/bob", "vpn-only");
	hs_firewall_add_item(&want->firewall, "forward/198.51.100.7/tcp/25565", "→ gameserver 10.0.0.5:25565");

	applied->firewall.body = strdup("old");
	hs_firewall_add_item(&applied->firewall, "access/peer/bob", "full");
	hs_firewall_add_item(&applied->firewall, "access/peer/carol", "lan-only: 192.168.50.0/24");
	CHECK_INT(fw_record_new(&applied->firewall, "table inet wgf {\n\tchain from_tunnel {\n"
			       "\t\tct state established accept\n\t}\n}\n", &rec), 0);

	d = hoststate_add_device(have, "wg0");
	d->exists = true;
	d->up = true;
	d->has_private_key = true;
	memcpy(d->private_key, priv_old, WG_KEY_LEN);
	have->firewall.present = true;
	have->firewall.body = strdup(kernel);

	hoststate_normalize(want);
	hoststate_normalize(have);
	o.fw_applied = rec;
	CHECK_INT(diff_host_states(want, have, &o, &p), 0);
	fw_record_free(rec);
	hoststate_free(applied);
	return p;
}

static void test_firewall_text(void)
{
	struct plan *p = firewall_plan();
	char *out = capture_text(p, false);

	CHECK(strstr(out,
		     "\nhost:\n"
		     "  ~ nftables table inet wgf\n"
		     "      ~ access peer bob: full → vpn-only\n"
		     "      - access peer carol: lan-only: 192.168.50.0/24\n"
		     "      + forward 198.51.100.7 tcp/25565 → gameserver 10.0.0.5:25565\n"
		     "      ! changed outside wgf: + chain from_tunnel: tcp dport 22 accept\n"
		     "\n"
		     "Plan: 1 to add, 2 to change, 0 to destroy.\n"));
	free(out);
	out = capture_text(p, true);
	CHECK(strstr(out, "  \033[33m~\033[0m nftables table inet wgf\n"));
	CHECK(strstr(out, "      \033[31m!\033[0m changed outside wgf: + chain"));
	CHECK(strstr(out, "      \033[32m+\033[0m forward 198"));
	free(out);
	plan_free(p);
}

/* A plan of policy rules and route kinds: the rules under "policy rules" in
 * `ip rule` words (removals first), a blackhole under "host", a prefsrc and
 * a type change as fields; in JSON each rule with its fields. */
static struct plan *rules_plan(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct hs_rule r = { .family = AF_INET, .priority = 20100, .table = 52001, .suppress_prefixlen = -1 };
	struct hs_route bh = { .table = 52001, .type = HS_ROUTE_BLACKHOLE }, rt = { .ifname = "wgx-us", .table = 52002 };
	struct plan *p = NULL;

	want->host_name = strdup("hub");
	CHECK(prefix_parse("10.8.0.0/24", false, &r.src));
	hoststate_add_rule(want, &r);
	r = (struct hs_rule){ .family = AF_INET, .priority = 20900, .table = 52000, .has_fwmark = true, .invert = true,
			      .fwmark = 51820, .suppress_prefixlen = -1 };
	hoststate_add_rule(want, &r);
	r = (struct hs_rule){ .family = AF_INET6, .priority = 20000, .table = HS_ROUTE_TABLE_MAIN, .suppress_prefixlen = 0 };
	hoststate_add_rule(have, &r);
	CHECK(prefix_parse("0.0.0.0/0", false, &bh.dst));
	hoststate_add_route(want, &bh);
	CHECK(prefix_parse("0.0.0.0/0", false, &rt.dst));
	hoststate_add_route(have, &rt);
	CHECK(prefix_parse("10.8.0.1", true, &rt.prefsrc));
	rt.has_prefsrc = true;
	hoststate_add_route(want, &rt);
	hoststate_add_device(want, "wgx-us");
	hoststate_add_device(have, "wgx-us")->exists = true;
	hoststate_normalize(want);
	hoststate_normalize(have);
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	return p;
}

static void test_rules_text(void)
{
	struct plan *p = rules_plan();
	char *out = p ? capture_text(p, false) : NULL;

	CHECK_STR(out,
		  "wgf plan for host \"hub\"\n"
		  "\n"
		  "interface wgx-us:\n"
		  "  ~ route 0.0.0.0/0 (table 52002)\n"
		  "      ~ prefsrc: (none) → 10.8.0.1\n"
		  "\n"
		  "policy rules:\n"
		  "  - rule 20000: from all lookup main suppress_prefixlength 0 (IPv6)\n"
		  "  + rule 20100: from 10.8.0.0/24 lookup 52001\n"
		  "  + rule 20900: not from all fwmark 0xca6c lookup 52000 (IPv4)\n"
		  "\n"
		  "host:\n"
		  "  + route 0.0.0.0/0 (table 52001)\n"
		  "      type: blackhole\n"
		  "\n"
		  "Plan: 3 to add, 1 to change, 1 to destroy.\n");
	free(out);
	plan_free(p);
}

static void test_rules_json(void)
{
	struct plan *p = rules_plan();
	char *out = p ? capture_json(p) : NULL;

	CHECK(out && strstr(out, "{\"action\":\"create\",\"object\":\"rule\",\"interface\":null,"
			    "\"name\":\"20900: not from all fwmark 0xca6c lookup 52000 (IPv4)\",\"rule\":{\"family\":4,"
			    "\"priority\":20900,\"from\":null,\"to\":null,\"iif\":null,\"fwmark\":51820,\"fwmask\":0,"
			    "\"not\":true,\"table\":52000,\"suppress_prefixlength\":null},\"fields\":[]}"));
	CHECK(out && strstr(out, "\"object\":\"route\",\"interface\":null,\"name\":\"0.0.0.0/0\",\"route\":{"
			    "\"table\":52001,\"metric\":0,\"type\":\"blackhole\",\"prefsrc\":null},\"fields\":[{"
			    "\"name\":\"type\",\"before\":null,\"after\":\"blackhole\"}]"));
	CHECK(out && strstr(out, "\"fields\":[{\"name\":\"prefsrc\",\"before\":null,\"after\":\"10.8.0.1\"}]"));
	if (out && !strstr(out, "\"object\":\"rule\""))
		fprintf(stderr, "#  %s\n", out);
	free(out);
	plan_free(p);
}

static void test_firewall_json(void)
{
	struct plan *p = firewall_plan();
	char *out = capture_json(p);
	struct json_object *root = json_tokener_parse(out), *changes = NULL, *c, *items = NULL, *v = NULL, *e;

	CHECK(root != NULL);
	CHECK(!contains_secret(out, priv_old));
	CHECK(!contains_secret(out, priv_new));
	CHECK(!contains_secret(out, psk));
	if (!root || !json_object_object_get_ex(root, "changes", &changes))
		goto out;
	c = json_object_array_get_idx(changes, json_object_array_length(changes) - 1);
	CHECK_STR(jstr(c, "object"), "nftables table");
	CHECK_STR(jstr(c, "action"), "update");
	CHECK_STR(jstr(c, "name"), "inet wgf");
	CHECK(json_object_object_get_ex(c, "interface", &v) && v == NULL);
	CHECK(json_object_object_get_ex(c, "items", &items));
	CHECK(json_object_object_get_ex(items, "added", &v) && json_object_array_length(v) == 1);
	e = json_object_array_get_idx(v, 0);
	CHECK_STR(jstr(e, "key"), "forward/198.51.100.7/tcp/25565");
	CHECK_STR(jstr(e, "value"), "→ gameserver 10.0.0.5:25565");
	CHECK(json_object_object_get_ex(items, "removed", &v) && json_object_array_length(v) == 1);
	CHECK_STR(jstr(json_object_array_get_idx(v, 0), "key"), "access/peer/carol");
	CHECK(json_object_object_get_ex(items, "changed", &v) && json_object_array_length(v) == 1);
	e = json_object_array_get_idx(v, 0);
	CHECK_STR(jstr(e, "key"), "access/peer/bob");
	CHECK_STR(jstr(e, "before"), "full");
	CHECK_STR(jstr(e, "after"), "vpn-only");
	CHECK(json_object_object_get_ex(c, "drift", &v) && json_object_array_length(v) == 1);
	CHECK_STR(json_object_get_string(json_object_array_get_idx(v, 0)), "+ chain from_tunnel: tcp dport 22 accept");
	CHECK(json_object_object_get_ex(c, "notes", &v) && json_object_array_length(v) == 0);
	/* every change is in "fields" too, like any other object's */
	CHECK(json_object_object_get_ex(c, "fields", &v) && json_object_array_length(v) == 4);
	/* the kernel's listing is not the plan's business */
	CHECK(!strstr(out, "ct state established"));
out:
	json_object_put(root);
	free(out);
	plan_free(p);
}

static void add_notice(struct plan *p, const char *name, uint8_t seed, enum peer_notice_state state,
		       int64_t expires, unsigned days_left)
{
	struct peer_notice *n;
	char file[64];

	p->notices.items = realloc(p->notices.items, (p->notices.n + 1) * sizeof(*n));
	n = &p->notices.items[p->notices.n++];
	memset(n, 0, sizeof(*n));
	n->peer = strdup(name);
	for (int i = 0; i < WG_KEY_LEN; i++)
		n->public_key[i] = (uint8_t)(seed + i);
	snprintf(file, sizeof(file), "peers/%s.yaml", name);
	n->file = strdup(file);
	n->line = 5;
	n->col = 1;
	n->state = state;
	n->has_expires = expires != 0;
	n->expires = expires;
	n->days_left = days_left;
}

/* Skipped and expiring peers: a section before the summary, and a removal says why. */
static void test_peer_notices_text(void)
{
	struct plan *p = sample_plan();
	char *out;

	add_notice(p, "kid", 0x70, PEER_NOTICE_DISABLED, 0, 0);
	add_notice(p, "old-guest", 0x30, PEER_NOTICE_EXPIRED, 1769817600, 0);      /* 2026-01-31 */
	add_notice(p, "alice-laptop", 0x10, PEER_NOTICE_EXPIRING, 1770681600, 13); /* 2026-02-10 */
	out = capture_text(p, false);
	/* the observed peer with old-guest's key is removed: the plan names it and says why */
	CHECK(strstr(out, "\n  - peer \"old-guest\" (MDEyMzQ1…): expired on 2026-01-31\n"));
	/* a peer that is created is not annotated, even when it expires soon */
	CHECK(strstr(out, "\n  + peer \"alice-laptop\" (EBESExQV…)\n"));
	CHECK(strstr(out, "  ~ sysctl net.ipv4.ip_forward: \"0\" → \"1\"\n"
			  "\n"
			  "Skipped peers:\n"
			  "  kid: disabled (peers/kid.yaml:5:1)\n"
			  "  old-guest: expired on 2026-01-31 (peers/old-guest.yaml:5:1)\n"
			  "\n"
			  "Expiring peers:\n"
			  "  alice-laptop: expires on 2026-02-10, in 13 days (peers/alice-laptop.yaml:5:1)\n"
			  "\n"
			  "Plan: 3 to add, 3 to change, 1 to destroy.\n"));
	/* the lab counts the lines of a table change: notices never look like one */
	CHECK(!strstr(out, "\n      - kid"));
	free(out);

	out = capture_text(p, true);
	CHECK(strstr(out, "\n\033[1mSkipped peers:\033[0m\n"));
	CHECK(strstr(out, "\n\033[1mExpiring peers:\033[0m\n"));
	free(out);
	plan_free(p);
}

static void test_peer_notices_empty_plan(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct plan *p = NULL;
	char *out;

	want->host_name = strdup("hub");
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	p->source = strdup("directory net");
	add_notice(p, "guest-tablet", 0x50, PEER_NOTICE_EXPIRED, 1769817600, 0);
	out = capture_text(p, false);
	CHECK_STR(out, "No changes. Host \"hub\" matches the desired state (directory net).\n"
		       "\n"
		       "Skipped peers:\n"
		       "  guest-tablet: expired on 2026-01-31 (peers/guest-tablet.yaml:5:1)\n");
	free(out);
	plan_free(p);

	/* only expiring ones: no "Skipped peers:" heading */
	want = hoststate_new();
	have = hoststate_new();
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	add_notice(p, "bob", 0x50, PEER_NOTICE_EXPIRING, 1769817600 + 3600, 1);
	out = capture_text(p, false);
	CHECK_STR(out, "No changes. Host \"\" matches the desired state.\n"
		       "\n"
		       "Expiring peers:\n"
		       "  bob: expires on 2026-01-31T01:00:00Z, in 1 day (peers/bob.yaml:5:1)\n");
	free(out);
	plan_free(p);
}

static void test_peer_notices_json(void)
{
	struct plan *p = sample_plan();
	struct json_object *root, *arr = NULL, *n, *v = NULL;
	char *out;

	add_notice(p, "kid", 0x70, PEER_NOTICE_DISABLED, 0, 0);
	add_notice(p, "alice-laptop", 0x10, PEER_NOTICE_EXPIRING, 1770681600, 13);
	out = capture_json(p);
	root = json_tokener_parse(out);
	CHECK(root);
	/* the existing fields are still there */
	CHECK(json_object_object_get_ex(root, "format_version", NULL));
	CHECK(json_object_object_get_ex(root, "summary", NULL));
	CHECK(json_object_object_get_ex(root, "changes", &v) && json_object_array_length(v) == p->n_actions);
	CHECK(json_object_object_get_ex(root, "peer_notices", &arr) && json_object_array_length(arr) == 2);
	n = json_object_array_get_idx(arr, 0);
	CHECK_STR(jstr(n, "peer"), "kid");
	CHECK_STR(jstr(n, "state"), "disabled");
	CHECK_STR(jstr(n, "severity"), "note");
	CHECK_STR(jstr(n, "message"), "peer \"kid\" is disabled (enabled: false) and is not configured");
	CHECK(json_object_object_get_ex(n, "expires", &v) && v == NULL);
	CHECK(json_object_object_get_ex(n, "days_left", &v) && v == NULL);
	n = json_object_array_get_idx(arr, 1);
	CHECK_STR(jstr(n, "peer"), "alice-laptop");
	CHECK_STR(jstr(n, "public_key"), "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8=");
	CHECK_STR(jstr(n, "state"), "expiring");
	CHECK_STR(jstr(n, "expires"), "2026-02-10");
	CHECK_STR(jstr(n, "severity"), "warning");
	CHECK_STR(jstr(n, "file"), "peers/alice-laptop.yaml");
	CHECK(json_object_object_get_ex(n, "days_left", &v) && json_object_get_int(v) == 13);
	CHECK(json_object_object_get_ex(n, "line", &v) && json_object_get_int(v) == 5);
	CHECK(json_object_object_get_ex(n, "column", &v) && json_object_get_int(v) == 1);
	json_object_put(root);
	free(out);
	plan_free(p);

	/* no notices: an empty array */
	p = sample_plan();
	out = capture_json(p);
	root = json_tokener_parse(out);
	CHECK(root && json_object_object_get_ex(root, "peer_notices", &arr) && json_object_array_length(arr) == 0);
	json_object_put(root);
	free(out);
	plan_free(p);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	memset(priv_old, 0xa5, WG_KEY_LEN);
	memset(priv_new, 0x5a, WG_KEY_LEN);
	memset(psk, 0xc3, WG_KEY_LEN);
	RUN(test_golden_text);
	RUN(test_new_interface_text);
	RUN(test_no_secrets);
	RUN(test_json);
	RUN(test_empty_plan);
	RUN(test_many_peers_print);
	RUN(test_json_complete_lists);
	RUN(test_firewall_text);
	RUN(test_firewall_json);
	RUN(test_rules_text);
	RUN(test_rules_json);
	RUN(test_peer_notices_text);
	RUN(test_peer_notices_empty_plan);
	RUN(test_peer_notices_json);
	UNIT_DONE();
}
