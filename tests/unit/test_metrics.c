/* The Prometheus exposition (render/metrics.c): the WireGuard exporters'
 * series and labels, 0 for a peer that never shook hands, counters, a
 * hostile name escaped, wgf's own series of the loop, drift, exit groups and
 * key ages, every family once with HELP and TYPE; and reconcile.json's drift
 * and last success time (reconcile/host/loopstate.c). */
#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

#include "reconcile/host/loopstate.h"
#include "render/metrics.h"
#include "tests/unit/unit.h"

#define NOW 1767225600          /* 2026-01-01T00:00:00Z */

enum { P_ALICE, P_EVIL, N_PEERS };

static struct model_network nets[1];
static struct model_host hub;
static struct model_peer peers[N_PEERS];
static size_t hub0 = 0;
static struct model m;
static struct hs_peer hp[3];
static struct hs_device dev;
static struct host_state hs;
static struct wgf_prefix alice_ip;

static void key(uint8_t k[WG_KEY_LEN], int n)
{
	memset(k, 0, WG_KEY_LEN);
	k[0] = (uint8_t)n;
	k[1] = 0xaa;
}

static void setup(void)
{
	static const char *names[] = { "alice", "ev\"il\\peer\nx" };

	hub.meta.name = (char *)"hub";
	snprintf(hub.ifname, sizeof(hub.ifname), "wg0");
	hub.role = HOST_ROLE_HUB;
	hub.max_peers = 10;
	key(hub.public_key, 1);
	for (int i = 0; i < N_PEERS; i++) {
		peers[i].meta.name = (char *)names[i];
		peers[i].enabled = true;
		peers[i].hubs = &hub0;
		peers[i].n_hubs = 1;
		key(peers[i].public_key, 20 + i);
	}
	m = (struct model){ .networks = nets, .n_networks = 1, .hosts = &hub, .n_hosts = 1,
			    .peers = peers, .n_peers = N_PEERS };
	dev = (struct hs_device){ .exists = true, .up = true, .has_private_key = true, .private_key_withheld = true };
	snprintf(dev.ifname, sizeof(dev.ifname), "wg0");
	memcpy(dev.public_key, hub.public_key, WG_KEY_LEN);
	memcpy(hp[0].public_key, peers[P_ALICE].public_key, WG_KEY_LEN);
	hp[0].last_handshake_sec = NOW - 10;
	hp[0].rx_bytes = 18446744073709551615ull;   /* a counter beyond 2^53 printed exactly */
	hp[0].tx_bytes = 5678;
	CHECK(endpoint_parse("198.51.100.7:51820", &hp[0].endpoint));
	CHECK(prefix_parse("10.0.0.2/32", false, &alice_ip));
	hp[0].allowed_ips = &alice_ip;
	hp[0].n_allowed_ips = 1;
	memcpy(hp[1].public_key, peers[P_EVIL].public_key, WG_KEY_LEN);
	key(hp[2].public_key, 99);                 /* a key the repository does not name */
	hp[2].last_handshake_sec = NOW - 1000;
	dev.peers = hp;
	dev.n_peers = 3;
	hs = (struct host_state){ .devices = &dev, .n_devices = 1 };
}

static char *render(const struct metrics_input *in)
{
	char *text = NULL;
	size_t len = 0;

	CHECK_INT(metrics_render_text(in, &text, &len), 0);
	CHECK(text && strlen(text) == len);
	return text;
}

