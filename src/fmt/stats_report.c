// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <time.h>
#include "stats_report.h"
#include "counters.h"

static double rate(__u64 n, double seconds)
{
	return seconds > 0 ? (double)n / seconds : 0.0;
}

static void iface_total(const struct ps_iface_view *iv, struct ps_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (int h = 0; h < iv->nhooks; h++)
		ps_counters_add(out, &iv->hooks[h].c);
}

static json_t *hook_json(const char *hook, const char *dir, const char *mode,
			 const struct ps_counters *c, double seconds)
{
	const struct ps_counter_val *tot = &c->c[PS_CTR_TOTAL];
	json_t *o = json_object(), *ctrs = json_object();
	char key[64];

	json_object_set_new(o, "hook", json_string(hook));
	json_object_set_new(o, "direction", json_string(dir));
	if (mode)
		json_object_set_new(o, "mode", json_string(mode));
	json_object_set_new(o, "packets", json_integer(tot->packets));
	json_object_set_new(o, "bytes", json_integer(tot->bytes));
	json_object_set_new(o, "pps", json_real(rate(tot->packets, seconds)));
	json_object_set_new(o, "bps", json_real(rate(tot->bytes * 8, seconds)));
	for (int i = 0; i < PS_CTR_MAX; i++) {
		if (i == PS_CTR_TOTAL)
			continue;
		snprintf(key, sizeof(key), "%s.%s", ps_counter_info[i].group,
			 ps_counter_info[i].name);
		json_object_set_new(ctrs, key, json_pack("{s:I,s:I}", "packets",
							 (json_int_t)c->c[i].packets, "bytes",
							 (json_int_t)c->c[i].bytes));
	}
	json_object_set_new(o, "counters", ctrs);
	return o;
}

static void format_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char base[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", base, ts->tv_nsec / 1000000);
}

void ps_stats_print_json(FILE *f, const struct ps_stats_view *v)
{
	json_t *root = json_object(), *ifaces = json_array();
	struct ps_counters all = {}, itot;
	char when[48];

	format_time(&v->now, when, sizeof(when));
	json_object_set_new(root, "type", json_string(v->summary ? "summary" : "interval"));
	json_object_set_new(root, "time", json_string(when));
	json_object_set_new(root, v->summary ? "duration_s" : "interval_s", json_real(v->seconds));
	for (int i = 0; i < v->nifaces; i++) {
		const struct ps_iface_view *iv = &v->ifaces[i];
		json_t *io = json_object(), *hooks = json_array();

		json_object_set_new(io, "name", json_string(iv->name));
		json_object_set_new(io, "ifindex", json_integer(iv->ifindex));
		if (iv->hook_asked)
			json_object_set_new(io, "hook_choice",
					    json_pack("{s:s,s:s}", "asked", iv->hook_asked, "reason",
						      iv->hook_why ? iv->hook_why : "given"));
		for (int h = 0; h < iv->nhooks; h++) {
			const struct ps_hook_view *hv = &iv->hooks[h];

			json_array_append_new(hooks, hook_json(hv->hook, hv->direction, hv->mode,
							       &hv->c, v->seconds));
		}
		json_object_set_new(io, "hooks", hooks);
		iface_total(iv, &itot);
		ps_counters_add(&all, &itot);
		json_object_set_new(io, "total", hook_json("all", "both", NULL, &itot, v->seconds));
		json_array_append_new(ifaces, io);
	}
	json_object_set_new(root, "interfaces", ifaces);
	json_object_set_new(root, "total", hook_json("all", "both", NULL, &all, v->seconds));
	if (v->extra)
		json_object_update(root, v->extra);
	json_dumpf(root, f, JSON_COMPACT | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	fflush(f);
	json_decref(root);
}

/* 1234567 -> "1.23M": rates are read at a glance, counts stay exact. */
static void human(double x, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	while (x >= 1000.0 && u < 5) {
		x /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f", x);
	else
		snprintf(buf, len, "%.2f%c", x, units[u]);
}

#define COLW 14

static void text_block(FILE *f, const char *title, int ncols, const char **heads,
		       const struct ps_counters *cols, double seconds)
{
	char buf[32];
	int c, i;

	fprintf(f, "%-28s", title);
	for (c = 0; c < ncols; c++)
		fprintf(f, "%*s", COLW, heads[c]);
	fputc('\n', f);

	fprintf(f, "  %-26s", "packets");
	for (c = 0; c < ncols; c++)
		fprintf(f, "%*llu", COLW, (unsigned long long)cols[c].c[PS_CTR_TOTAL].packets);
	fprintf(f, "\n  %-26s", "bytes");
	for (c = 0; c < ncols; c++)
		fprintf(f, "%*llu", COLW, (unsigned long long)cols[c].c[PS_CTR_TOTAL].bytes);
	fprintf(f, "\n  %-26s", "packets/s");
	for (c = 0; c < ncols; c++) {
		human(rate(cols[c].c[PS_CTR_TOTAL].packets, seconds), buf, sizeof(buf));
		fprintf(f, "%*s", COLW, buf);
	}
	fprintf(f, "\n  %-26s", "bits/s");
	for (c = 0; c < ncols; c++) {
		human(rate(cols[c].c[PS_CTR_TOTAL].bytes * 8, seconds), buf, sizeof(buf));
		fprintf(f, "%*s", COLW, buf);
	}
	fputc('\n', f);

	/* Only what happened: a table of fifty zeros hides the one that is not. */
	for (i = 0; i < PS_CTR_MAX; i++) {
		bool any = false;

		if (i == PS_CTR_TOTAL)
			continue;
		for (c = 0; c < ncols; c++)
			any |= cols[c].c[i].packets != 0;
		if (!any)
			continue;
		snprintf(buf, sizeof(buf), "%s.%s", ps_counter_info[i].group,
			 ps_counter_info[i].name);
		fprintf(f, "  %-26s", buf);
		for (c = 0; c < ncols; c++)
			fprintf(f, "%*llu", COLW, (unsigned long long)cols[c].c[i].packets);
		fputc('\n', f);
	}
}

void ps_stats_print_text(FILE *f, const struct ps_stats_view *v)
{
	struct ps_counters cols[PS_SLOT_MAX + 1], all = {};
	const char *heads[PS_SLOT_MAX + 1];
	char names[PS_SLOT_MAX][32], title[96], when[32];
	struct tm tm;

	localtime_r(&v->now.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (v->summary)
		fprintf(f, "== totals over %.3f s%s\n", v->seconds,
			v->nifaces && !v->ifaces[0].ifindex ? " of capture time" : "");
	for (int i = 0; i < v->nifaces; i++) {
		const struct ps_iface_view *iv = &v->ifaces[i];
		int n = iv->nhooks;

		for (int h = 0; h < n; h++) {
			snprintf(names[h], sizeof(names[h]), "%s/%s", iv->hooks[h].hook,
				 iv->hooks[h].direction);
			heads[h] = names[h];
			cols[h] = iv->hooks[h].c;
		}
		iface_total(iv, &cols[n]);
		heads[n] = "total";
		ps_counters_add(&all, &cols[n]);
		if (v->summary)
			snprintf(title, sizeof(title), "%s", iv->name);
		else
			snprintf(title, sizeof(title), "%s.%03ld %s", when,
				 v->now.tv_nsec / 1000000, iv->name);
		text_block(f, title, n + 1, heads, cols, v->seconds);
	}
	if (v->nifaces > 1) {
		heads[0] = "total";
		text_block(f, "all interfaces", 1, heads, &all, v->seconds);
	}
	fputc('\n', f);
	fflush(f);
}
