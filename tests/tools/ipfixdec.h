/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An IPFIX (RFC 7011) decoder of the tests' own, for what pktscope's
 * exporter sends: it knows only the RFC and the Information Elements
 * pktscope promises (the IANA numbers and lengths below), and refuses a
 * Message that breaks the format, saying why.  The unit test
 * (tests/unit/test_ipfix.c) and the fuzz harness (fuzz/fuzz_ipfix.c)
 * decode with it.
 */
#ifndef PS_TEST_IPFIXDEC_H
#define PS_TEST_IPFIXDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPFIX_MAX_RECS_PER_MSG 1300 /* 65507 / 53 */

struct tfield {
	uint16_t id, len;
};

/* IANA Information Element numbers and the lengths pktscope sends. */
#define IPFIX_NFIELDS 13
extern const struct tfield ipfix_want_v4[IPFIX_NFIELDS];
extern const struct tfield ipfix_want_v6[IPFIX_NFIELDS];
#define TMPL_V4 256
#define TMPL_V6 257
#define REC_V4 53
#define REC_V6 77
#define TMPL_SET_LEN (4 + 4 + 4 * IPFIX_NFIELDS + 4 + 4 * IPFIX_NFIELDS)

/* The size of a Message, from RFC 7011 alone: header, Template Set, and a
 * Data Set per family padded to 4 bytes. */
unsigned int ipfix_msize(bool tmpl, unsigned int n4, unsigned int n6);

struct ttmpl {
	uint16_t id;
	unsigned int n;
	struct tfield f[64];
};

/* A Collecting Process's memory: the Templates it has learnt. */
struct coll {
	struct ttmpl t[8];
	unsigned int nt;
};

struct drec {
	uint16_t tmpl;
	uint8_t src[16], dst[16];
	uint64_t start_ms, end_ms, octets, packets;
	uint32_t ifindex;
	uint16_t sport, dport, icmp;
	uint8_t proto, flags, end;
};

struct dmsg {
	uint16_t version, length;
	uint32_t export_s, seq, domain;
	unsigned int ntmpl;       /* Template Records in the Message */
	bool data_before_tmpl;    /* a Data Set came before a Template Set */
	unsigned int nsets;
	uint16_t set_id[8];
	unsigned int n4, n6, nrec;
	struct drec rec[IPFIX_MAX_RECS_PER_MSG]; /* v4 and v6 in wire order */
};

const struct ttmpl *ipfix_coll_find(const struct coll *c, uint16_t id);

/*
 * Decodes one Message (one datagram of 'len' bytes) the way a collector
 * must (RFC 7011 3, 3.3, 3.4), learning its Templates into 'c'.  Returns
 * 0, or -1 with what is wrong in 'err' (the format broken, an element
 * pktscope does not promise, Set padding other than pktscope's).
 */
int ipfix_decode(struct coll *c, const uint8_t *buf, unsigned int len, struct dmsg *m,
		 char *err, size_t errlen);

#endif
