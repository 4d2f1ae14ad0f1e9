// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "ringread.h"

#define RING_HDR_SZ 8 /* BPF_RINGBUF_HDR_SZ */
/* How far ahead of the record being looked at the reader prefetches. */
#define PREFETCH_AHEAD 4096
#define CACHE_LINE 64

int ps_ringread_open(struct ps_ringread *r, int map_fd)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	void *cons, *prod;
	size_t prod_len;
	int err;

	memset(r, 0, sizeof(*r));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r->page_size = sysconf(_SC_PAGESIZE);
	r->size = info.max_entries;
	/* The kernel lets only the consumer page be mapped writable. */
	cons = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod_len = r->page_size + 2 * r->size;
	prod = mmap(NULL, prod_len, PROT_READ, MAP_SHARED, map_fd, r->page_size);
	if (prod == MAP_FAILED) {
		err = -errno;
		munmap(cons, r->page_size);
		return err;
	}
	r->consumer_pos = cons;
	r->producer_pos = prod;
	r->data = (const __u8 *)prod + r->page_size;
	return 0;
}

static __u64 round_up8(__u64 v)
{
	return (v + 7) & ~7ULL;
}

int ps_ringread_peek(const struct ps_ringread *r, struct ps_ringrec *recs, int max)
{
	/* Only this reader writes the consumer position: a plain read. */
	__u64 cons = *r->consumer_pos, prod;
	const __u8 *pf, *end;
	int n = 0;

	/* Acquire: the records before the producer position are visible
	 * once the position is (the kernel publishes it with release). */
	prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
	/* The data area is mapped twice: what waits is one run of bytes. */
	pf = r->data + (cons & (r->size - 1));
	end = pf + (prod - cons);
	while (n < max && cons < prod) {
		const __u8 *hdr = r->data + (cons & (r->size - 1));

		/* The records were just written by another CPU, and where one
		 * starts is known only from the one before: read one by one,
		 * each header is a cache miss waited for in turn.  They lie
		 * back to back, so the lines ahead are fetched together
		 * instead (and are then in cache for the write's copy). */
		for (; pf < end && pf < hdr + PREFETCH_AHEAD; pf += CACHE_LINE)
			__builtin_prefetch(pf);
		/* Acquire again: the header is committed last, with release,
		 * after the record's bytes. */
		__u32 word = __atomic_load_n((const __u32 *)hdr, __ATOMIC_ACQUIRE);
		__u32 len = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		__u64 step = round_up8((__u64)len + RING_HDR_SZ);

		if (word & BPF_RINGBUF_BUSY_BIT)
			break; /* reserved, not committed yet: later records wait for it */
		if (step > r->size)
			return -EBADMSG;
		recs[n].data = word & BPF_RINGBUF_DISCARD_BIT ? NULL : hdr + RING_HDR_SZ;
		recs[n].len = len;
		recs[n].end = cons + step;
		cons += step;
		n++;
	}
	return n;
}

void ps_ringread_release(struct ps_ringread *r, __u64 pos)
{
	/* Release: every read of the records before 'pos' is done before
	 * the kernel may write over them. */
	__atomic_store_n(r->consumer_pos, pos, __ATOMIC_RELEASE);
}

__u64 ps_ringread_pending(const struct ps_ringread *r)
{
	return __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE) - *r->consumer_pos;
}

void ps_ringread_close(struct ps_ringread *r)
{
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page_size);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page_size + 2 * r->size);
	memset(r, 0, sizeof(*r));
}
