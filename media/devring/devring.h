// What a sound device's thread shares with Go, so that the thread never
// calls into Go (see doc.go): a single-producer single-consumer ring of
// 10 ms blocks of samples, each with the time the device handled it, and
// a pipe the thread writes a byte to after each callback to wake Go.
// Header-only, so that every package's C callback can use it.
#ifndef CONFER_DEVRING_H
#define CONFER_DEVRING_H

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEVRING_BLOCK 480   // samples per block: 10 ms at 48 kHz
#define DEVRING_BLOCKS 128  // 1.28 s of blocks Go has not taken
#define DEVRING_RATE 48000  // mono, like everything in media

typedef struct {
	int64_t at;  // unix ns at which the device handled pcm[0]
	uint32_t n;
	int16_t pcm[DEVRING_BLOCK];
} devBlock;

typedef struct {
	uint64_t w, r;     // blocks written (device), read (Go)
	uint64_t dropped;  // blocks the device had no room for
	int32_t wakeFd;
	devBlock blocks[DEVRING_BLOCKS];
} devRing;

static inline int64_t devNow(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// devRingPut copies n samples handled at atNs into blocks and wakes Go;
// when Go has fallen a whole ring behind, the newest are dropped. It
// never blocks or allocates: it runs on the device's real-time thread.
static inline void devRingPut(devRing *r, const int16_t *pcm, uint32_t n, int64_t atNs) {
	for (uint32_t off = 0; off < n; off += DEVRING_BLOCK) {
		uint64_t w = r->w;
		if (w - __atomic_load_n(&r->r, __ATOMIC_ACQUIRE) == DEVRING_BLOCKS) {
			__atomic_add_fetch(&r->dropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		devBlock *b = &r->blocks[w % DEVRING_BLOCKS];
		b->n = n - off < DEVRING_BLOCK ? n - off : DEVRING_BLOCK;
		memcpy(b->pcm, pcm + off, b->n * sizeof(int16_t));
		b->at = atNs + (int64_t)off * 1000000000 / DEVRING_RATE;
		__atomic_store_n(&r->w, w + 1, __ATOMIC_RELEASE);
	}
	char one = 1;
	ssize_t unused = write(r->wakeFd, &one, 1); // a full pipe already wakes
	(void)unused;
}

typedef void (*devDataProc)(void *device, void *out, const void *in, uint32_t frames);

// devAttach makes a device that malgo initialised call proc with user as
// its ma_device.pUserData instead of calling into Go. malgo has no way to
// set a C callback, so this writes ma_device's onData and pUserData
// (offsets 24 and 48 in the miniaudio that malgo v0.11.24 bundles). It
// first checks that the fields before them hold what they must, and
// refuses (0) when they do not: a malgo laid out otherwise keeps its Go
// callback instead of crashing.
static inline int devAttach(void *device, void *context, uint32_t type, uint32_t rate, devDataProc proc, void *user) {
	char *d = device;
	if (*(void **)d != context) return 0;        // pContext
	if (*(uint32_t *)(d + 8) != type) return 0;  // type: 1 playback, 2 capture
	if (*(uint32_t *)(d + 12) != rate) return 0; // sampleRate
	if (*(void **)(d + 24) == NULL) return 0;    // onData: malgo's
	if (*(void **)(d + 48) != NULL) return 0;    // pUserData: unused
	*(void **)(d + 48) = user;
	*(devDataProc *)(d + 24) = proc;
	return 1;
}

// devUser is a callback's user data: the pointer devAttach stored.
static inline void *devUser(void *device) { return *(void **)((char *)device + 48); }

// devCaptureData is a capture device's callback (devring.c).
void devCaptureData(void *device, void *out, const void *in, uint32_t frames);

#endif
