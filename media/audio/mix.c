#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mix.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

// mixInInto adds what in has to out. An input plays once it has a frame
// buffered, and again after it ran dry; beyond the cap its oldest audio is
// skipped, so a burst after a stall does not leave the call behind.
static void mixInInto(mixIn *in, int16_t *out, uint32_t len) {
	uint64_t w = LOAD(&in->write), r = LOAD(&in->read);
	uint64_t avail = w - r;
	if (!in->primed) {
		if (avail < MIX_PRIME) return;
		in->primed = 1;
	}
	if (avail > MIX_MAX_BUFFERED) {
		uint64_t skip = avail - MIX_PRIME;
		r += skip;
		avail -= skip;
	}
	uint32_t n = avail < len ? (uint32_t)avail : len;
	for (uint32_t i = 0; i < n; i++) {
		int32_t s = (int32_t)out[i] + in->ring[(r + i) % MIX_RING];
		out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : (int16_t)s;
	}
	STORE(&in->read, r + n);
	if (n < len) in->primed = 0; // ran dry: buffer one frame again first
}

// mixerMix fills out with the sum of all inputs, clipped. It never blocks,
// allocates or calls into Go: it may run on a device's real-time thread.
void mixerMix(cmixer *m, int16_t *out, uint32_t n) {
	memset(out, 0, n * sizeof(int16_t));
	mixSet *set = LOAD(&m->set);
	for (uint32_t i = 0; i < set->n; i++) mixInInto(set->in[i], out, n);
	__atomic_add_fetch(&m->played, n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->mixes, 1, __ATOMIC_RELEASE);
}

mixSet *mixerSwap(cmixer *m, mixSet *set) {
	return __atomic_exchange_n(&m->set, set, __ATOMIC_ACQ_REL);
}

// keepPlayed copies what the device took at atNs into the blocks for the
// taps; when Go has fallen a whole ring behind, the newest are dropped.
static void keepPlayed(cmixer *m, const int16_t *pcm, uint32_t n, int64_t atNs) {
	for (uint32_t off = 0; off < n; off += PLAYED_BLOCK) {
		uint64_t w = m->blocksW;
		if (w - LOAD(&m->blocksR) == PLAYED_BLOCKS) {
			__atomic_add_fetch(&m->blocksDropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		playedBlock *b = &m->blocks[w % PLAYED_BLOCKS];
		b->n = n - off < PLAYED_BLOCK ? n - off : PLAYED_BLOCK;
		memcpy(b->pcm, pcm + off, b->n * sizeof(int16_t));
		b->at = atNs + (int64_t)off * 1000000000 / MIX_RATE;
		STORE(&m->blocksW, w + 1);
	}
}

// deviceData is the device's data callback (ma_device_data_proc), on the
// device's thread: it mixes, keeps what it played for the taps if any,
// and wakes Go's pump to hand it to them.
static void deviceData(void *device, void *out, const void *in, uint32_t frames) {
	(void)in;
	cmixer *m = *(cmixer **)((char *)device + 48); // ma_device.pUserData
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	mixerMix(m, out, frames);
	if (!LOAD(&m->tapping)) return;
	keepPlayed(m, out, frames, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	char one = 1;
	ssize_t unused = write(m->wakeFd, &one, 1); // a full pipe already wakes
	(void)unused;
}

// mixerAttach makes a playback device that malgo initialised call
// deviceData with m instead of calling into Go. malgo has no way to set a
// C callback, so this writes ma_device's onData and pUserData (offsets 24
// and 48 in the miniaudio that malgo v0.11.24 bundles). It first checks that
// the fields before them hold what they must, and refuses (0) when they do
// not: a malgo with another layout keeps its Go callback instead of
// crashing.
int mixerAttach(void *device, void *context, uint32_t rate, cmixer *m) {
	char *d = device;
	if (*(void **)d != context) return 0;        // pContext
	if (*(uint32_t *)(d + 8) != 1) return 0;     // type: playback
	if (*(uint32_t *)(d + 12) != rate) return 0; // sampleRate
	if (*(void **)(d + 24) == NULL) return 0;    // onData: malgo's
	if (*(void **)(d + 48) != NULL) return 0;    // pUserData: unused
	*(void **)(d + 48) = m;
	*(void (**)(void *, void *, const void *, uint32_t))(d + 24) = deviceData;
	return 1;
}
