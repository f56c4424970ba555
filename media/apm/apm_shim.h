// C interface to the WebRTC audio processing module (webrtc-audio-processing
// 0.3, a C++ library), so cgo can drive it. The implementation is
// apm_shim.cc; the Go side is apm.go.
#ifndef CONFER_APM_SHIM_H
#define CONFER_APM_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// One 10 ms chunk at 48 kHz mono: the only unit APM 0.3 processes.
#define CONFER_APM_RATE 48000
#define CONFER_APM_CHUNK 480

typedef struct confer_apm confer_apm;

// Settings of the components, fixed for the life of an instance.
typedef struct {
	int ec_suppression;     // EchoCancellation::SuppressionLevel
	int ns_level;           // NoiseSuppression::Level
	int vad_likelihood;     // VoiceDetection::Likelihood
	int agc_target_dbfs;    // GainControl target, positive dB below full scale
	int agc_compression_db; // GainControl maximum digital gain
} confer_apm_tuning;

// Figures APM keeps anyway; the *_ok fields say which ones were available.
typedef struct {
	int metrics_ok;
	int erl, erle, rerl; // averages in dB; -100 means not computed
	int delay_ok;
	int delay_median_ms, delay_std_ms;
	float fraction_poor_delays;
	int speech_ok;
	float speech_probability;
	int has_echo;
} confer_apm_stats;

// confer_apm_new creates a 48 kHz mono APM with every component off and
// tuned as t says. On failure it returns NULL and stores an APM error code
// in *err.
confer_apm *confer_apm_new(confer_apm_tuning t, int *err);

// confer_apm_enable switches components on (1) or off (0). Components whose
// switch does not change keep their state. Returns an APM error code.
int confer_apm_enable(confer_apm *a, int echo, int noise, int gain, int high_pass, int voice);

// confer_apm_render feeds chunks 10 ms chunks of far-end audio from pcm.
// Returns an APM error code.
int confer_apm_render(confer_apm *a, const int16_t *pcm, int chunks);

// confer_apm_capture processes chunks 10 ms chunks of pcm in place, telling
// APM the render-to-capture delay before each. Returns a negative APM error
// code, or the number of chunks in which the VAD heard voice.
int confer_apm_capture(confer_apm *a, int16_t *pcm, int chunks, int delay_ms);

// confer_apm_get_stats fills s with whatever is currently available.
void confer_apm_get_stats(confer_apm *a, confer_apm_stats *s);

// confer_apm_free destroys a.
void confer_apm_free(confer_apm *a);

#ifdef __cplusplus
}
#endif

#endif
