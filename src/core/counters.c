// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "counters.h"

const struct ps_counter_info ps_counter_info[PS_CTR_MAX] = {
#define PS_X_INFO(id, g, n, h) [PS_CTR_##id] = { .group = g, .name = n, .help = h },
	PS_COUNTERS(PS_X_INFO)
#undef PS_X_INFO
};

int ps_counters_read(int map_fd, __u32 slot, struct ps_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ps_counters *percpu = NULL;
	int err = 0, cpu, i;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	/* sizeof(struct ps_counters) is a multiple of 8, the per-CPU stride. */
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &slot, percpu)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ncpu; cpu++) {
		for (i = 0; i < PS_CTR_MAX; i++) {
			out->c[i].packets += percpu[cpu].c[i].packets;
			out->c[i].bytes += percpu[cpu].c[i].bytes;
		}
	}
out:
	free(percpu);
	return err;
}

void ps_counters_sub(struct ps_counters *out, const struct ps_counters *a,
		     const struct ps_counters *b)
{
	for (int i = 0; i < PS_CTR_MAX; i++) {
		out->c[i].packets = a->c[i].packets - b->c[i].packets;
		out->c[i].bytes = a->c[i].bytes - b->c[i].bytes;
	}
}

void ps_counters_add(struct ps_counters *out, const struct ps_counters *a)
{
	for (int i = 0; i < PS_CTR_MAX; i++) {
		out->c[i].packets += a->c[i].packets;
		out->c[i].bytes += a->c[i].bytes;
	}
}

int ps_counter_by_name(const char *name)
{
	const char *dot = strchr(name, '.');
	int found = -ENOENT;

	for (int i = 0; i < PS_CTR_MAX; i++) {
		const struct ps_counter_info *ci = &ps_counter_info[i];

		if (dot) {
			size_t glen = dot - name;

			if (strlen(ci->group) == glen && !strncmp(ci->group, name, glen) &&
			    !strcmp(ci->name, dot + 1))
				return i;
		} else if (!strcmp(ci->name, name)) {
			if (found >= 0)
				return -EINVAL; /* ambiguous: "other" is in l2 and l4 */
			found = i;
		}
	}
	return found;
}
