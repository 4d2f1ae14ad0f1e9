/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's settings, and its configuration file: YAML, read with
 * libyaml.  Every key is a command-line flag of `pktscope agent` too, named
 * the same (flags override the file):
 *
 *   interfaces: [eth0, eth1]        # -i, one or a list
 *   hook: auto                      # --hook auto|xdp|tc
 *   xdp-mode: auto                  # --xdp-mode auto|native|generic (with hook: xdp)
 *   listen: 127.0.0.1:9386          # --listen ADDR:PORT, a numeric address
 *   token-file: /etc/pktscope/token # --token-file, for the HTTP API
 *   socket: /run/pktscope/agent.sock
 *   pin-dir: /sys/fs/bpf/pktscope
 *   ttl-threshold: 2
 *   sample: 1                       # events: keep 1 in N
 *   flows:
 *     enabled: true
 *     max-flows: 65536
 *     idle-timeout: 15              # seconds, as the flows command's
 *     active-timeout: 60
 *     fin-timeout: 1
 *     ipfix: [192.0.2.10:4739]      # collectors, one or a list
 *
 * A file that is not valid, or holds a key or value pktscope does not take,
 * is refused with one line, "FILE:LINE:COLUMN: what is wrong", through the
 * log sink; nothing of it is kept.
 */
#ifndef PS_AGENT_CONFIG_H
#define PS_AGENT_CONFIG_H

#include <stdbool.h>
#include <linux/types.h>
#include "attach.h"
#include "datapath.h"

#define PS_AGENT_DEFAULT_LISTEN  "127.0.0.1:9386"
#define PS_AGENT_DEFAULT_SOCKET  "/run/pktscope/agent.sock"
#define PS_AGENT_DEFAULT_PIN_DIR "/sys/fs/bpf/pktscope"
/* A configuration larger than this is not one a person wrote. */
#define PS_AGENT_CONFIG_MAX_BYTES (1 << 20)

struct ps_agent_config {
	char **ifaces;
	int nifaces;
	enum ps_hook hook;
	enum ps_xdp_mode xdp_mode;
	bool xdp_mode_set;
	char *listen;           /* ADDR:PORT */
	char *token_file;       /* NULL: none */
	char *socket;
	char *pin_dir;
	__u32 ttl_threshold;
	__u32 sample;           /* 1: every event */
	struct {
		bool enabled;
		__u32 max_flows;
		double idle_timeout;    /* seconds */
		double active_timeout;  /* 0: only when a flow ends */
		double fin_timeout;
		char **ipfix;           /* HOST:PORT each */
		int nipfix;
	} flows;
};

/* The defaults: what the agent runs with when neither file nor flag says
 * otherwise.  Returns 0 or -ENOMEM. */
int ps_agent_config_init(struct ps_agent_config *c);

/* Reads 'path' over the defaults init() set.  Returns 0; -EINVAL for a
 * file pktscope does not take ("FILE:LINE:COLUMN: ..." said); -errno when
 * it cannot be read (said).  On failure 'c' is as it was. */
int ps_agent_config_load(struct ps_agent_config *c, const char *path);

void ps_agent_config_free(struct ps_agent_config *c);

#endif
