// Shim between cgo and the C++ API of webrtc-audio-processing 0.3. It owns
// the AudioProcessing instance and one reusable AudioFrame per direction, so
// the Go side passes plain int16 buffers and nothing is allocated per call.
// No Go pointer is kept past a call: samples are copied in and out.

#include "apm_shim.h"

#include <string.h>

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

using webrtc::AudioFrame;
using webrtc::AudioProcessing;

struct confer_apm {
	AudioProcessing *apm;
	AudioFrame render;
	AudioFrame capture;
	bool voice;  // VAD on: stream_has_voice() means something
};

namespace {

// Options that can only be given at creation. ExperimentalAgc defaults to on
// in 0.3 and then replaces the digital AGC with AgcManagerDirect, which only
// steers an analog microphone volume that we do not have, so it is turned
// off. ExtendedFilter (128 ms filter instead of 48 ms) and DelayAgnostic
// (APM estimates the delay itself) make the AEC robust to the imprecise
// delays a desktop audio stack reports; they only cost CPU while the AEC is
// on. ExperimentalNs (transient/keyboard suppression) wants key-press
// events we cannot supply.
void creation_config(webrtc::Config &c) {
	c.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
	c.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
	c.Set<webrtc::ExperimentalAgc>(new webrtc::ExperimentalAgc(false));
	c.Set<webrtc::ExperimentalNs>(new webrtc::ExperimentalNs(false));
	c.Set<webrtc::Intelligibility>(new webrtc::Intelligibility(false));
}

void prepare(AudioFrame *f) {
	f->sample_rate_hz_ = CONFER_APM_RATE;
	f->num_channels_ = 1;
	f->samples_per_channel_ = CONFER_APM_CHUNK;
}

// tune applies t once, before any component is enabled: in 0.3 some
// setters re-initialise an enabled component (GainControl::set_mode does),
// and the others re-apply the whole handle configuration.
int tune(AudioProcessing *apm, const confer_apm_tuning &t) {
	webrtc::EchoCancellation *ec = apm->echo_cancellation();
	webrtc::GainControl *gc = apm->gain_control();
	int err;
	if ((err = ec->set_suppression_level(
	         static_cast<webrtc::EchoCancellation::SuppressionLevel>(t.ec_suppression))) ||
	    (err = ec->enable_drift_compensation(false)) || (err = ec->enable_metrics(true)) ||
	    (err = ec->enable_delay_logging(true)))
		return err;
	if ((err = apm->noise_suppression()->set_level(
	         static_cast<webrtc::NoiseSuppression::Level>(t.ns_level))))
		return err;
	if ((err = apm->voice_detection()->set_likelihood(
	         static_cast<webrtc::VoiceDetection::Likelihood>(t.vad_likelihood))))
		return err;
	if ((err = gc->set_mode(webrtc::GainControl::kAdaptiveDigital)) ||
	    (err = gc->set_target_level_dbfs(t.agc_target_dbfs)) ||
	    (err = gc->set_compression_gain_db(t.agc_compression_db)) ||
	    (err = gc->enable_limiter(true)))
		return err;
	return 0;
}

// enable flips a component only when its switch changes: in 0.3 enabling
// a component re-initialises it, which for the AEC means re-converging.
template <typename Component>
int enable(Component *c, int on) {
	return c->is_enabled() == (on != 0) ? 0 : c->Enable(on != 0);
}

}  // namespace

extern "C" {

// C++ exceptions must not unwind into Go: allocation failures become
// kCreationFailedError.
confer_apm *confer_apm_new(confer_apm_tuning t, int *err) {
	*err = AudioProcessing::kCreationFailedError;
	AudioProcessing *apm = NULL;
	confer_apm *a = NULL;
	try {
		webrtc::Config config;  // Create copies the values it needs
		creation_config(config);
		apm = AudioProcessing::Create(config);
		a = new confer_apm;
	} catch (...) {
		delete apm;
		return NULL;
	}
	if (apm == NULL) {
		delete a;
		return NULL;
	}
	// Fix the formats up front so the first chunk does not re-initialise.
	*err = apm->Initialize(CONFER_APM_RATE, CONFER_APM_RATE, CONFER_APM_RATE,
	                       AudioProcessing::kMono, AudioProcessing::kMono,
	                       AudioProcessing::kMono);
	if (*err == AudioProcessing::kNoError)
		*err = tune(apm, t);
	if (*err != AudioProcessing::kNoError) {
		delete apm;
		delete a;
		return NULL;
	}
	a->apm = apm;
	a->voice = false;
	prepare(&a->render);
	prepare(&a->capture);
	return a;
}

int confer_apm_enable(confer_apm *a, int echo, int noise, int gain, int high_pass, int voice) {
	AudioProcessing *apm = a->apm;
	int err;
	if ((err = enable(apm->echo_cancellation(), echo)) ||
	    (err = enable(apm->noise_suppression(), noise)) ||
	    (err = enable(apm->gain_control(), gain)) ||
	    (err = enable(apm->high_pass_filter(), high_pass)) ||
	    (err = enable(apm->voice_detection(), voice)))
		return err;
	a->voice = voice != 0;
	return 0;
}

int confer_apm_render(confer_apm *a, const int16_t *pcm, int chunks) {
	for (int i = 0; i < chunks; i++) {
		AudioFrame *f = &a->render;
		prepare(f);
		memcpy(f->data_, pcm + i * CONFER_APM_CHUNK, sizeof(int16_t) * CONFER_APM_CHUNK);
		int err = a->apm->ProcessReverseStream(f);
		if (err)
			return err;
	}
	return 0;
}

int confer_apm_capture(confer_apm *a, int16_t *pcm, int chunks, int delay_ms) {
	int voiced = 0;
	for (int i = 0; i < chunks; i++) {
		AudioFrame *f = &a->capture;
		int16_t *chunk = pcm + i * CONFER_APM_CHUNK;
		prepare(f);
		memcpy(f->data_, chunk, sizeof(int16_t) * CONFER_APM_CHUNK);
		// Out of range only gives a warning and a clamped value.
		a->apm->set_stream_delay_ms(delay_ms);
		int err = a->apm->ProcessStream(f);
		if (err)
			return err < 0 ? err : -err;
		memcpy(chunk, f->data_, sizeof(int16_t) * CONFER_APM_CHUNK);
		if (a->voice && a->apm->voice_detection()->stream_has_voice())
			voiced++;
	}
	return voiced;
}

void confer_apm_get_stats(confer_apm *a, confer_apm_stats *s) {
	memset(s, 0, sizeof *s);
	webrtc::EchoCancellation *ec = a->apm->echo_cancellation();
	if (ec->is_enabled()) {
		webrtc::EchoCancellation::Metrics m;
		if (ec->GetMetrics(&m) == 0) {
			s->metrics_ok = 1;
			s->erl = m.echo_return_loss.average;
			s->erle = m.echo_return_loss_enhancement.average;
			s->rerl = m.residual_echo_return_loss.average;
		}
		if (ec->GetDelayMetrics(&s->delay_median_ms, &s->delay_std_ms,
		                        &s->fraction_poor_delays) == 0)
			s->delay_ok = 1;
		s->has_echo = ec->stream_has_echo();
	}
	if (a->apm->noise_suppression()->is_enabled()) {
		s->speech_ok = 1;
		s->speech_probability = a->apm->noise_suppression()->speech_probability();
	}
}

void confer_apm_free(confer_apm *a) {
	delete a->apm;
	delete a;
}

}  // extern "C"
