/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One-line diagnostics.  Every error a user can cause is one ps_err() line
 * that says what is wrong and what to do.
 *
 * The library never prints: its lines go to a sink the caller sets, as
 * libbpf_set_print() does for libbpf (the CLI keeps the default, stderr;
 * a long-running agent logs them with a time stamp, or to the journal). */
#ifndef PS_LOG_H
#define PS_LOG_H

#include <stdbool.h>

extern bool ps_verbose;

enum ps_log_level {
	PS_LOG_ERR,	/* ps_err(): what went wrong, one line */
	PS_LOG_DBG,	/* ps_dbg(), only with ps_verbose */
	PS_LOG_LIBBPF,	/* libbpf's and the verifier's text, only with ps_verbose:
			 * as libbpf wrote it, newlines included */
};

/* 'msg' has no "pktscope: " prefix and, for ERR and DBG, no newline and no
 * control character (they are written as \xHH): one line whatever the
 * message quotes. */
typedef void (*ps_log_fn)(enum ps_log_level level, const char *msg, void *ctx);

/* Where every later line goes; NULL brings back the default, stderr
 * ("pktscope: MSG", "pktscope: debug: MSG", libbpf's text as it is, each
 * in one write). */
void ps_log_set_sink(ps_log_fn fn, void *ctx);

void ps_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, only with --verbose. */
void ps_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Routes libbpf's own messages to the sink, and only with --verbose: by
 * default they would add several lines to every failure, and the user gets
 * ours instead. */
void ps_log_setup_libbpf(void);

#endif
