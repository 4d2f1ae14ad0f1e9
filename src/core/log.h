/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* One-line diagnostics.  Every error a user can cause is one ps_err() line
 * that says what is wrong and what to do. */
#ifndef PS_LOG_H
#define PS_LOG_H

#include <stdbool.h>

extern bool ps_verbose;

/* "pktscope: <message>\n" on stderr. */
void ps_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, only with --verbose. */
void ps_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Routes libbpf's own messages to ps_dbg: by default they would add several
 * lines to every failure, and the user gets ours instead. */
void ps_log_setup_libbpf(void);

#endif
