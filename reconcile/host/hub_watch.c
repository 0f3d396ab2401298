/* An attached host's hubs, probed by wgf watch (hub_watch.h). */
#include "reconcile/host/hub_watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/hub_probe.h"
#include "reconcile/kernel/kernel.h"
#include "render/render.h"

int hub_watch_new(struct kernel *k, const struct model *m, const struct model_host *h,
		  const struct hub_watch_opts *o, struct hub_watch **out)
{
	struct hub_watch *hw;

	*out = NULL;
	if (h->n_hubs < 2)
		return 0;
	hw = calloc(1, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	hw->slots = calloc(h->n_hubs, sizeof(*hw->slots));
	hw->down = calloc(m->n_hosts, sizeof(*hw->down));
	if (!hw->slots || !hw->down) {
		hub_watch_free(hw);
		return -ENOMEM;
	}
	hw->k = k;
	hw->m = m;
	hw->h = h;
	hw->o = *o;
	hw->n = h->n_hubs;
	for (size_t i = 0; i < h->n_hubs; i++) {
		const struct model_host *hub = &m->hosts[h->hubs[i]];
		struct hub_slot *s = &hw->slots[i];

		s->host = h->hubs[i];
		s->probe = hub_probe_address(h, hub, &s->addr);
	}
	*out = hw;
	return 0;
}

static void say(const struct hub_watch *hw, const struct hub_slot *s, const char *what)
{
	char msg[2 * MODEL_NAME_MAX + PREFIX_STRLEN + IFNAMSIZ + 96], a[PREFIX_STRLEN];

	if (!hw->o.log)
		return;
	snprintf(msg, sizeof(msg), "hub %s is %s (%s from %s through %s)", hw->m->hosts[s->host].meta.name, what,
		 s->down ? "no reply" : "replies", prefix_format_addr(&s->addr, a), hw->h->ifname);
	hw->o.log(msg);
}

void hub_watch_update(struct hub_watch *hw, const bool *answered)
{
	for (size_t i = 0; i < hw->n; i++) {
		struct hub_slot *s = &hw->slots[i];

		if (!s->probe)
			continue;
		if (answered[i]) {
			s->misses = 0;
			if (s->answers < hw->o.successes)
				s->answers++;
			if (s->down && s->answers >= hw->o.successes) {
				s->down = false;
				hw->pending = true;
				say(hw, s, "up");
			}
		} else {
			s->answers = 0;
			if (s->misses < hw->o.failures)
				s->misses++;
			if (!s->down && s->misses >= hw->o.failures) {
				s->down = true;
				hw->pending = true;
				say(hw, s, "down");
			}
		}
		hw->down[s->host] = s->down;
	}
}

size_t hub_watch_serving(const struct hub_watch *hw)
{
	return render_serving_hub(hw->h, hw->down);
}

int hub_watch_round(struct hub_watch *hw, int64_t now)
{
	struct ping_target *t;
	bool *answered;
	size_t *slot_of, n = 0;
	int r;

	if (now < hw->next)
		return 0;
	hw->next = now + hw->o.interval_ms;
	t = calloc(hw->n, sizeof(*t));
	answered = calloc(hw->n, sizeof(*answered));
	slot_of = calloc(hw->n, sizeof(*slot_of));
	if (!t || !answered || !slot_of) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < hw->n; i++)
		if (hw->slots[i].probe) {
			t[n].ifname = hw->h->ifname;
			t[n].addr = hw->slots[i].addr;
			slot_of[n++] = i;
		}
	r = kernel_ping_many(hw->k, t, n, hw->o.timeout_ms);
	if (r < 0) {   /* cannot probe: nothing to tell (only memory is fatal) */
		r = r == -ENOMEM ? r : 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].error == -ENODEV) {   /* the device is not up yet: nothing to tell */
			r = 0;
			goto out;
		}
		/* cannot probe (another error): assume healthy, as hub_probe.c does */
		answered[slot_of[i]] = t[i].error || (t[i].alive && t[i].rtt_us <= (uint64_t)hw->o.timeout_ms * 1000);
	}
	for (size_t i = 0; i < hw->n; i++)
		if (!hw->slots[i].probe)
			answered[i] = true;
	hub_watch_update(hw, answered);
	r = hw->pending;
out:
	free(slot_of);
	free(answered);
	free(t);
	return r;
}

void hub_watch_applied(struct hub_watch *hw)
{
	hw->pending = false;
}

int64_t hub_watch_next(const struct hub_watch *hw, int64_t now)
{
	return hw->next > now ? hw->next - now : 0;
}

void hub_watch_carry(struct hub_watch *hw, const struct hub_watch *from)
{
	if (!hw || !from)
		return;
	for (size_t i = 0; i < hw->n; i++)
		for (size_t j = 0; j < from->n; j++) {
			const struct hub_slot *f = &from->slots[j];
			struct hub_slot *s = &hw->slots[i];

			if (strcmp(hw->m->hosts[s->host].meta.name, from->m->hosts[f->host].meta.name) ||
			    !prefix_equal(&s->addr, &f->addr))
				continue;
			s->misses = f->misses;
			s->answers = f->answers;
			s->down = f->down;
			hw->down[s->host] = s->down;
		}
	hw->pending = from->pending;
	hw->next = from->next;
}

void hub_watch_free(struct hub_watch *hw)
{
	if (!hw)
		return;
	free(hw->slots);
	free(hw->down);
	free(hw);
}
