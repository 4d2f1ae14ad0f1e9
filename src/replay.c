// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <pcap/pcap.h>
#include "replay.h"
#include "log.h"
#include "testrun.h"

int ps_replay_file(struct ps_datapath *dp, const char *path, struct ps_replay_stats *st,
		   ps_replay_fn after, void *ctx)
{
	enum ps_slot slots[PS_SLOT_MAX];
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	int prog_fd, dlt, rc, err = 0;
	bool tsprec_nano;
	pcap_t *pc;

	memset(st, 0, sizeof(*st));
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		ps_err("cannot read %s: %s", path, errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	if (dlt != DLT_EN10MB) {
		ps_err("%s holds %s frames; pktscope replays Ethernet captures (DLT_EN10MB), "
		       "such as tcpdump -i IFACE writes", path,
		       pcap_datalink_val_to_name(dlt) ?: "unknown");
		err = -EINVAL;
		goto out;
	}

	tsprec_nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	ps_hook_slots(dp->opts.hook, slots);
	prog_fd = ps_datapath_prog_fd(dp, slots[0]);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct ps_run_result res;
		__u64 ts_ns = (__u64)h->ts.tv_sec * 1000000000ULL +
			      (__u64)h->ts.tv_usec * (tsprec_nano ? 1 : 1000);
		double ts = h->ts.tv_sec + h->ts.tv_usec / (tsprec_nano ? 1e9 : 1e6);

		if (!st->packets_read)
			st->first_ts = ts;
		st->last_ts = ts;
		st->packets_read++;
		if (h->caplen < h->len)
			st->snaplen_cut++;
		/* Flows are timed by the file, not by when the test runs. */
		ps_datapath_set_clock(dp, ts_ns);
		err = ps_run(prog_fd, data, h->caplen, NULL, 0, 1, &res);
		if (err) {
			ps_dbg("record %llu (%u bytes) not run: %s",
			       (unsigned long long)st->packets_read, h->caplen, strerror(-err));
			st->not_run++;
			err = 0;
		}
		if (after && after(ctx, ts_ns))
			break;
	}
	if (rc == PCAP_ERROR) {
		ps_err("%s is damaged after %llu packets: %s", path,
		       (unsigned long long)st->packets_read, pcap_geterr(pc));
		err = -EINVAL;
	}
out:
	pcap_close(pc);
	return err;
}
