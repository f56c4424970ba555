#include "devring.h"

// devCaptureData is a capture device's callback: it keeps what the
// microphone gave for Go.
void devCaptureData(void *device, void *out, const void *in, uint32_t frames) {
	(void)out;
	devRingPut(devUser(device), in, frames, devNow());
}
