/* wgf doctor's checks, declared once: id, title, function (reconcile/host/doctor.h). */
#include "reconcile/host/doctor.h"

const struct doctor_check doctor_checks[] = {
	{ "backend", "WireGuard backend", doctor_check_backend },
	{ "host-key", "host key", doctor_check_host_key },
	{ "forwarding", "IP forwarding", doctor_check_forwarding },
	{ "rp-filter", "reverse-path filter", doctor_check_rp_filter },
	{ "firewall", "other firewall tables", doctor_check_firewall },
	{ "mtu", "underlay MTU", doctor_check_mtu },
	{ "listen-port", "listen port", doctor_check_port },
	{ "endpoints", "endpoints", doctor_check_endpoints },
	{ "clock", "clock", doctor_check_clock },
	{ "peers", "peer handshakes", doctor_check_peers },
	{ "state-dir", "state directory", doctor_check_state_dir },
	{ "reconcile-timer", "reconcile timer", doctor_check_timer },
};
const size_t doctor_n_checks = sizeof(doctor_checks) / sizeof(doctor_checks[0]);