static bool has(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define CHECK_LINE(text, line) do { \
	if (!has(text, line)) { \
		fprintf(stderr, "#  %s:%d: no line: %s\n", __FILE__, __LINE__, line); \
		unit_failed_checks++; \
	} } while (0)

static char b64s[4][WG_KEY_B64_LEN];

static const char *b64(const uint8_t k[WG_KEY_LEN], int slot)
{
	return key_to_base64(k, b64s[slot]);
}

static void test_wireguard_series(void)
{
	struct metrics_input in = { .hs = &hs, .m = &m, .now = NOW, .version = "1.2.3" };
	char *t = render(&in), line[512];

	CHECK_LINE(t, "wgf_build_info{version=\"1.2.3\"} 1");
	snprintf(line, sizeof(line), "wireguard_device_info{device=\"wg0\",public_key=\"%s\"} 1", b64(hub.public_key, 0));
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wireguard_peer_info{device=\"wg0\",public_key=\"%s\",endpoint=\"198.51.100.7:51820\","
		 "name=\"alice\"} 1", b64(hp[0].public_key, 1));
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wireguard_peer_receive_bytes_total{device=\"wg0\",public_key=\"%s\"} "
		 "18446744073709551615", b64s[1]);
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wireguard_peer_transmit_bytes_total{device=\"wg0\",public_key=\"%s\"} 5678", b64s[1]);
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wireguard_peer_last_handshake_seconds{device=\"wg0\",public_key=\"%s\"} %d",
		 b64s[1], NOW - 10);
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wireguard_peer_allowed_ips_info{device=\"wg0\",public_key=\"%s\","
		 "allowed_ips=\"10.0.0.2/32\"} 1", b64s[1]);
	CHECK_LINE(t, line);
	/* never: 0, and no endpoint: "" */
	snprintf(line, sizeof(line), "wireguard_peer_last_handshake_seconds{device=\"wg0\",public_key=\"%s\"} 0",
		 b64(hp[1].public_key, 2));
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wireguard_peer_info{device=\"wg0\",public_key=\"%s\",endpoint=\"\",name=\"\"} 1",
		 b64(hp[2].public_key, 3));
	CHECK_LINE(t, line);
	CHECK_LINE(t, "# TYPE wireguard_peer_receive_bytes_total counter");
	CHECK_LINE(t, "# TYPE wireguard_peer_last_handshake_seconds gauge");
	CHECK_LINE(t, "wgf_peers{interface=\"wg0\"} 3");
	CHECK_LINE(t, "wgf_peers_assigned{interface=\"wg0\"} 2");
	CHECK_LINE(t, "wgf_peers_capacity{interface=\"wg0\"} 10");
	CHECK_LINE(t, "wgf_interface_up{interface=\"wg0\"} 1");
	free(t);
}

/* A name from the repository cannot break out of its label or make a line of its own. */
static void test_hostile_name(void)
{
	struct metrics_input in = { .hs = &hs, .m = &m, .now = NOW };
	char *t = render(&in), line[512];

	snprintf(line, sizeof(line), "wireguard_peer_info{device=\"wg0\",public_key=\"%s\",endpoint=\"\","
		 "name=\"ev\\\"il\\\\peer\\nx\"} 1", b64(hp[1].public_key, 0));
	CHECK_LINE(t, line);
	CHECK(!strstr(t, "\nx\""));
	free(t);
}

static void test_peer_health(void)
{
	struct metrics_input in = { .hs = &hs, .m = &m, .now = NOW };
	char *t = render(&in), line[512];

	snprintf(line, sizeof(line), "wgf_peer_health{device=\"wg0\",public_key=\"%s\",name=\"alice\",verdict=\"online\"} 1",
		 b64(hp[0].public_key, 0));
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wgf_peer_health{device=\"wg0\",public_key=\"%s\",name=\"alice\",verdict=\"stale\"} 0",
		 b64s[0]);
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wgf_peer_health{device=\"wg0\",public_key=\"%s\",name=\"\",verdict=\"unknown\"} 1",
		 b64(hp[2].public_key, 1));
	CHECK_LINE(t, line);
	/* a key the repository does not name on the interface: degraded */
	CHECK_LINE(t, "wgf_host_health{level=\"degraded\"} 1");
	CHECK_LINE(t, "wgf_host_health{level=\"healthy\"} 0");
	free(t);
	/* without a repository: no names, no capacity, never "unknown" */
	in.m = NULL;
	t = render(&in);
	CHECK(!strstr(t, "wgf_peers_capacity"));
	CHECK(!strstr(t, "verdict=\"unknown\"} 1"));
	CHECK(!strstr(t, "name=\"alice\""));
	free(t);
}

static void test_loop(void)
{
	static const struct metrics_count drift[] = { { "interface", 0 }, { "peer", 2 }, { "nftables table", 1 } };
	struct metrics_loop lp = {
		.ran = true, .last_attempt = NOW - 60, .last_success = NOW - 360, .next_attempt = NOW + 240,
		.outcome = "failed", .consecutive_failures = 3, .revision = "0123456789abcdef0123456789abcdef01234567",
		.verify = "commit", .verified = true, .signer = "ops@example.org", .drift = drift, .n_drift = 3,
	};
	struct metrics_input in = { .hs = &hs, .now = NOW, .loop = &lp };
	char *t = render(&in), line[128];

	snprintf(line, sizeof(line), "wgf_reconcile_last_attempt_timestamp_seconds %d", NOW - 60);
	CHECK_LINE(t, line);
	snprintf(line, sizeof(line), "wgf_reconcile_last_success_timestamp_seconds %d", NOW - 360);
	CHECK_LINE(t, line);
	CHECK_LINE(t, "wgf_reconcile_outcome{outcome=\"failed\"} 1");
	CHECK_LINE(t, "wgf_reconcile_consecutive_failures 3");
	CHECK_LINE(t, "wgf_reconcile_suspended 0");
	CHECK_LINE(t, "wgf_reconcile_revision_info{revision=\"0123456789abcdef0123456789abcdef01234567\"} 1");
	CHECK_LINE(t, "wgf_signature_verified{principal=\"ops@example.org\",verify=\"commit\"} 1");
	CHECK_LINE(t, "wgf_drift_items{kind=\"peer\"} 2");
	CHECK_LINE(t, "wgf_drift_items{kind=\"interface\"} 0");
	CHECK_LINE(t, "wgf_drift_items{kind=\"nftables table\"} 1");
	free(t);
	lp.ran = false;
	t = render(&in);
	CHECK(!strstr(t, "wgf_reconcile_"));
	free(t);
}

static void test_exits(void)
{
	static const struct metrics_exit_member mem[] = { { "eg", "a", false }, { "eg", "b", true } };
	static const struct metrics_exit_table tab[] = { { "eg", 200, "b" }, { "eg", 201, NULL } };
	struct metrics_exits e = { .present = true, .updated = NOW - 2, .fresh = true, .members = mem, .n_members = 2,
				   .tables = tab, .n_tables = 2 };
	struct metrics_input in = { .hs = &hs, .now = NOW, .exits = &e };
	char *t = render(&in);

	CHECK_LINE(t, "wgf_exit_member_up{group=\"eg\",member=\"a\"} 0");
	CHECK_LINE(t, "wgf_exit_member_up{group=\"eg\",member=\"b\"} 1");
	CHECK_LINE(t, "wgf_exit_member_in_use{group=\"eg\",table=\"200\",member=\"a\"} 0");
	CHECK_LINE(t, "wgf_exit_member_in_use{group=\"eg\",table=\"200\",member=\"b\"} 1");
	CHECK_LINE(t, "wgf_exit_member_in_use{group=\"eg\",table=\"201\",member=\"b\"} 0");
	CHECK_LINE(t, "wgf_exit_watch_running 1");
	free(t);
}

static void test_keys(void)
{
	struct key_age items[] = {
		{ .is_host = true, .name = "hub", .created = { .origin = KEY_ORIGIN_COMMIT }, .max_age = 90 * 86400,
		  .age = 100 * 86400, .due = NOW - 10 * 86400 },
		{ .name = "alice", .created = { .origin = KEY_ORIGIN_KEY_CREATED }, .age = 5, .due = 0 },
		{ .name = "bob" },
	};
	struct key_ages a = { .items = items, .n = 3 };
	struct metrics_input in = { .hs = &hs, .now = NOW, .keys = &a };
	char *t = render(&in);

	CHECK_LINE(t, "wgf_key_age_seconds{name=\"hub\",kind=\"host\"} 8640000");
	CHECK_LINE(t, "wgf_key_rotation_due_seconds{name=\"hub\",kind=\"host\"} -864000");
	CHECK_LINE(t, "wgf_key_age_seconds{name=\"alice\",kind=\"peer\"} 5");
	CHECK(!strstr(t, "wgf_key_rotation_due_seconds{name=\"alice\""));   /* no maxAge */
	CHECK(!strstr(t, "name=\"bob\""));                                  /* no known age */
	free(t);
}

/* Each family once, HELP before TYPE, its samples right after it and nowhere else. */
static void test_format(void)
{
	static const struct metrics_count drift[] = { { "peer", 1 } };
	static const struct metrics_exit_member mem[] = { { "eg", "a", true } };
	static const struct metrics_exit_table tab[] = { { "eg", 200, "a" } };
	struct metrics_loop lp = { .ran = true, .outcome = "applied", .drift = drift, .n_drift = 1 };
	struct metrics_exits e = { .present = true, .members = mem, .n_members = 1, .tables = tab, .n_tables = 1 };
	struct metrics_input in = { .hs = &hs, .m = &m, .now = NOW, .loop = &lp, .exits = &e };
	char *t = render(&in), fam[128] = "", seen[8192] = " ";
	size_t samples = 0;

	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		char name[128];
		size_t n = strcspn(line, "{ ");
		if (!strncmp(line, "# HELP ", 7)) {
			snprintf(fam, sizeof(fam), "%.*s", (int)strcspn(line + 7, " "), line + 7);
			snprintf(name, sizeof(name), " %s ", fam);
			CHECK(!strstr(seen, name));
			strncat(seen, name + 1, sizeof(seen) - strlen(seen) - 1);
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			CHECK(!strncmp(line + 7, fam, strlen(fam)) && line[7 + strlen(fam)] == ' ');
			continue;
		}
		CHECK(n == strlen(fam) && !strncmp(line, fam, n));
		CHECK(isdigit((unsigned char)line[strlen(line) - 1]));
		samples++;
	}
	CHECK(samples > 30);
	free(t);
}

