#include <string.h>

#include "mix.h"
#include "../devring/devring.h"

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

// mixerDeviceData is a playback device's data callback, on the device's
// thread (attached by devring.Attach): it mixes, and keeps what it played
// for the taps if any, waking Go's pump to hand it to them.
void mixerDeviceData(void *device, void *out, const void *in, uint32_t frames) {
	(void)in;
	cmixer *m = devUser(device);
	int64_t at = devNow();
	mixerMix(m, out, frames);
	if (LOAD(&m->tapping)) devRingPut(m->playedRing, out, frames, at);
}
