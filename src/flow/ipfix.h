/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IPFIX (RFC 7011) export of pktscope's flow records over UDP.
 *
 * Each direction of a conversation that carried packets becomes one uniflow
 * Data Record, in one of two Templates (IPv4, IPv6); see ipfix.c for the
 * Information Elements and why.  Records are buffered into one IPFIX Message
 * until the next one would not fit max_msg bytes; the Message then goes out
 * as one UDP datagram.  Every record handed over is either in a datagram the
 * kernel accepted (stats.records) or counted as lost (stats.records_lost).
 *
 *	struct ps_ipfix x;
 *	err = ps_ipfix_open(&x, "[2001:db8::1]:4739", NULL);
 *	for each record: ps_ipfix_add(&x, &rec, now_ns);
 *	now and then, and before exit: ps_ipfix_flush(&x, now_ns);
 *	ps_ipfix_close(&x);
 */
#ifndef PS_IPFIX_H
#define PS_IPFIX_H

#include <stdbool.h>
#include <linux/types.h>
#include "flowrec.h"

#define PS_IPFIX_DEFAULT_MAX_MSG 1400
#define PS_IPFIX_DEFAULT_REFRESH_S 600
#define PS_IPFIX_DEFAULT_REFRESH_MSGS 20

/* Zero in a field means its default; NULL options mean all defaults. */
struct ps_ipfix_opts {
	__u32 domain_id;         /* Observation Domain ID in every Message
				  * header (RFC 7011 3.1); 0 is a valid ID */
	__u32 max_msg;           /* largest Message (= UDP payload) in bytes;
				  * default 1400, see ipfix.c for the range */
	__u32 refresh_s;         /* Templates go out again in the first Message
				  * this many seconds after they last did... */
	__u32 refresh_msgs;      /* ...or this many Messages after (RFC 7011
				  * 8.4: over UDP both bounds are the resend
				  * policy); defaults 600 s and 20 */
};

struct ps_ipfix_stats {
	__u64 messages;      /* Messages the kernel accepted */
	__u64 records;       /* Data Records in those Messages */
	__u64 template_msgs; /* of the Messages, how many carried Templates */
	__u64 send_errors;   /* Messages that could not be sent */
	__u64 records_lost;  /* Data Records in those, and any still
			      * buffered at ps_ipfix_close() */
	int last_error;      /* -errno of the last failed send, 0 if none */
};

/* Everything but stats is private to ipfix.c. */
struct ps_ipfix {
	int fd;
	__u32 domain_id;
	__u32 max_msg;
	__u64 refresh_ns;
	__u32 refresh_msgs;
	__u32 seq;           /* Data Records sent before the next Message */
	__u32 last_export_s; /* Export Time never goes back (RFC 7011 8.2) */
	bool tmpl_sent;      /* the Templates have gone out at least once */
	__u64 tmpl_ns;       /* when they last went out */
	__u32 msgs_since_tmpl;
	bool cur_tmpl;       /* the Message being filled carries Templates */
	__u8 *msg;           /* max_msg bytes: the Message as sent */
	__u8 *rec4, *rec6;   /* Data Records staged for each Set */
	__u32 n4, n6;
	struct ps_ipfix_stats stats;
};

/*
 * Resolves HOST:PORT ("192.0.2.1:4739", "[2001:db8::1]:4739",
 * "collector.example:4739"; a bare IPv6 address needs the brackets) and opens
 * a UDP socket to it.  Nothing is sent yet.  Returns 0 or -errno, every
 * error (but running out of memory) after one ps_err() line saying what is
 * wrong: -EINVAL for a bad HOST:PORT, a name that does not resolve or a bad
 * option; -EAGAIN when the resolver could not answer now; the socket's
 * -errno when no address of the host can be sent to (no route).
 */
int ps_ipfix_open(struct ps_ipfix *x, const char *hostport, const struct ps_ipfix_opts *o);

/*
 * Buffers one uniflow Data Record for each direction of r with packets > 0
 * (none, and 0, when neither has any).  When a record does not fit the
 * current Message, that Message is sent first.  now_ns is CLOCK_REALTIME in
 * ns (0: read the clock); it dates the Message (Export Time) and paces the
 * Template refresh.  Returns 0, -EINVAL for a record that is not IPv4 or
 * IPv6 (nothing buffered), or the -errno of a send that failed: its records
 * are then counted in stats.records_lost, r itself is buffered.
 */
int ps_ipfix_add(struct ps_ipfix *x, const struct ps_flow_rec *r, __u64 now_ns);

/*
 * Sends what is buffered.  With nothing buffered it sends a Message of
 * Templates only when the refresh interval has passed since Templates last
 * went out, so that a collector started later learns them even while there
 * is no traffic.  Returns 0 or the -errno of a failed send (counted as for
 * ps_ipfix_add).
 */
int ps_ipfix_flush(struct ps_ipfix *x, __u64 now_ns);

/* Closes the socket and frees the buffers.  Records still buffered (no
 * ps_ipfix_flush() before) are counted in stats.records_lost.  Safe on a
 * zeroed or already closed struct. */
void ps_ipfix_close(struct ps_ipfix *x);

#endif /* PS_IPFIX_H */
