/* wgf doctor: the state directory, the clock against the times recorded in
 * it, and the reconcile timer with the loop's state. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/doctor.h"
#include "reconcile/host/loopstate.h"

#define CLOCK_SLACK 300                /* seconds: mtimes of a network file system, a small step */
#define TIMER_UNIT "wgf-reconcile.timer"

/* The latest modification time of the directory's regular files (0: none). */
static int64_t latest_mtime(const char *dir, char *which, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int64_t latest = 0;

	while (d && (e = readdir(d))) {
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime > latest) {
			latest = st.st_mtime;
			snprintf(which, len, "%s", e->d_name);
		}
	}
	if (d)
		closedir(d);
	return latest;
}

void doctor_check_clock(const struct doctor_ctx *c, struct doctor_result *r)
{
	char which[256] = "", t[LOOPSTATE_TIME_LEN], n[LOOPSTATE_TIME_LEN];
	struct loopstate ls = {0};
	int64_t latest = latest_mtime(c->state_dir, which, sizeof(which));

	if (loopstate_load(c->state_dir, &ls, NULL) == 0 && ls.last_attempt.time > latest) {
		latest = ls.last_attempt.time;
		snprintf(which, sizeof(which), "reconcile.json's last attempt");
	}
	loopstate_clear(&ls);
	if (!latest) {
		doctor_say(r, DOCTOR_OK, "nothing recorded yet to compare the clock with (%s)", loopstate_time(c->now, n));
		return;
	}
	if (c->now + CLOCK_SLACK < latest) {
		doctor_say(r, DOCTOR_PROBLEM, "the clock (%s) is before %s's time %s: it stepped back",
			   loopstate_time(c->now, n), which, loopstate_time(latest, t));
		doctor_hint(r, "fix the time (NTP); peers refuse handshake initiations whose timestamp is not newer "
			    "than the last they saw from this host, until the clock passes it again");
		return;
	}
	doctor_say(r, DOCTOR_OK, "%s, not before what %s recorded (%s)", loopstate_time(c->now, n), c->state_dir,
		   loopstate_time(latest, t));
}

void doctor_check_state_dir(const struct doctor_ctx *c, struct doctor_result *r)
{
	DIR *d;
	struct dirent *e;
	struct stat st;

	if (stat(c->state_dir, &st) < 0) {
		doctor_say(r, DOCTOR_WARNING, "%s does not exist yet", c->state_dir);
		doctor_hint(r, "wgf apply creates it");
		return;
	}
	doctor_say(r, DOCTOR_OK, "%s: owner uid %u, mode %04o", c->state_dir, (unsigned)st.st_uid,
		   (unsigned)(st.st_mode & 07777));
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		doctor_raise(r, DOCTOR_PROBLEM);
		doctor_hint(r, "chown root %s; chmod go-w %s (anyone who can write it can change what wgf believes it applied)",
			    c->state_dir, c->state_dir);
	}
	if (!(d = opendir(c->state_dir)))
		return;
	while ((e = readdir(d))) {
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_uid != 0 || (st.st_mode & 022)) {
			doctor_raise(r, DOCTOR_PROBLEM);
			doctor_append(r, "%s: owner uid %u, mode %04o", e->d_name, (unsigned)st.st_uid,
				      (unsigned)(st.st_mode & 07777));
			doctor_hint(r, "chown root and chmod go-w the files of %s", c->state_dir);
		}
	}
	closedir(d);
	if (r->status == DOCTOR_OK)
		doctor_append(r, "its files owned by root, none writable by others");
}

static void timer_state(const struct doctor_ctx *c, struct doctor_result *r)
{
	struct systemd_unit_state u;
	struct wgf_error err = {0};
	char t[LOOPSTATE_TIME_LEN];
	int e = kernel_unit_get(c->k, TIMER_UNIT, &u, &err);

	if (e == -ENOENT)
		doctor_say(r, DOCTOR_WARNING, "not installed: systemd is not running here");
	else if (e < 0)
		doctor_say(r, DOCTOR_WARNING, "%s", wgf_error_message(&err));
	else if (strcmp(u.load, "loaded"))
		doctor_say(r, DOCTOR_WARNING, TIMER_UNIT " is not installed (%s)", u.load);
	else if (strncmp(u.file, "enabled", 7))
		doctor_say(r, DOCTOR_WARNING, TIMER_UNIT " is %s, not enabled", *u.file ? u.file : "not enabled");
	else if (strcmp(u.active, "active"))
		doctor_say(r, DOCTOR_WARNING, TIMER_UNIT " is enabled but %s", u.active);
	/* while the unit it started runs, a timer of OnUnitActiveSec= has no next run yet */
	else if (!u.next_elapse_us && !strcmp(u.sub, "running"))
		doctor_say(r, DOCTOR_OK, TIMER_UNIT " is enabled and active, a run going on now");
	else
		doctor_say(r, DOCTOR_OK, TIMER_UNIT " is enabled and active, next run %s",
			   u.next_elapse_us ? loopstate_time((int64_t)(u.next_elapse_us / 1000000), t) : "not planned");
	if (r->status != DOCTOR_OK)
		doctor_hint(r, "make install, then systemctl enable --now " TIMER_UNIT " (or run wgf reconcile from cron)");
	wgf_error_clear(&err);
}

void doctor_check_timer(const struct doctor_ctx *c, struct doctor_result *r)
{
	char t[LOOPSTATE_TIME_LEN];
	struct loopstate ls = {0};

	timer_state(c, r);
	if (loopstate_load(c->state_dir, &ls, NULL) < 0)
		return;
	if (ls.suspended) {
		doctor_raise(r, DOCTOR_WARNING);
		doctor_append(r, "suspended by %s: %s", ls.suspended_by ? ls.suspended_by : "?",
			      ls.suspended_reason ? ls.suspended_reason : "no reason given");
		doctor_hint(r, "wgf resume when the reason is gone");
	} else if (ls.consecutive_failures) {
		doctor_raise(r, DOCTOR_WARNING);
		doctor_append(r, "%u failures in a row, backing off until %s%s%s", ls.consecutive_failures,
			      loopstate_time(ls.next_attempt, t), ls.last_attempt.reason ? ": " : "",
			      ls.last_attempt.reason ? ls.last_attempt.reason : "");
		doctor_hint(r, "wgf status shows the last attempt; wgf journal why it failed");
	} else if (ls.last_applied.time) {
		doctor_append(r, "last applied %s", loopstate_time(ls.last_applied.time, t));
	}
	loopstate_clear(&ls);
}
