package codec

/*
#include <malloc.h>

static int confer_fix_mmap_threshold(int bytes) {
	return mallopt(M_MMAP_THRESHOLD, bytes);
}
*/
import "C"

// largeBlock is glibc's initial mmap threshold: blocks this large or
// larger are mapped on their own and unmapped when freed.
const largeBlock = 128 << 10

// FreeLargeBuffersAtOnce makes the C allocator give every large block
// (libvpx's frame buffers and token lists, a decoder's pictures) back to
// the system when it is freed. By default glibc raises its mmap threshold
// to the size of each mapped block freed, so that blocks of that size come
// from its heap afterwards, where they stay resident after free: a call
// re-creates encoders (a layer halved or resumed, a camera restarted) and
// decoders (a layer switched, someone leaving), and the freed megabytes
// stayed: three 720p encoders opened and closed left 31 MB resident
// (TestAClosedEncodersMemoryGoesBack). Fixing the threshold (which also
// stops it moving), the largest client of a 4-party call took 119–129 MB
// in four runs, against 128 and 147 MB in two without (benchtool -only
// party, 2026-12-02). libvpx allocates when a codec opens, not per frame,
// so the extra mmap calls are few.
func FreeLargeBuffersAtOnce() bool {
	return C.confer_fix_mmap_threshold(largeBlock) == 1
}
