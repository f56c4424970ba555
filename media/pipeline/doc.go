// Package pipeline builds Confer's media pipelines from their parts, the
// same way for the call, the lobby's preview and the bot:
//
//	device → (scale) → VP8 encoder per layer → sample writer   (camera, screen)
//	microphone → level → Opus encoder → sample writer
//	packet reader → jitter buffer → decoder → frame or PCM sink
//
// A transport only supplies the writers and readers of its protocol; it
// never opens a device or picks an encoder setting itself.
package pipeline
