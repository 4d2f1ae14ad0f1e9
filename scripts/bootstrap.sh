#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs before pktscope builds and runs,
# done idempotently: Debian packages (only the missing ones), bpffs, the build.
# Usage: scripts/bootstrap.sh [run|test]   (test adds the test suite's peers)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "pktscope: the set-up installs packages and loads BPF programs: run it as root (sudo $0)" >&2
	exit 2
fi

build_pkgs=(make gcc clang llvm libc6-dev libbpf-dev bpftool libpcap-dev libjansson-dev
	libelf-dev zlib1g-dev pkg-config iproute2 uthash-dev libncurses-dev libmnl-dev libyaml-dev)
test_pkgs=(libcmocka-dev tcpdump tshark tcpreplay netsniff-ng jq iputils-ping util-linux
	procps python3 python3-pyte nfdump pmacct iperf3 perl libclang-rt-14-dev)
# test_docs.sh: the man pages rendered, the completion run, make install traced
test_pkgs+=(man-db mandoc strace bash-completion)

want=("${build_pkgs[@]}")
[ "${1:-run}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "pktscope: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pktscope pins nothing yet, but the tests and later commands use bpffs.
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi

if [ "${1:-run}" = test ]; then
	make -s -j"$(nproc)" tests
else
	make -s -j"$(nproc)" all
fi
