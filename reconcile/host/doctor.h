/* wgf doctor: the checks that look at this host, declared once in a table
 * (id, title, function). Each fills one result (render/doctor.h) from what
 * doctor_prepare gathered: the repository's Host, its desired state, its
 * interface as the kernel has it. cmd/doctor.c runs and prints them. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "model/model.h"
#include "reconcile/kernel/kernel.h"
#include "render/doctor.h"

struct doctor_ctx {
	struct kernel *k;
	const struct model *m;
	const struct model_host *host;     /* this host in the repository */
	struct host_state *desired;        /* rendered for host (no private key) */
	struct host_state *observed;       /* host's interface as the kernel has it */
	const char *state_dir;
	const char *key_file;
	const char *wireguard_go;          /* NULL: $WGF_WIREGUARD_GO, else PATH */
	int64_t now;                       /* unix seconds */
	uint32_t stale_after;              /* seconds, for peer health */
};

struct doctor_check {
	const char *id;                    /* "backend", "host-key", … (JSON's "check") */
	const char *title;
	void (*run)(const struct doctor_ctx *c, struct doctor_result *r);
};

extern const struct doctor_check doctor_checks[];
extern const size_t doctor_n_checks;

/* Opens the kernel, renders host's desired state and observes its interface
 * into c (c's other fields set by the caller). 0 or -errno, said in err. */
int doctor_prepare(struct doctor_ctx *c, struct wgf_error *err);
void doctor_ctx_clear(struct doctor_ctx *c);

/* The checks (reconcile/host/doctor_*.c). */
void doctor_check_backend(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_host_key(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_forwarding(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_rp_filter(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_firewall(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_mtu(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_port(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_endpoints(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_clock(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_peers(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_state_dir(const struct doctor_ctx *c, struct doctor_result *r);
void doctor_check_timer(const struct doctor_ctx *c, struct doctor_result *r);

/* Helpers the checks share: the desired and observed device of the host (NULL: none). */
const struct hs_device *doctor_desired_device(const struct doctor_ctx *c);
const struct hs_device *doctor_observed_device(const struct doctor_ctx *c);
