/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The capture files the test tools (mkpcap, mkflows) write, by a writer
 * that is not pktscope's: pcap through libpcap's dumper (tcpdump's own
 * writer), pcapng through a few lines here.  A bug in src/capture/capfile.c, the
 * writer of `pktscope capture`, then shows in a test instead of cancelling
 * itself out between the input file and the output file.
 *
 * Ethernet, nanosecond time stamps, snap length 65535, one interface; each
 * packet whole (caplen = wire length).
 */
#ifndef PS_TEST_CAPWRITE_H
#define PS_TEST_CAPWRITE_H

#include <stdbool.h>
#include <stdint.h>

struct capwrite;

/* 'path' "-" is standard output; 'ifname' names the pcapng interface.
 * Returns 0 or -errno, after one line on stderr saying what failed. */
int capwrite_open(struct capwrite **w, const char *path, bool pcapng, const char *ifname);
int capwrite_put(struct capwrite *w, uint64_t ts_ns, const void *data, uint32_t len);
/* Flushes and closes (w may be NULL); returns 0 or the first write error. */
int capwrite_close(struct capwrite *w);

#endif