static void test_loopstate_drift(void)
{
	struct loop_drift d[] = { { (char *)"peer", 2 }, { (char *)"route", 0 } };
	struct loopstate ls = {0}, back = {0};
	struct wgf_error err = {0};
	struct json_object *o;
	const char *text;

	ls.remote = strdup("file:///x");
	ls.last_success = 1764570600;
	CHECK_INT(loopstate_set_drift(&ls, d, 2), 0);
	o = loopstate_to_json(&ls);
	text = json_object_to_json_string(o);
	CHECK_INT(loopstate_parse(text, strlen(text), &back, &err), 0);
	CHECK_INT(back.last_success, 1764570600);
	CHECK_INT(back.n_drift, 2);
	for (size_t i = 0; i < back.n_drift && i < 2; i++) {
		CHECK_STR(back.drift[i].kind, d[i].kind);
		CHECK_INT(back.drift[i].n, d[i].n);
	}
	json_object_put(o);
	loopstate_clear(&back);
	/* never recorded: null, and back as none */
	loopstate_clear(&ls);
	ls.remote = strdup("file:///x");
	o = loopstate_to_json(&ls);
	text = json_object_to_json_string(o);
	CHECK(strstr(text, "\"drift\":null") || strstr(text, "\"drift\": null"));
	CHECK_INT(loopstate_parse(text, strlen(text), &back, &err), 0);
	CHECK(back.drift == NULL);
	json_object_put(o);
	loopstate_clear(&back);
	/* a count of the wrong type or sign is refused */
	CHECK(loopstate_parse("{\"drift\":{\"peer\":-1}}", 21, &back, &err) < 0);
	wgf_error_clear(&err);
	CHECK(loopstate_parse("{\"drift\":{\"peer\":\"1\"}}", 22, &back, &err) < 0);
	wgf_error_clear(&err);
	CHECK(loopstate_parse("{\"drift\":[1]}", 13, &back, &err) < 0);
	wgf_error_clear(&err);
	loopstate_clear(&ls);
}

int main(void)
{
	setup();
	RUN(test_wireguard_series);
	RUN(test_hostile_name);
	RUN(test_peer_health);
	RUN(test_loop);
	RUN(test_exits);
	RUN(test_keys);
	RUN(test_format);
	RUN(test_loopstate_drift);
	UNIT_DONE();
}
