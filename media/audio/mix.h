// The mixer's real-time part, in C so that a playback device's thread can
// run it without entering Go (see media/devring for why). Go writes each input's
// ring and swaps the set of inputs; the device's callback, or Mixer.Mix,
// sums them. Positions count samples since the start and only grow; every
// field shared between threads is read and written with atomics.
#ifndef CONFER_MIX_H
#define CONFER_MIX_H

#include <stdint.h>

#define MIX_RING 15360          // an input's ring: 16 frames of 20 ms
#define MIX_PRIME 960           // buffered before an input plays: one frame
#define MIX_MAX_BUFFERED 9600   // an input's delay cap: ten frames

// mixIn is one input, in Go memory that Go pins while it is in a set.
typedef struct {
	int16_t ring[MIX_RING];
	uint64_t write;  // samples written (Go)
	uint64_t read;   // samples mixed (the mixing thread)
	int32_t primed;  // the mixing thread's own
} mixIn;

// mixSet is an immutable set of inputs, swapped whole.
typedef struct {
	uint32_t n;
	mixIn *in[];
} mixSet;

typedef struct {
	mixSet *set;      // the inputs; swapped by Go
	uint64_t mixes;   // mixes finished: a set swapped out before is unused
	uint64_t played;  // samples handed out
	// What the device played, for Go's taps (a devRing, devring.h); the
	// device's callback fills it while tapping is set.
	void *playedRing;
	int32_t tapping;
} cmixer;

void mixerMix(cmixer *m, int16_t *out, uint32_t n);
mixSet *mixerSwap(cmixer *m, mixSet *set);
void mixerDeviceData(void *device, void *out, const void *in, uint32_t frames);

#endif
